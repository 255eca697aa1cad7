"""The shared edge with two replicas: Slack retries answered once across them, widget sessions valid on both,
and a conversation that goes on for 500 turns still routed (what Rasa sends to the action server stays small).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import uuid
from typing import Any, Dict, List

import pytest
import requests
from prodkit import APOLOGY, PAGE_ORIGIN, SLACK_SECRET, reply_text
from sqlalchemy import create_engine, text

from bot.channels.trackers import DEFAULT_MAX_BYTES, DEFAULT_MAX_EVENTS
from tooling.channel_clients import RawSocket, sign, slack_dm_event
from tooling.rest_client import RasaClient

pytestmark = [pytest.mark.servers, pytest.mark.postgres]

RETRY_REASONS = ["http_timeout", "http_error", "too_many_requests", "unknown_error"]


def post_slack(url: str, payload: Dict[str, Any], headers: Dict[str, str] | None = None) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(
        f"{url}/webhooks/slack/webhook",
        data=body,
        timeout=30,
        headers={"Content-Type": "application/json", **sign(body, None, SLACK_SECRET), **(headers or {})},
    )


def test_a_slack_retry_reaching_the_other_replica_is_answered_once(stack, slack_api, stores):
    channel, ts = f"D{uuid.uuid4().hex[:10].upper()}", f"{time.time():.6f}"
    first, second = (server.url for server in stack.rasa)
    event = slack_dm_event(channel, "my power is out", ts)
    assert post_slack(first, event).status_code == 200
    # Slack retries when its first delivery looks lost; the retries land wherever the load balancer sends them.
    for number, reason in enumerate(RETRY_REASONS, start=1):
        retry = post_slack(
            second if number % 2 else first, event, {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": reason}
        )
        assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1", reason
    slack_api.wait_for(channel, lambda posts: len(posts) >= 1)
    # The next message of the thread, on the other replica: once it is answered, every earlier turn of the
    # conversation is (they run one at a time), so a reply to a retry would be there already.
    later = f"{time.time():.6f}"
    assert (
        post_slack(
            second,
            slack_dm_event(
                channel, "where does my electricity come from", later, thread_ts=ts, event_id=f"Ev{channel}{later}"
            ),
        ).status_code
        == 200
    )
    posts = slack_api.wait_for(channel, lambda posts: any("Which city" in (p.get("text") or "") for p in posts))
    outage = [p for p in posts if "1-800-611-1911" in (p.get("text") or "")]
    assert len(outage) == 1 and len(posts) == 2, posts
    claimed = stores.lock_store().red.exists(f"{stores.lock_prefix}:slack-delivery:msg:{channel}:{ts}")
    assert claimed  # the claim is in the shared Redis, under the deployment's prefix


def test_a_widget_session_rejoins_on_the_other_replica(stack):
    async def scenario() -> List[str]:
        async with RawSocket(stack.rasa[0].url, PAGE_ORIGIN) as before_reload:
            token = await before_reload.session()
        async with RawSocket(stack.rasa[1].url, PAGE_ORIGIN) as after_reload:
            return [token, await after_reload.session(stored=token)]

    token, rejoined = asyncio.run(scenario())
    assert rejoined == token  # both replicas share BOT_SESSION_SECRET


def current_session(tracker_db_url: str, sender: str) -> Dict[str, int]:
    """Events and bytes of the conversation's latest session as stored (what Rasa loads and sends)."""
    engine = create_engine(tracker_db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(length(data)), 0) FROM events WHERE sender_id = :s AND timestamp >= "
                    "(SELECT coalesce(max(timestamp), 0) FROM events "
                    "WHERE sender_id = :s AND type_name = 'session_started')"
                ),
                {"s": sender},
            ).one()
            sessions = conn.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s AND type_name = 'session_started'"),
                {"s": sender},
            ).scalar_one()
    finally:
        engine.dispose()
    return {"events": int(row[0]), "bytes": int(row[1]), "sessions": int(sessions)}


TURNS = 500
BIG_MESSAGE = ("my power is out " * 125)[:2000]  # the longest message the edge accepts
BIG_METADATA = {"page": "x" * 4000}  # just under the 4 KB metadata cap


def test_a_500_turn_conversation_is_still_routed(stack, stores, sender):
    """~70 such turns used to push the tracker Rasa sends with every action call past the action server's
    1 MB request limit: every later question got the apology."""
    urls = [server.url for server in stack.rasa]
    durations: List[float] = []
    largest = {"events": 0, "bytes": 0, "sessions": 0}
    with requests.Session() as http:
        for turn in range(TURNS):
            started = time.monotonic()
            answer = http.post(
                f"{urls[turn % 2]}/webhooks/rest/webhook",
                timeout=60,
                json={"sender": sender, "message": BIG_MESSAGE, "metadata": BIG_METADATA},
            )
            durations.append(time.monotonic() - started)
            assert answer.status_code == 200, answer.text
            replied = reply_text(answer.json())
            assert replied.strip() and APOLOGY not in replied, f"turn {turn}: {replied}"
            if turn % 25 == 24:
                size = current_session(stores.tracker_db_url, sender)
                largest = {k: max(largest[k], size[k]) for k in largest}
    client = RasaClient(urls[1], stack.token)
    assert "which city" in reply_text(client.send(sender, "where does my electricity come from")).lower()
    assert "Orange County Power Authority" in reply_text(client.send(sender, "Irvine"))
    early, late = statistics.median(durations[:50]), statistics.median(durations[-50:])
    print(
        f"{TURNS} turns: median {early * 1000:.0f} ms (first 50) / {late * 1000:.0f} ms (last 50); "
        f"largest current session {largest}"
    )
    # One turn adds at most a few events and ~30 KB: the session never grows far past the bounds.
    assert largest["events"] <= DEFAULT_MAX_EVENTS + 20 and largest["bytes"] <= DEFAULT_MAX_BYTES + 64 * 1024
    assert largest["sessions"] >= 2
    assert late < max(3 * early, early + 0.5), (early, late)
