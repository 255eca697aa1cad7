"""The three channels on the shared edge, served in this process on a stand-in agent (no model, fast).

The same rules hold on every channel: refused input never reaches the agent, a failing, hanging or
silent turn is answered with the domain's apology, and conversation ids are namespaced per channel.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any, Dict, List, Tuple

import aiohttp
import pytest
import socketio
from channels_support import RawSocket, SlackApiStandIn, sign
from inprocess import APOLOGY, FakeAgent, serving

from bot.channels.edge import Edge, EdgeSettings
from bot.channels.identity import SessionTokens
from bot.channels.rest import GuardedRestInput
from bot.channels.slack import DeliveryLedger, SlackInput
from bot.channels.socketio import SocketIOInput
from tooling.channel_clients import slack_dm_event

ORIGIN = "http://page.test"
SETTINGS = EdgeSettings(
    turn_timeout=1.0, max_chars=2000, max_metadata_bytes=4096, max_inflight=3, socket_burst=5, socket_per_minute=30
)


def fresh_edge(**changes: Any) -> Edge:
    return Edge(dataclasses.replace(SETTINGS, **changes))


# --- REST -------------------------------------------------------------------------------------------------


async def rest_post(url: str, body: Any) -> Tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/webhooks/rest/webhook", data=data, headers={"Content-Type": "application/json"}
        ) as response:
            return response.status, await response.json(content_type=None)


async def test_rest_answers_and_refuses_by_the_shared_rules():
    agent = FakeAgent()
    async with serving([GuardedRestInput(fresh_edge())], agent) as url:
        assert await rest_post(url, {"sender": "me", "message": "hi\x00 there"}) == (
            200,
            [{"recipient_id": "me", "text": "you said: hi  there"}],
        )
        refused = [
            (b"[" * 50_000 + b"]" * 50_000, 400),
            ({"sender": "me", "message": 7}, 400),
            ({"sender": "me", "message": "x" * 2001}, 413),
            ({"sender": "me", "message": "hi", "metadata": {"blob": "x" * 300_000}}, 413),
            ({"sender": "web:0123456789abcdef0123456789abcdef", "message": "hi"}, 403),
            ({"sender": "slack:U1_D1_1.2", "message": "hi"}, 403),
        ]
        for body, status in refused:
            answer_status, answer = await rest_post(url, body)
            assert answer_status == status and answer["error"], body if isinstance(body, dict) else "deep"
    assert [m.text for m in agent.received] == ["hi  there"]


@pytest.mark.parametrize("behaviour", ["silent", "action_fails", "fail", "hang"])
async def test_rest_apologises_when_a_turn_fails_hangs_or_says_nothing(behaviour):
    agent = FakeAgent(behaviour=behaviour)
    async with serving([GuardedRestInput(fresh_edge())], agent) as url:
        started = time.monotonic()
        assert await rest_post(url, {"sender": "me", "message": "my power is out"}) == (
            200,
            [{"recipient_id": "me", "text": APOLOGY}],
        )
        assert time.monotonic() - started < SETTINGS.turn_timeout + 1


async def test_an_action_failing_after_a_reply_adds_the_apology_and_a_silent_payload_gets_none():
    async with serving([GuardedRestInput(fresh_edge())], FakeAgent(behaviour="reply_then_action_fails")) as url:
        assert await rest_post(url, {"sender": "me", "message": "my power is out"}) == (
            200,
            [{"recipient_id": "me", "text": "you said: my power is out"}, {"recipient_id": "me", "text": APOLOGY}],
        )
    async with serving([GuardedRestInput(fresh_edge())], FakeAgent(behaviour="silent")) as url:
        # A payload the domain answers with silence by design (the widget's page-language hint, say).
        assert await rest_post(url, {"sender": "me", "message": '/page_language{"language": "es"}'}) == (200, [])
    async with serving([GuardedRestInput(fresh_edge())], FakeAgent(behaviour="action_fails")) as url:
        assert await rest_post(url, {"sender": "me", "message": "/outage"}) == (
            200,
            [{"recipient_id": "me", "text": APOLOGY}],
        )


# --- socket.io --------------------------------------------------------------------------------------------


def socket_channel(tokens: SessionTokens, **settings: Any) -> SocketIOInput:
    return SocketIOInput(
        "user_uttered",
        "bot_uttered",
        session_persistence=True,
        allowed_origins=[ORIGIN],
        edge=fresh_edge(**settings),
        tokens=tokens,
    )


class Widget:
    """A socket.io client speaking rasa-webchat's protocol; every event it receives lands in ``events``."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue = asyncio.Queue()
        for name in ("session_confirm", "bot_uttered", "message_refused"):
            self.client.on(name, self._recorder(name))
        self.token: str | None = None

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def connect(self, url: str, stored: str | None = None) -> str:
        await self.client.connect(url, headers={"Origin": ORIGIN}, transports=["polling"], wait_timeout=5)
        await self.client.emit("session_request", {"session_id": stored})
        kind, token = await self.next()
        assert kind == "session_confirm"
        self.token = token
        return token

    async def say(self, message: Any, **extra: Any) -> None:
        await self.client.emit("user_uttered", {"message": message, "session_id": self.token, **extra})

    async def next(self, timeout: float = 5.0) -> Tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def drain(self, quiet: float = 0.3) -> List[Tuple[str, Any]]:
        seen = []
        while True:
            try:
                seen.append(await asyncio.wait_for(self.events.get(), quiet))
            except asyncio.TimeoutError:
                return seen

    async def close(self) -> None:
        # A polling client's clean disconnect waits for its pending long-poll; abort the transport instead.
        await self.client.eio.disconnect(abort=True)


TOKENS = SessionTokens("in-process-test-secret-0123456789")


async def test_socket_sessions_are_issued_and_only_their_holder_rejoins():
    agent = FakeAgent()
    async with serving([socket_channel(TOKENS)], agent) as url:
        alice = Widget()
        token = await alice.connect(url)
        conversation = TOKENS.conversation_of(token)
        assert conversation is not None and conversation.startswith("web:")
        await alice.say("my power is out")
        assert await alice.next() == ("bot_uttered", {"text": "you said: my power is out"})
        await alice.close()

        back = Widget()  # a reload: the widget presents its stored token and continues the conversation
        assert await back.connect(url, stored=token) == token
        await back.say("still out")
        assert await back.next() == ("bot_uttered", {"text": "you said: still out"})

        attempts = [
            conversation,
            conversation.split(":")[1],
            "0" * 32,
            f"{'0' * 32}.{'A' * 43}",
            token[:-2] + "AA",
            "alice",
        ]
        for foreign in attempts:  # someone else's id, a zero id, a forged token: a fresh session instead
            mallory = Widget()
            issued = await mallory.connect(url, stored=foreign)
            assert issued not in (token, foreign) and TOKENS.conversation_of(issued) != conversation
            await mallory.say("where does my electricity come from")
            assert (await mallory.next())[0] == "bot_uttered"
            await mallory.client.emit("user_uttered", {"message": "hijack", "session_id": token})
            assert await mallory.next() == (
                "message_refused",
                {"error": "the message's session_id is not this connection's session", "status": 403},
            )
            await mallory.close()
        assert await back.drain() == []  # the owner saw none of it
        await back.close()
    owners = {m.sender_id for m in agent.received if m.text in ("my power is out", "still out")}
    assert owners == {conversation}
    assert "hijack" not in [m.text for m in agent.received]


async def test_socket_refuses_malformed_and_oversized_messages_with_an_event():
    agent = FakeAgent()
    async with serving([socket_channel(TOKENS, socket_per_minute=60_000)], agent) as url:
        widget = Widget()
        await widget.connect(url)
        cases: List[Tuple[Dict[str, Any], int]] = [
            ({"message": "x" * 990_000}, 413),
            ({"message": "hi", "metadata": {"blob": "x" * 300_000}}, 413),
            ({"message": 42}, 400),
            ({"message": ["my power is out"]}, 400),
            ({"message": None}, 400),
            ({"message": ""}, 400),
            ({"message": "\x00\x01\x1b"}, 400),
            ({"message": "hi", "metadata": "[1, 2]"}, 400),
        ]
        for extra, status in cases:
            await widget.client.emit("user_uttered", {"session_id": widget.token, **extra})
            kind, data = await widget.next()
            assert kind == "message_refused" and data["status"] == status, (extra.keys(), data)
        await widget.client.emit("user_uttered", "not an object")
        assert (await widget.next())[1]["status"] == 400
        await widget.say("my power is out \ud800")  # a lone surrogate is cleaned, not a crash
        assert await widget.next() == ("bot_uttered", {"text": "you said: my power is out"})
        await widget.close()
    assert [m.text for m in agent.received] == ["my power is out"]


async def test_a_socket_burst_is_rate_limited():
    agent = FakeAgent()
    async with serving([socket_channel(TOKENS, max_inflight=50)], agent) as url:
        async with RawSocket(url, ORIGIN) as raw:
            token = await raw.session()
            for i in range(200):  # one WebSocket frame each, as fast as the client can write
                await raw.emit("user_uttered", {"message": f"burst {i}", "session_id": token})
            events = await raw.drain(quiet=1.0)
    refused = [data for name, data in events if name == "message_refused"]
    answered = [data for name, data in events if name == "bot_uttered"]
    # The connection's burst allowance: four messages (one token went to the session request).
    assert len(agent.received) == SETTINGS.socket_burst - 1 == len(answered)
    assert len(refused) == 200 - len(agent.received) and {r["status"] for r in refused} == {429}


@pytest.mark.parametrize("behaviour", ["silent", "action_fails", "fail", "hang"])
async def test_socket_apologises_when_a_turn_fails_hangs_or_says_nothing(behaviour):
    async with serving([socket_channel(TOKENS)], FakeAgent(behaviour=behaviour)) as url:
        widget = Widget()
        await widget.connect(url)
        await widget.say("my power is out")
        assert await widget.next(timeout=SETTINGS.turn_timeout + 2) == ("bot_uttered", {"text": APOLOGY})
        await widget.close()


async def test_socket_packets_the_decoder_cannot_read_are_refused_and_the_connection_stays():
    agent = FakeAgent()
    async with serving([socket_channel(TOKENS)], agent) as url:
        async with RawSocket(url, ORIGIN) as raw:
            token = await raw.session()
            await raw.send_raw('42["user_uttered",' + "[" * 100_000 + "]" * 100_000 + "]")
            assert await raw.next() == (
                "message_refused",
                {"error": "the packet is not JSON this server can read", "status": 400},
            )
            await raw.emit("user_uttered", {"message": "still here", "session_id": token})
            assert await raw.next() == ("bot_uttered", {"text": "you said: still here"})
    assert [m.text for m in agent.received] == ["still here"]


async def test_socket_messages_need_a_session_and_foreign_origins_are_refused():
    agent = FakeAgent()
    async with serving([socket_channel(TOKENS)], agent) as url:
        async with RawSocket(url, ORIGIN) as raw:
            await raw.emit("user_uttered", {"message": "hi", "session_id": None})
            assert (await raw.next())[1]["status"] == 403
        with pytest.raises(AssertionError, match="^44"):  # socket.io CONNECT_ERROR
            async with RawSocket(url, "http://evil.example"):
                pass
    assert agent.received == []


# --- Slack ------------------------------------------------------------------------------------------------

SLACK_SECRET = "in-process-signing-secret"


def slack_channel(api_url: str, ledger: DeliveryLedger | None = None) -> SlackInput:
    return SlackInput(
        "xoxb-test",
        slack_signing_secret=SLACK_SECRET,
        use_threads=True,
        conversation_granularity="thread",
        slack_api_url=api_url,
        edge=fresh_edge(),
        ledger=ledger or DeliveryLedger(None),
    )


async def slack_post(url: str, event: Dict[str, Any], headers: Dict[str, str] | None = None) -> int:
    body = json.dumps(event).encode()
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/webhooks/slack/webhook",
            data=body,
            headers={"Content-Type": "application/json", **sign(body, secret=SLACK_SECRET), **(headers or {})},
        ) as answer:
            return answer.status


async def test_slack_conversations_are_namespaced_and_retries_answered_once():
    agent = FakeAgent()
    with SlackApiStandIn() as api:
        async with serving([slack_channel(api.url)], agent) as url:
            event = slack_dm_event("D1", "my power is out", "1700000000.000100")
            assert await slack_post(url, event) == 200
            for reason in ("http_timeout", "http_error", "too_many_requests", "unknown_error"):
                assert await slack_post(url, event, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason}) == 200
            await asyncio.to_thread(api.wait_for, "D1", lambda posts: len(posts) >= 1)
            # A later message of the thread is answered after the first (turns run in order), so once it is
            # answered a reply to any retry would have been posted already.
            assert await slack_post(url, slack_dm_event("D1", "thanks", "1700000001.000100")) == 200
            posts = await asyncio.to_thread(api.wait_for, "D1", lambda posts: len(posts) >= 2)
    assert [p["text"] for p in posts] == ["you said: my power is out", "you said: thanks"]
    assert [m.sender_id for m in agent.received] == [
        "slack:U0CUSTOMER_D1_1700000000.000100",
        "slack:U0CUSTOMER_D1_1700000001.000100",
    ]


@pytest.mark.parametrize("behaviour", ["silent", "action_fails", "fail", "hang"])
async def test_slack_apologises_in_the_thread_when_a_turn_fails(behaviour):
    with SlackApiStandIn() as api:
        async with serving([slack_channel(api.url)], FakeAgent(behaviour=behaviour)) as url:
            assert await slack_post(url, slack_dm_event("D2", "my power is out", "1700000002.000100")) == 200
            posts = await asyncio.to_thread(api.wait_for, "D2", lambda posts: len(posts) >= 1, 10.0)
    assert posts[0]["text"] == APOLOGY and posts[0]["thread_ts"] == "1700000002.000100"


async def test_slack_long_messages_get_a_notice_not_a_turn():
    agent = FakeAgent()
    with SlackApiStandIn() as api:
        async with serving([slack_channel(api.url)], agent) as url:
            assert await slack_post(url, slack_dm_event("D3", "x" * 2001, "1700000003.000100")) == 200
            posts = await asyncio.to_thread(api.wait_for, "D3", lambda posts: len(posts) >= 1)
    assert "too long" in posts[0]["text"] and agent.received == []
