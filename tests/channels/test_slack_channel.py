"""Slack Events API against a running Rasa server, replies caught by a local stand-in for Slack's Web API.

Every request is signed like Slack signs it (``v0=`` HMAC-SHA256 with the signing secret), so these
go through the connector's real verification; each test uses its own channel id to read its replies.
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import pytest
import requests
from channels_support import SLACK_TOKEN, ChannelStack, sign

from tooling.channel_clients import slack_dm_event as dm_event

pytestmark = [pytest.mark.servers]

RETRY_REASONS = ["http_timeout", "http_error", "too_many_requests", "unknown_error"]


def post_event(
    channels: ChannelStack, payload: Dict[str, Any], headers: Dict[str, str] | None = None, timestamp: int | None = None
) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(
        f"{channels.rasa_url}/webhooks/slack/webhook",
        data=body,
        timeout=30,
        headers={"Content-Type": "application/json", **sign(body, timestamp), **(headers or {})},
    )


def user_texts(channels: ChannelStack, http: requests.Session, conversation: str, expected: int) -> List[str]:
    """What the user said in ``conversation``, once at least ``expected`` messages are stored.

    Rasa posts replies while it handles a message and saves the tracker after, so poll briefly.
    """
    deadline = time.monotonic() + 20
    while True:
        tracker = http.get(
            f"{channels.rasa_url}/conversations/{conversation}/tracker", params={"token": channels.token}, timeout=30
        ).json()
        said = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
        if len(said) >= expected or time.monotonic() > deadline:
            return said
        time.sleep(0.2)


def all_text(post: Dict[str, Any]) -> str:
    blocks = post.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return " ".join([post.get("text") or "", json.dumps(blocks)])


def test_signed_event_gets_a_threaded_reply_through_the_web_api(channels: ChannelStack, unique: str) -> None:
    channel = f"D{unique}"
    response = post_event(channels, dm_event(channel, "my power is out", "1700000000.000100"))
    assert response.status_code == 200

    posts = channels.slack.wait_for(channel, lambda p: any("1-800-611-1911" in all_text(x) for x in p))
    reply = next(p for p in posts if "1-800-611-1911" in all_text(p))
    assert "Southern California Edison" in reply["text"]
    assert reply["thread_ts"] == "1700000000.000100"  # answered in the message's thread
    assert reply["auth"] == f"Bearer {SLACK_TOKEN}"
    assert "as_user" not in reply  # rejected by Slack for non-classic apps


@pytest.mark.parametrize(
    "headers, age",
    [
        pytest.param({"X-Slack-Signature": "v0=" + "0" * 64}, 0, id="wrong-signature"),
        pytest.param({"X-Slack-Signature": ""}, 0, id="no-signature"),
        pytest.param({}, 6 * 60, id="signed-six-minutes-ago"),
    ],
)
def test_unauthentic_events_are_rejected(
    channels: ChannelStack, unique: str, headers: Dict[str, str], age: int
) -> None:
    channel = f"D{unique}"
    event = dm_event(channel, "my power is out", "1700000001.000100")
    response = post_event(channels, event, headers, timestamp=int(time.time()) - age)
    assert response.status_code == 400
    # A valid message in the rejected one's thread is the same conversation, whose turns run in order: once
    # it is answered, a reply to the rejected message would have been posted before it.
    valid = dm_event(channel, "where does my electricity come from", "1700000002.000100", thread_ts="1700000001.000100")
    assert post_event(channels, valid).status_code == 200
    posts = channels.slack.wait_for(channel, lambda p: any("Which city" in all_text(x) for x in p))
    assert len(posts) == 1 and "1-800-611-1911" not in all_text(posts[0]), posts


@pytest.mark.parametrize("reason", RETRY_REASONS)
def test_a_retried_event_is_answered_once(channels: ChannelStack, unique: str, reason: str) -> None:
    channel = f"D{unique}"
    event = dm_event(channel, "my power is out", "1700000010.000100")
    assert post_event(channels, event).status_code == 200
    first = channels.slack.wait_for(channel, lambda p: len(p) >= 1)

    retry = post_event(channels, event, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason})
    assert retry.status_code == 200
    assert retry.headers.get("X-Slack-No-Retry") == "1"

    # Messages of one conversation are handled in order: once the next message in the thread is
    # answered, a reply to the retry would have been posted already.
    follow_up = dm_event(channel, "thanks", "1700000011.000100", thread_ts="1700000010.000100")
    assert post_event(channels, follow_up).status_code == 200
    posts = channels.slack.wait_for(channel, lambda p: len(p) > len(first))
    outage_replies = [p for p in posts if "1-800-611-1911" in all_text(p)]
    assert len(outage_replies) == 1, posts


def test_a_retry_of_a_lost_delivery_is_answered(channels: ChannelStack, unique: str) -> None:
    """Retries are not dropped blindly: if the first delivery never arrived, the retry is the message."""
    channel = f"D{unique}"
    retry = post_event(
        channels,
        dm_event(channel, "my power is out", "1700000020.000100"),
        {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"},
    )
    assert retry.status_code == 200
    channels.slack.wait_for(channel, lambda p: any("1-800-611-1911" in all_text(x) for x in p))


def test_a_thread_is_one_conversation(channels: ChannelStack, unique: str, http: requests.Session) -> None:
    channel, parent = f"D{unique}", "1700000030.000100"
    post_event(channels, dm_event(channel, "where does my electricity come from", parent))
    channels.slack.wait_for(channel, lambda p: any("Which city" in all_text(x) for x in p))

    # The city question was asked with an "I don't know" button (a Slack block).
    question = next(p for p in channels.slack.posts(channel) if "Which city" in all_text(p))
    assert "I don't know" in all_text(question)

    # The answer comes as a reply in the same thread, and is answered there.
    post_event(channels, dm_event(channel, "Santa Monica", "1700000031.000100", thread_ts=parent))
    posts = channels.slack.wait_for(channel, lambda p: any("Clean Power Alliance" in all_text(x) for x in p))
    answer = next(p for p in posts if "Clean Power Alliance" in all_text(p))
    assert "1-888-585-3788" in answer["text"]
    assert answer["thread_ts"] == parent

    # Rasa keeps one conversation per user and thread, in Slack's namespace: both messages are in the thread's
    # tracker.
    said = user_texts(channels, http, f"slack:U0CUSTOMER_{channel}_{parent}", 2)
    assert said == ["where does my electricity come from", "Santa Monica"]

    # A new top-level message starts a new conversation and is answered in its own thread.
    post_event(channels, dm_event(channel, "my power is out", "1700000040.000100"))
    channels.slack.wait_for(channel, lambda p: any(x.get("thread_ts") == "1700000040.000100" for x in p))
    assert user_texts(channels, http, f"slack:U0CUSTOMER_{channel}_1700000040.000100", 1) == ["my power is out"]
    assert user_texts(channels, http, f"slack:U0CUSTOMER_{channel}_{parent}", 2) == said


def test_url_verification_echoes_the_challenge(channels: ChannelStack) -> None:
    payload = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    response = post_event(channels, payload)
    assert response.status_code == 200
    assert response.json() == {"challenge": payload["challenge"]}
    assert post_event(channels, payload, {"X-Slack-Signature": "v0=bad"}).status_code == 400
