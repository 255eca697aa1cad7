"""Test clients for the channels: a stand-in for Slack's Web API, Slack request signing, a raw socket.io client.

Used by the channel and production tests (and anyone poking at a running assistant by hand).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Tuple
from urllib.parse import parse_qs

import websockets


class SlackApiStandIn:
    """A local HTTP server answering like Slack's Web API and recording every ``chat.postMessage``."""

    def __init__(self) -> None:
        """Bind to a free port on 127.0.0.1 (not serving yet)."""
        self.calls: List[Dict[str, Any]] = []
        self._changed = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    args = json.loads(raw or b"{}")
                else:
                    args = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                method = self.path.strip("/").rsplit("/", 1)[-1]
                stand_in.record({"method": method, "auth": self.headers.get("Authorization"), **args})
                body = json.dumps({"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def record(self, call: Dict[str, Any]) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def posts(self, channel: str) -> List[Dict[str, Any]]:
        """``chat.postMessage`` calls to ``channel`` so far."""
        with self._changed:
            return [c for c in self.calls if c["method"] == "chat.postMessage" and c.get("channel") == channel]

    def wait_for(
        self, channel: str, predicate: Callable[[List[Dict[str, Any]]], bool], timeout: float = 30.0
    ) -> List[Dict[str, Any]]:
        """Block until ``predicate(posts(channel))`` holds; return those posts (fail after ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                posts = [c for c in self.calls if c["method"] == "chat.postMessage" and c.get("channel") == channel]
                if predicate(posts):
                    return posts
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for Slack posts to {channel}; got {posts}")
                self._changed.wait(remaining)

    def __enter__(self) -> SlackApiStandIn:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def slack_dm_event(
    channel: str,
    text: Any,
    ts: str,
    thread_ts: str | None = None,
    user: str = "U0CUSTOMER",
    event_id: str | None = None,
) -> Dict[str, Any]:
    """An Events API ``event_callback`` for a direct message to the bot, as Slack sends it."""
    event: Dict[str, Any] = {"type": "message", "channel_type": "im", "channel": channel, "user": user}
    event.update(text=text, ts=ts)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id or f"Ev{channel}{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
        "event": event,
    }


def sign(body: bytes, timestamp: int | None, secret: str) -> Dict[str, str]:
    """Headers of a request Slack signed: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class RawSocket:
    """A bare socket.io client over one WebSocket (what a script, not the widget, would use).

    Every ``emit`` is its own frame, so a burst really arrives as a burst; events the server sends are
    collected as ``(name, data)``; engine.io pings are answered.
    """

    def __init__(self, url: str, origin: str) -> None:
        self.url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.origin = origin
        self.events: asyncio.Queue[Tuple[str, Any]] = asyncio.Queue()
        self._ws: Any = None
        self._reader: asyncio.Task | None = None

    async def __aenter__(self) -> RawSocket:
        self._ws = await websockets.connect(  # type: ignore[attr-defined]
            self.url, origin=self.origin, open_timeout=10, max_size=None
        )
        opened = str(await asyncio.wait_for(self._ws.recv(), 10))
        assert opened.startswith("0{"), opened  # engine.io OPEN
        await self._ws.send("40")  # socket.io CONNECT to "/"
        connected = str(await asyncio.wait_for(self._ws.recv(), 10))
        assert connected.startswith("40{"), connected
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self._ws.close()

    async def _read(self) -> None:
        async for frame in self._ws:
            text = str(frame)
            if text == "2":
                await self._ws.send("3")
            elif text.startswith("42"):
                name, *rest = json.loads(text[2:])
                await self.events.put((name, rest[0] if rest else None))

    async def emit(self, name: str, data: Any) -> None:
        await self._ws.send("42" + json.dumps([name, data]))

    async def send_raw(self, frame: str) -> None:
        await self._ws.send(frame)

    async def next(self, timeout: float = 10.0) -> Tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def session(self, stored: Any = None) -> str:
        """Ask for a session like the widget does; return the token the server confirmed."""
        await self.emit("session_request", {"session_id": stored})
        while True:
            name, data = await self.next()
            if name == "session_confirm":
                return str(data)

    async def drain(self, quiet: float = 0.5) -> List[Tuple[str, Any]]:
        """Every event until none arrives for ``quiet`` seconds."""
        seen = []
        while True:
            try:
                seen.append(await asyncio.wait_for(self.events.get(), quiet))
            except asyncio.TimeoutError:
                return seen
