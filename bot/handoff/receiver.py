"""A reference receiver for hand-off tickets: verifies the signature, acknowledges each ticket once.

For a pilot, and for the tests (a real loopback HTTP server). A party's own system should do the
same three things: check ``X-Handoff-Signature`` over ``"<X-Handoff-Timestamp>." + body`` with the
shared secret, reject stale timestamps, and answer 2xx to an ``Idempotency-Key`` it has seen without
acting on it again.

    python -m bot.handoff.receiver --port 8099   # secret from HANDOFF_WEBHOOK_SECRET; prints references only
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from bot.handoff.delivery import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


@dataclass
class Received:
    """One POST as it arrived."""

    path: str
    headers: Dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Receiver:
    """A loopback HTTP server that records every POST; ``stop()`` / ``start()`` keep the port."""

    secret: bytes | None = None
    port: int = 0
    host: str = "127.0.0.1"
    fail_next: int = 0  # answer this many POSTs with 503 first
    delay: float = 0.0  # seconds to wait before answering (a slow receiver)
    requests: List[Received] = field(default_factory=list)
    accepted: Dict[str, Received] = field(default_factory=dict)  # idempotency key -> first accepted
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/handoff"

    def _handle(self, path: str, headers: Dict[str, str], body: bytes) -> tuple[int, Dict[str, Any]]:
        answer: Dict[str, Any]
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                status, answer = 503, {"error": "try later"}
            elif self.secret is not None and not verify(
                self.secret, headers.get(TIMESTAMP_HEADER.lower(), ""), body, headers.get(SIGNATURE_HEADER.lower(), "")
            ):
                status, answer = 401, {"error": "bad signature"}
            else:
                key = headers.get(IDEMPOTENCY_HEADER.lower(), "")
                duplicate = key in self.accepted
                status, answer = 200, {"received": True, "duplicate": duplicate}
            record = Received(path, headers, body, status)
            self.requests.append(record)
            if status == 200 and not answer.get("duplicate"):
                self.accepted[headers.get(IDEMPOTENCY_HEADER.lower(), "")] = record
        return status, answer

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, answer = receiver._handle(self.path, headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence per-request logs
                return

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="handoff-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.handoff.receiver", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    secret = os.environ.get("HANDOFF_WEBHOOK_SECRET", "").strip()
    if not secret:
        parser.error("set HANDOFF_WEBHOOK_SECRET to the secret the assistant signs with")
    receiver = Receiver(secret=secret.encode(), port=args.port).start()
    print(f"receiving hand-off tickets at {receiver.url} (Ctrl-C stops)")
    seen = 0
    event = threading.Event()
    try:
        while not event.wait(1.0):
            with receiver._lock:
                new = receiver.requests[seen:]
                seen = len(receiver.requests)
            for record in new:
                reference = record.headers.get("x-handoff-reference", "?")
                print(f"{record.status} {reference}")
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
