"""When the action server or the role-table database fails, the customer still gets a useful reply.

On every channel: REST, the widget's socket.io and Slack answer a failed, hanging or silent turn with
the same apology.

Each test takes over the stack's action-server port (the Rasa servers keep calling it) and puts
something else there: nothing, a server that never answers, or real action servers with a broken or
locked database. The stack's own action server is restarted afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import pytest
import requests
from prodkit import (
    APOLOGY,
    PAGE_ORIGIN,
    SCE_GENERAL_PHONE,
    SLACK_SECRET,
    TURN_TIMEOUT,
    HangingServer,
    action_port,
    bot_texts,
    reply_text,
    user_texts,
)
from sqlalchemy import text

from tooling.channel_clients import RawSocket, sign, slack_dm_event
from tooling.servers import Server, Stack, free_port, start_actions

pytestmark = [pytest.mark.servers, pytest.mark.postgres]


def apologised(reply: str) -> bool:
    return APOLOGY in reply and SCE_GENERAL_PHONE in reply


@pytest.fixture
def port(stack: Stack) -> Iterator[int]:
    """The action-server port, emptied for the test; the stack's own action server comes back after."""
    stack.actions.stop()
    yield action_port(stack.actions)
    stack.actions.start()


@contextmanager
def action_server(stack: Stack, port: int, **env: str) -> Iterator[Server]:
    """A real action server on ``port`` with environment overrides, stopped on exit."""
    server = start_actions(port, {**stack.env, **env}, Path(stack.actions.log).parent)
    try:
        yield server
    finally:
        server.stop()


def log_tail(path: Path, start: int) -> str:
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read().decode("utf-8", "replace")


def test_action_server_down_apologises_then_routing_resumes_mid_form(stack, clients, sender, port):
    client, rasa_log = clients[0], stack.rasa[0].log
    mark = rasa_log.stat().st_size

    assert apologised(reply_text(client.send(sender, "where does my electricity come from")))
    logged = log_tail(rasa_log, mark)
    assert "Failed to execute custom action 'action_route_inquiry'" in logged
    assert "produced no reply" in logged

    with action_server(stack, port) as actions:
        assert "which city" in reply_text(client.send(sender, "where does my electricity come from")).lower()
        actions.kill()  # dies while the form waits for the city
        assert apologised(reply_text(client.send(sender, "Irvine")))
        actions.start()
        assert "Orange County Power Authority" in reply_text(client.send(sender, "Irvine"))
    slots = client.slots(sender)
    assert slots["city"] == "Irvine" and slots["inquiry_topic"] == "generation"


def test_hanging_action_server_times_out_with_an_apology(stack, clients, sender, port):
    client, rasa_log = clients[1], stack.rasa[1].log
    mark = rasa_log.stat().st_size
    with HangingServer(port) as hanging:
        assert apologised(reply_text(client.send(sender, "my power is out")))
        assert hanging.accepted, "Rasa never called the hanging action server"
    assert "timed out" in log_tail(rasa_log, mark)

    with action_server(stack, port):
        assert "Southern California Edison" in reply_text(client.send(sender, "my power is out"))


def test_unreachable_role_table_apologises_from_the_action(stack, clients, sender, port):
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    with action_server(stack, port, DATABASE_URL=unreachable) as actions:
        assert apologised(reply_text(clients[0].send(sender, "my power is out")))
        assert "role table unavailable" in actions.log.read_text(errors="replace")
    # The action itself replied (not the channel's safety net), so the conversation records the apology.
    tracker = clients[1].tracker(sender)
    assert apologised(bot_texts(tracker)[-1]) and user_texts(tracker) == ["my power is out"]


def test_locked_role_table_times_out_then_the_last_snapshot_serves(stack, stores, role_db, clients, sender, port):
    client = clients[0]

    def locked():
        conn = role_db.connect()
        transaction = conn.begin()
        conn.execute(text("LOCK TABLE parties IN ACCESS EXCLUSIVE MODE"))
        return conn, transaction

    # TTL 0: every action re-reads the role table, so each turn meets the lock.
    with action_server(stack, port, DATABASE_URL=stores.role_db_url, BOT_ROLE_TABLE_TTL="0") as actions:
        conn, transaction = locked()
        try:  # a fresh action server has no snapshot yet: the bounded query fails, the action apologises
            assert apologised(reply_text(client.send(sender, "my power is out")))
        finally:
            transaction.rollback()
            conn.close()
        assert "Southern California Edison" in reply_text(client.send(sender, "my power is out"))

        conn, transaction = locked()
        try:  # now a snapshot exists: it keeps serving while the database is stuck
            assert "Orange County Power Authority" in reply_text(client.send(sender, "who supplies power in Irvine"))
        finally:
            transaction.rollback()
            conn.close()
        logged = actions.log.read_text(errors="replace")
        assert "role table unavailable" in logged and "serving the previous snapshot" in logged


async def _widget_turn(url: str, text: str) -> str:
    async with RawSocket(url, PAGE_ORIGIN) as widget:
        token = await widget.session()
        await widget.emit("user_uttered", {"session_id": token, "message": text})
        name, data = await widget.next(timeout=TURN_TIMEOUT + 20)
        assert name == "bot_uttered", (name, data)
        return str(data.get("text"))


def _slack_dm(stack: Stack, instance: int, channel: str, text: str, ts: str) -> int:
    event = slack_dm_event(channel, text, ts)
    body = json.dumps(event).encode()
    return requests.post(
        f"{stack.rasa[instance].url}/webhooks/slack/webhook",
        data=body,
        timeout=30,
        headers={"Content-Type": "application/json", **sign(body, None, SLACK_SECRET)},
    ).status_code


@pytest.mark.parametrize("failure", ["down", "hanging"])
def test_socketio_and_slack_get_the_same_apology_as_rest(stack, clients, slack_api, sender, port, failure):
    channel = f"D{uuid.uuid4().hex[:10].upper()}"
    hanging = HangingServer(port) if failure == "hanging" else nullcontext()
    with hanging:
        started = time.monotonic()
        assert apologised(asyncio.run(_widget_turn(stack.rasa[0].url, "my power is out")))
        assert time.monotonic() - started < TURN_TIMEOUT + 5
        assert _slack_dm(stack, 1, channel, "my power is out", f"{time.time():.6f}") == 200
        posts = slack_api.wait_for(channel, lambda p: len(p) >= 1, timeout=TURN_TIMEOUT + 20)
        assert apologised(posts[0]["text"]) and len(posts) == 1
        assert apologised(reply_text(clients[0].send(sender, "my power is out")))
    with action_server(stack, port):
        assert "1-800-611-1911" in asyncio.run(_widget_turn(stack.rasa[1].url, "my power is out"))
