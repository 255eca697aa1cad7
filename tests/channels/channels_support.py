"""Helpers shared by the channel tests: a stand-in for Slack's Web API, Slack request signing, constants.

A module with a unique name rather than ``conftest``: test modules import from it, and every test
directory has a ``conftest`` module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List
from urllib.parse import parse_qs

from bot.config import MODEL_PATH, PROJECT_ROOT
from tooling.servers import Stack

MODEL = MODEL_PATH
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SLACK_TOKEN = "xoxb-test-token"
SLACK_SECRET = "test-signing-secret"
MAX_REQUEST_BYTES = 1_000_000


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


@dataclass
class ChannelStack:
    """The running assistant, its demo page and the Slack stand-in.

    ``embed_port``: a free port whose origin (``http://127.0.0.1:<port>``) the assistant allows, for a host
    page of another site that embeds the kit.
    """

    stack: Stack
    page_url: str
    origins: List[str]
    slack: SlackApiStandIn
    embed_port: int = 0

    @property
    def rasa_url(self) -> str:
        return self.stack.url

    @property
    def token(self) -> str:
        return self.stack.token


def sign(body: bytes, timestamp: int | None = None, secret: str = SLACK_SECRET) -> Dict[str, str]:
    """Headers of a request Slack signed: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
