"""Safety first on every channel, in both languages, and with the action server stopped.

The safety instruction is a domain response, so Rasa says it without the action server; the routing
that follows needs the action server and turns into the apology when it is down.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
import requests
from channels_support import ChannelStack, RawSocket, sign

from tooling import domain_text

pytestmark = [pytest.mark.servers]

HAZARD = "there's a power line down in the street in front of my house and it's sparking"
HAZARD_ES = "hay un cable caído en la calle y está echando chispas"
STAY_AWAY, CALL_911, STAY_IN_CAR = (
    "Stay at least 100 feet away",
    "Call 911 now",
    "stay inside until crews say it's safe",
)


def test_the_key_instructions_are_in_the_domain_answer():
    text = domain_text("utter_safety_hazard")
    assert STAY_AWAY in text and CALL_911 in text and STAY_IN_CAR in text


@pytest.fixture(params=["action server up", "action server stopped"])
def action_server(request, channels: ChannelStack) -> Iterator[str]:
    if request.param == "action server stopped":
        channels.stack.actions.stop()
        try:
            yield request.param
        finally:
            channels.stack.actions.start()
    else:
        yield request.param


def rest_texts(channels: ChannelStack, message: str) -> List[str]:
    answer = requests.post(
        f"{channels.rasa_url}/webhooks/rest/webhook",
        json={"sender": f"safety-{uuid.uuid4().hex[:10]}", "message": message},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return [m.get("text") or "" for m in answer.json()]


def socket_texts(channels: ChannelStack, message: str) -> List[str]:
    async def scenario() -> List[str]:
        async with RawSocket(channels.rasa_url, channels.origins[0]) as raw:
            token = await raw.session()
            await raw.emit("user_uttered", {"session_id": token, "message": message})
            said: List[str] = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any("911" in t for t in said):
                name, data = await raw.next(timeout=30)
                if name == "bot_uttered":
                    said.append(str((data or {}).get("text") or ""))
            return said

    return asyncio.run(scenario())


def slack_texts(channels: ChannelStack, message: str) -> List[str]:
    channel = f"D{uuid.uuid4().hex[:10].upper()}"
    ts = f"{int(time.time())}.000100"
    payload: Dict[str, Any] = {
        "token": "legacy",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": f"Ev{channel}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": "U0X",
            "text": message,
            "ts": ts,
        },
    }
    body = json.dumps(payload).encode()
    answer = requests.post(
        f"{channels.rasa_url}/webhooks/slack/webhook",
        data=body,
        headers={"Content-Type": "application/json", **sign(body)},
        timeout=30,
    )
    assert answer.status_code == 200
    posts = channels.slack.wait_for(channel, lambda p: any("911" in (x.get("text") or "") for x in p))
    return [p.get("text") or "" for p in posts]


CHANNELS = {"rest": rest_texts, "socket.io widget": socket_texts, "slack": slack_texts}


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_a_sparking_wire_gets_the_safety_instruction_on_every_channel(channels, action_server, channel):
    said = CHANNELS[channel](channels, HAZARD)
    first = next(t for t in said if "911" in t)
    assert STAY_AWAY in first and CALL_911 in first and STAY_IN_CAR in first
    assert said[0] == first  # before anything else


@pytest.mark.parametrize("channel", ["rest", "slack"])
def test_spanish_safety_instruction_on_every_channel(channels, channel):
    said = CHANNELS[channel](channels, HAZARD_ES)
    assert any("Aléjese por lo menos 100 pies" in t and "911" in t for t in said)
