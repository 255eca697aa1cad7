"""The shared edge against the running assistant: socket.io limits, session hijacks, REST namespaces.

Each test talks to the real Rasa server of this directory's stack; a refused socket.io message is
answered with a ``message_refused`` event, which is the signal that nothing was handed to Rasa.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, Dict, List, Tuple

import aiohttp
import pytest
import requests
from channels_support import ChannelStack, RawSocket

pytestmark = [pytest.mark.servers]

DEEP = b'{"sender": "deep", "message": "hi", "metadata": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def conversation_of(token: str) -> str:
    """The conversation id Rasa stores for a widget token (never the token itself)."""
    return "web:" + token.split(".")[0]


def user_texts(channels: ChannelStack, conversation: str) -> List[str]:
    tracker = requests.get(
        f"{channels.rasa_url}/conversations/{conversation}/tracker", params={"token": channels.token}, timeout=30
    ).json()
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


async def bot_texts_until(raw: RawSocket, predicate, timeout: float = 30.0) -> List[str]:
    """Collect ``bot_uttered`` texts until ``predicate(texts)`` holds."""
    texts: List[str] = []
    deadline = time.monotonic() + timeout
    while not predicate(texts):
        name, data = await raw.next(timeout=max(0.1, deadline - time.monotonic()))
        assert name == "bot_uttered", (name, data)
        texts.append(data.get("text") or "")
    return texts


BAD_SOCKET_MESSAGES: List[Tuple[str, Dict[str, Any], int]] = [
    ("990,000 characters", {"message": "x" * 990_000}, 413),
    ("300 KB metadata", {"message": "my power is out", "metadata": {"blob": "x" * 300_000}}, 413),
    ("number", {"message": 42}, 400),
    ("list", {"message": ["my power is out"]}, 400),
    ("object", {"message": {"text": "my power is out"}}, 400),
    ("missing", {}, 400),
    ("empty", {"message": ""}, 400),
    ("whitespace", {"message": " \n\t "}, 400),
    ("control characters only", {"message": "\x00\x01\x1b\x7f"}, 400),
    ("lone surrogate only", {"message": "\ud800"}, 400),
]


def test_bad_socket_messages_are_refused_and_stored_nowhere_while_others_are_answered(channels):
    url, origin = channels.rasa_url, channels.origins[0]

    async def one_bad_message(message: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        async with RawSocket(url, origin) as raw:
            token = await raw.session()
            await raw.emit("user_uttered", {"session_id": token, **message})
            name, data = await raw.next(timeout=30)
            assert name == "message_refused", (name, data)
            return token, data

    async def rest_turn(session: aiohttp.ClientSession, sender: str) -> float:
        started = time.monotonic()
        async with session.post(
            f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "my power is out"}
        ) as answer:
            replies = await answer.json()
        assert "1-800-611-1911" in json.dumps(replies)
        return time.monotonic() - started

    async def scenario() -> Tuple[List[Tuple[str, Dict[str, Any]]], List[float]]:
        async with aiohttp.ClientSession() as session:
            sender = f"bystander-{uuid.uuid4().hex[:8]}"
            await rest_turn(session, sender)  # the bystander's conversation exists before the flood
            flood = asyncio.gather(*(one_bad_message(m) for _, m, _ in BAD_SOCKET_MESSAGES * 2))
            latencies: List[float] = []
            while not flood.done() or len(latencies) < 3:
                latencies.append(await rest_turn(session, sender))
            return await flood, latencies

    refusals, latencies = asyncio.run(scenario())
    print("REST turn latencies during the flood (s):", [round(t, 3) for t in latencies])
    expected = [status for _, _, status in BAD_SOCKET_MESSAGES] * 2
    assert [data["status"] for _, data in refusals] == expected
    assert all(data["error"] and "xxxx" not in data["error"] for _, data in refusals)  # no echo
    for token, _ in refusals:
        assert user_texts(channels, conversation_of(token)) == []
    assert max(latencies) < 1.0, latencies


def test_odd_but_valid_socket_text_is_answered(channels):
    async def scenario() -> Tuple[List[str], str]:
        async with RawSocket(channels.rasa_url, channels.origins[0]) as raw:
            token = await raw.session()
            await raw.emit("user_uttered", {"session_id": token, "message": "my power\x00 is out \ud800"})
            return await bot_texts_until(raw, lambda texts: any("1-800-611-1911" in t for t in texts)), token

    _, token = asyncio.run(scenario())
    assert user_texts(channels, conversation_of(token)) == ["my power  is out"]


def test_a_socket_burst_is_limited(channels):
    burst = 200

    async def scenario() -> Tuple[str, List[Dict[str, Any]], float]:
        async with RawSocket(channels.rasa_url, channels.origins[0]) as raw:
            token = await raw.session()
            started = time.monotonic()
            for i in range(burst):
                await raw.emit("user_uttered", {"session_id": token, "message": f"my power is out ({i})"})
            sent_in = time.monotonic() - started
            refused: List[Dict[str, Any]] = []
            deadline = time.monotonic() + 60
            # Done when every message was either refused or stored and answered.
            while time.monotonic() < deadline:
                try:
                    name, data = await raw.next(timeout=1.0)
                except asyncio.TimeoutError:
                    name, data = "", None
                if name == "message_refused":
                    refused.append(data)
                stored = await asyncio.to_thread(user_texts, channels, conversation_of(token))
                if len(refused) + len(stored) == burst and name == "":
                    break
            return token, refused, sent_in

    token, refused, sent_in = asyncio.run(scenario())
    stored = user_texts(channels, conversation_of(token))
    print(f"{burst} messages sent in {sent_in * 1000:.0f} ms: {len(stored)} handled, {len(refused)} refused")
    assert 1 <= len(stored) <= 4  # BOT_SOCKET_BURST (5) less the session request
    assert len(refused) == burst - len(stored) and {r["status"] for r in refused} == {429}
    assert (
        requests.post(
            f"{channels.rasa_url}/webhooks/rest/webhook",
            timeout=60,
            json={"sender": f"after-burst-{uuid.uuid4().hex[:6]}", "message": "hi"},
        ).status_code
        == 200
    )


def test_hijack_attempts_are_refused(channels):
    url, origin = channels.rasa_url, channels.origins[0]
    webhook = f"{url}/webhooks/rest/webhook"

    async def scenario() -> Dict[str, Any]:
        async with RawSocket(url, origin) as alice:
            token = await alice.session()
            conversation = conversation_of(token)
            random_part = token.split(".")[0]
            await alice.emit("user_uttered", {"session_id": token, "message": "where does my electricity come from"})
            await bot_texts_until(alice, lambda texts: any("city" in t.lower() for t in texts))

            issued = []
            foreign_ids = [
                conversation,
                random_part,
                "0" * 32,
                "00000000-0000-0000-0000-000000000000",
                token[:-1] + ("A" if token[-1] != "A" else "B"),
                f"{random_part}.{'A' * 43}",
                "alice",
            ]
            for foreign in foreign_ids:
                async with RawSocket(url, origin) as mallory:
                    own = await mallory.session(stored=foreign)
                    issued.append(own)
                    # Her own session works; Alice's token in a message does not.
                    await mallory.emit("user_uttered", {"session_id": token, "message": "Irvine"})
                    name, data = await mallory.next()
                    assert (name, data["status"]) == ("message_refused", 403)

            rest = [
                requests.post(webhook, json={"sender": sender, "message": "Irvine"}, timeout=60).status_code
                for sender in (conversation, conversation.upper(), f" {conversation}")
            ]
            rest_with_token = requests.post(webhook, json={"sender": token, "message": "Irvine"}, timeout=60)
            assert not [e for e in await alice.drain(quiet=0.5)], "Alice received something she did not ask for"

            await alice.emit("user_uttered", {"session_id": token, "message": "Irvine"})
            answer = await bot_texts_until(alice, lambda texts: any("Orange County" in t for t in texts))
        async with RawSocket(url, origin) as reloaded:  # a page reload: the stored token rejoins
            again = await reloaded.session(stored=token)
            await reloaded.emit("user_uttered", {"session_id": again, "message": "my power is out"})
            await bot_texts_until(reloaded, lambda texts: any("1-800-611-1911" in t for t in texts))
        return {
            "token": token,
            "issued": issued,
            "rest": rest,
            "again": again,
            "answer": answer,
            "rest_with_token": rest_with_token.status_code,
        }

    result = asyncio.run(scenario())
    token = result["token"]
    assert all(own != token and conversation_of(own) != conversation_of(token) for own in result["issued"])
    assert len(set(result["issued"])) == len(result["issued"])
    assert result["rest"] == [403, 403, 403]
    assert result["again"] == token
    # The token used as a REST sender is just another REST conversation, not hers.
    assert result["rest_with_token"] == 200
    assert user_texts(channels, conversation_of(token)) == [
        "where does my electricity come from",
        "Irvine",
        "my power is out",
    ]


def test_rest_refuses_deep_json_and_other_channels_ids(channels, http):
    webhook = f"{channels.rasa_url}/webhooks/rest/webhook"
    deep = http.post(webhook, data=DEEP, headers={"Content-Type": "application/json"}, timeout=60)
    assert deep.status_code == 400 and deep.json()["error"]
    slack_id = http.post(webhook, json={"sender": "slack:U0CUSTOMER_D1_1700000000.000100", "message": "hi"}, timeout=60)
    assert slack_id.status_code == 403
    unsigned = http.post(
        f"{channels.rasa_url}/webhooks/slack/webhook",
        data=DEEP,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert unsigned.status_code == 400
