"""The HTTP API needs the token, the channels do not; CORS and the request size limit hold."""

from __future__ import annotations

import asyncio
import queue
import re
import uuid

import pytest
import requests
import socketio
import websockets
from channels_support import MAX_REQUEST_BYTES, ChannelStack

from tooling.rest_client import RasaClient

pytestmark = [pytest.mark.servers]

FOREIGN_ORIGIN = "http://evil.example"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/status", None),
        ("GET", "/conversations/someone/tracker", None),
        ("POST", "/conversations/someone/messages", {"text": "hi", "sender": "user"}),
        ("POST", "/model/parse", {"text": "my power is out"}),
        ("PUT", "/model", {"model_file": "/tmp/other.tar.gz"}),
    ],
)
def test_api_refuses_calls_without_the_token(
    channels: ChannelStack, http: requests.Session, method: str, path: str, body: dict | None
) -> None:
    url = f"{channels.rasa_url}{path}"
    assert http.request(method, url, json=body, timeout=30).status_code == 401
    assert http.request(method, url, json=body, params={"token": "wrong"}, timeout=30).status_code == 401


def test_api_answers_with_the_token(channels: ChannelStack, http: requests.Session) -> None:
    params = {"token": channels.token}
    assert http.get(f"{channels.rasa_url}/status", params=params, timeout=30).status_code == 200
    parsed = http.post(f"{channels.rasa_url}/model/parse", json={"text": "my power is out"}, params=params, timeout=30)
    assert parsed.status_code == 200
    assert parsed.json()["intent"]["name"] == "outage"


def test_rest_channel_needs_no_token(channels: ChannelStack) -> None:
    replies = RasaClient(channels.rasa_url).send(f"rest-{uuid.uuid4().hex[:8]}", "my power is out")
    text = " ".join(r.get("text", "") for r in replies)
    assert "Southern California Edison" in text and "1-800-611-1911" in text


def test_cors_allows_only_the_page_origin(channels: ChannelStack, http: requests.Session) -> None:
    webhook = f"{channels.rasa_url}/webhooks/rest/webhook"
    polling = f"{channels.rasa_url}/socket.io/?EIO=4&transport=polling"
    for url, method in ((webhook, "POST"), (polling, "GET")):
        for origin in channels.origins:
            preflight = http.options(
                url,
                timeout=30,
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": "content-type",
                },
            )
            assert preflight.headers.get("Access-Control-Allow-Origin") == origin, url
        foreign = http.options(
            url, timeout=30, headers={"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": method}
        )
        assert "Access-Control-Allow-Origin" not in foreign.headers, url
    reply = http.post(
        webhook, json={"sender": "cors-check", "message": "hi"}, timeout=60, headers={"Origin": FOREIGN_ORIGIN}
    )
    assert "Access-Control-Allow-Origin" not in reply.headers
    handshake = http.get(polling, headers={"Origin": channels.origins[0]}, timeout=30)
    assert handshake.headers.get("Access-Control-Allow-Origin") == channels.origins[0]


def _polling_session(url: str, origin: str) -> str:
    """Connect like the widget does from ``origin`` (long-polling); return the confirmed session id."""
    client = socketio.Client(reconnection=False)
    confirmed: queue.Queue[str] = queue.Queue()
    client.on("session_confirm", confirmed.put)
    client.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": None})
        return confirmed.get(timeout=10)
    finally:
        client.disconnect()


async def _websocket_connect_reply(url: str, origin: str) -> str:
    """Open the socket.io namespace over a raw WebSocket from ``origin``; return the server's answer packet."""
    ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(ws_url, origin=origin, open_timeout=10) as ws:  # type: ignore[attr-defined]
        opened = await asyncio.wait_for(ws.recv(), 10)
        assert str(opened).startswith("0{")  # engine.io OPEN
        await ws.send("40")  # socket.io CONNECT to "/"
        return str(await asyncio.wait_for(ws.recv(), 10))


def test_socketio_refuses_foreign_origins(channels: ChannelStack) -> None:
    assert asyncio.run(_websocket_connect_reply(channels.rasa_url, channels.origins[1])).startswith("40{")
    assert asyncio.run(_websocket_connect_reply(channels.rasa_url, FOREIGN_ORIGIN)).startswith("44")  # CONNECT_ERROR

    token = _polling_session(channels.rasa_url, channels.origins[0])
    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}", token), token  # a server-signed session token
    with pytest.raises(socketio.exceptions.ConnectionError):
        _polling_session(channels.rasa_url, FOREIGN_ORIGIN)


def test_oversized_requests_are_refused(channels: ChannelStack, http: requests.Session) -> None:
    webhook = f"{channels.rasa_url}/webhooks/rest/webhook"
    big = {"sender": "big", "message": "x" * (MAX_REQUEST_BYTES + 1000)}
    assert http.post(webhook, json=big, timeout=60).status_code == 413
    slack = http.post(
        f"{channels.rasa_url}/webhooks/slack/webhook",
        data=b"{" + b" " * MAX_REQUEST_BYTES + b"}",
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert slack.status_code == 413
    assert http.post(webhook, json={"sender": "small", "message": "hi"}, timeout=60).status_code == 200
