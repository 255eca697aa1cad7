"""Helpers shared by the production tests (fixtures live in conftest.py)."""

from __future__ import annotations

import socket
import threading
from typing import Any, Dict, List

import requests
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tooling import apology_marker
from tooling.servers import Server

SCE_GENERAL_PHONE = "1-800-655-4555"
APOLOGY = apology_marker()  # the first sentence of utter_service_trouble, read from domain.yml
# A turn budget shorter than production's 10 s keeps the timeout tests quick; the mechanism is the same.
TURN_TIMEOUT = 6
PAGE_ORIGIN = "http://page.example.test"  # the widget's page origin the stack's socket.io channel accepts
SLACK_TOKEN = "xoxb-production-test"
SLACK_SECRET = "production-test-signing-secret"


def inquiry_rows(engine: Engine, conversation_id: str) -> List[Dict[str, Any]]:
    """The inquiry log rows of one conversation, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT topic, party, cca, place, channel FROM inquiries WHERE conversation_id = :c ORDER BY id"),
            {"c": conversation_id},
        )
        return [dict(row._mapping) for row in rows]


def user_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def bot_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]


def reply_text(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def post_raw(url: str, data: bytes, timeout: float = TURN_TIMEOUT + 30) -> requests.Response:
    """POST bytes to the REST webhook as they are (for malformed bodies)."""
    return requests.post(
        f"{url}/webhooks/rest/webhook", data=data, timeout=timeout, headers={"Content-Type": "application/json"}
    )


class HangingServer:
    """A real TCP server that accepts HTTP requests and never answers (a wedged action server)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        self.accepted: List[Any] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(conn)  # keep it open, read nothing back, answer nothing

    def __enter__(self) -> HangingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def action_port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])
