"""Delivering hand-off tickets from the outbox: signed JSON POSTs, retried with backoff until a 2xx.

Each ticket is claimed with a short lease (an atomic conditional UPDATE), so several delivery loops
(action-server workers, instances, ``python -m bot handoff resend``) never send it at the same time.
Every attempt carries the ticket's ``Idempotency-Key``: a receiver that saw the key already answers
2xx without acting twice (a crash after the receiver acknowledged but before the ticket was marked
delivered is the only case that sends it again).

Headers of each POST::

    Content-Type: application/json
    Idempotency-Key: <32 hex>            the same on every attempt of one ticket
    X-Handoff-Reference: H-XXXX-XXXX     the number the customer was given
    X-Handoff-Timestamp: <unix seconds>
    X-Handoff-Signature: sha256=<hex>    HMAC-SHA256(secret, "<timestamp>." + body)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Tuple

from sqlalchemy import or_, select, update

from bot import db
from bot.config import env_number
from bot.handoff.models import HandoffTicket, aware, ensure_schema, utcnow
from bot.handoff.targets import Target, target_for, url_problem
from bot.handoff.tickets import DELIVERED, PENDING, purge

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Handoff-Signature"
TIMESTAMP_HEADER = "X-Handoff-Timestamp"
REFERENCE_HEADER = "X-Handoff-Reference"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "sce-routing-assistant-handoff/1"
PAYLOAD_VERSION = 1
BATCH = 50
PURGE_EVERY_SECONDS = 6 * 3600
# Sanic apps that import the actions package at startup: rasa-sdk's server and actions/server.py.
ACTION_SERVER_APPS = ("rasa_sdk", "sce_action_server")


def retry_base_seconds() -> float:
    return env_number("HANDOFF_RETRY_BASE_SECONDS", 10.0, minimum=0.01)


def retry_max_seconds() -> float:
    return env_number("HANDOFF_RETRY_MAX_SECONDS", 900.0, minimum=0.01)


def timeout_seconds() -> float:
    return env_number("HANDOFF_TIMEOUT_SECONDS", 10.0, minimum=0.1)


def poll_seconds() -> float:
    return env_number("HANDOFF_POLL_SECONDS", 30.0, minimum=0.05)


def backoff_seconds(attempts: int) -> float:
    """Delay before the next attempt after ``attempts`` failed ones: doubling, capped, with ±20 % jitter."""
    delay = min(retry_max_seconds(), retry_base_seconds() * (2 ** max(0, min(attempts - 1, 30))))
    return delay * random.uniform(0.8, 1.2)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: str, body: bytes, signature: str, tolerance: float = 300.0) -> bool:
    """For receivers: the signature matches and the timestamp is within ``tolerance`` seconds of now."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(ticket: HandoffTicket) -> Dict[str, Any]:
    """The JSON document a party receives for one ticket."""
    created = aware(ticket.created_at)
    return {
        "type": "handoff.ticket",
        "version": PAYLOAD_VERSION,
        "reference": ticket.reference,
        "idempotency_key": ticket.idempotency_key,
        "created_at": created.isoformat().replace("+00:00", "Z") if created else None,
        "party": {"kind": ticket.party_kind, "key": ticket.party_key, "name": ticket.party_name},
        "topic": ticket.topic,
        "place": ticket.place,
        "question": ticket.question,
        "customer": {
            "name": ticket.contact_name,
            "phone": ticket.contact_phone,
            "email": ticket.contact_email,
            "language": ticket.language,
        },
        "channel": ticket.channel,
    }


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def request_headers(ticket: HandoffTicket, secret: bytes, body: bytes, now: float | None = None) -> Dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        IDEMPOTENCY_HEADER: str(ticket.idempotency_key),
        REFERENCE_HEADER: str(ticket.reference),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def post(target: Target, ticket: HandoffTicket) -> Tuple[bool, str | None, int | None]:
    """One attempt: ``(acknowledged, error, status)``; errors never contain ticket content."""
    import requests

    assert target.secret is not None
    body = encode(payload(ticket))
    headers = request_headers(ticket, target.secret, body)
    timeout = timeout_seconds()
    try:
        response = requests.post(
            target.url, data=body, headers=headers, timeout=(timeout, timeout), allow_redirects=False
        )
    except requests.RequestException as exc:
        return False, type(exc).__name__, None
    response.close()
    if 200 <= response.status_code < 300:
        return True, None, response.status_code
    return False, f"HTTP {response.status_code}", response.status_code


@dataclass
class DeliveryReport:
    """The outcome of one delivery pass."""

    delivered: List[str] = field(default_factory=list)
    failed: Dict[str, str] = field(default_factory=dict)  # reference -> error
    skipped: int = 0  # claimed elsewhere meanwhile
    next_due_in: float | None = None  # seconds until the earliest pending ticket is due


def _owner() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claim(session: Any, ticket_id: int, owner: str, now: dt.datetime, lease: float) -> bool:
    result = session.execute(
        update(HandoffTicket)
        .where(
            HandoffTicket.id == ticket_id,
            HandoffTicket.status == PENDING,
            or_(HandoffTicket.lease_until.is_(None), HandoffTicket.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + dt.timedelta(seconds=lease))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def _finish(ticket_id: int, owner: str, values: Dict[str, Any], url: str | None) -> None:
    with db.session_factory(url).begin() as session:
        session.execute(
            update(HandoffTicket)
            .where(HandoffTicket.id == ticket_id, HandoffTicket.lease_owner == owner)
            .values(lease_owner=None, lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )


def deliver_one(ticket_id: int, owner: str, url: str | None = None) -> Tuple[str, bool, str | None]:
    """Send one claimed ticket and record the outcome: ``(reference, delivered, error)``."""
    with db.session_factory(url).begin() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        if ticket is None or ticket.lease_owner != owner:
            return "", False, "lost"
        session.expunge(ticket)
    reference = str(ticket.reference)
    target = target_for(str(ticket.party_key))
    now = utcnow()
    attempts = int(ticket.attempts or 0) + 1
    error: str | None
    status: int | None
    if target is None or not target.usable:
        error = "no target" if target is None else (url_problem(target.url) or "no signing secret")
        ok, status = False, None
    else:
        ok, error, status = post(target, ticket)
    if ok:
        _finish(
            ticket_id,
            owner,
            {
                "status": DELIVERED,
                "delivered_at": utcnow(),
                "attempts": attempts,
                "last_attempt_at": now,
                "last_error": None,
            },
            url,
        )
        logger.info("hand-off ticket %s delivered to %s (HTTP %s)", reference, ticket.party_key, status)
        return reference, True, None
    delay = backoff_seconds(attempts)
    _finish(
        ticket_id,
        owner,
        {
            "attempts": attempts,
            "last_attempt_at": now,
            "last_error": (error or "")[:200],
            "next_attempt_at": now + dt.timedelta(seconds=delay),
        },
        url,
    )
    logger.warning(
        "hand-off ticket %s not delivered (attempt %d: %s); next try in %.0f s", reference, attempts, error, delay
    )
    return reference, False, error


def deliver_due(
    url: str | None = None, force: bool = False, reference: str | None = None, limit: int = BATCH
) -> DeliveryReport:
    """Send every pending ticket that is due (all of them with ``force``), each at most once in this pass."""
    ensure_schema(url)
    report = DeliveryReport()
    owner = _owner()
    lease = 2 * timeout_seconds() + 30
    seen: set[int] = set()
    while True:
        now = utcnow()
        with db.session_factory(url).begin() as session:
            query = select(HandoffTicket.id).where(
                HandoffTicket.status == PENDING,
                or_(HandoffTicket.lease_until.is_(None), HandoffTicket.lease_until < now),
            )
            if not force:
                query = query.where(HandoffTicket.next_attempt_at <= now)
            if reference:
                query = query.where(HandoffTicket.reference == reference)
            if seen:
                query = query.where(HandoffTicket.id.not_in(seen))
            ids = list(session.scalars(query.order_by(HandoffTicket.next_attempt_at, HandoffTicket.id).limit(limit)))
            claimed = [i for i in ids if _claim(session, i, owner, now, lease)]
        if not ids:
            break
        seen.update(ids)
        report.skipped += len(ids) - len(claimed)
        for ticket_id in claimed:
            ref, ok, error = deliver_one(ticket_id, owner, url)
            if ok:
                report.delivered.append(ref)
            elif ref:
                report.failed[ref] = error or "error"
    with db.session_factory(url).begin() as session:
        rows = session.execute(
            select(HandoffTicket.next_attempt_at, HandoffTicket.lease_until)
            .where(HandoffTicket.status == PENDING)
            .order_by(HandoffTicket.next_attempt_at)
            .limit(200)
        ).all()
    # A ticket leased by another loop is due again only when its lease runs out.
    due = [max(t for t in (aware(next_at), aware(lease)) if t is not None) for next_at, lease in rows]
    if due:
        report.next_due_in = max(0.0, (min(due) - utcnow()).total_seconds())
    return report


class DeliveryWorker:
    """The background delivery loop of one process: a daemon thread woken when a ticket is filed."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handoff-delivery", daemon=True)
        self._last_purge: float | None = None  # purge on the first pass, then every PURGE_EVERY_SECONDS
        self.passes = 0

    def start(self) -> DeliveryWorker:
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.pid == os.getpid()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            delay: float | None = None
            try:
                poll = poll_seconds()
                delay = deliver_due(self.url).next_due_in
                if self._last_purge is None or time.monotonic() - self._last_purge > PURGE_EVERY_SECONDS:
                    purge(url=self.url)
                    self._last_purge = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - the loop must survive a bad database or setting
                logger.error("hand-off delivery pass failed: %s", type(exc).__name__)
                poll = 30.0
            self.passes += 1
            self._wake.wait(poll if delay is None else min(max(delay, 0.05), poll))


_worker: DeliveryWorker | None = None
_worker_lock = threading.Lock()


def ensure_worker(url: str | None = None) -> DeliveryWorker:
    """Start this process's delivery loop unless it runs already (after a fork it is started anew)."""
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.alive or _worker.url != url:
            if _worker is not None and _worker.alive:
                _worker.stop()
            _worker = DeliveryWorker(url).start()
        return _worker


def wake_worker(url: str | None = None) -> None:
    """A ticket was filed: start the loop if needed and let it send now."""
    ensure_worker(url).wake()


def stop_worker() -> None:
    """Stop this process's delivery loop (tests, shutdown)."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.stop()
        _worker = None


def start_with_action_server() -> bool:
    """Start the delivery loop when the rasa-sdk action server starts (each Sanic worker), so tickets
    left by a crash or restart are sent without waiting for a new one. ``False`` outside the server."""
    try:
        from sanic import Sanic
    except ImportError:
        return False

    async def _start(_app: Any, _loop: Any) -> None:
        ensure_worker()

    async def _stop(_app: Any, _loop: Any) -> None:
        stop_worker()

    found = False
    for name in ACTION_SERVER_APPS:
        try:
            app = Sanic.get_app(name)
        except Exception:  # noqa: BLE001 - no such server in this process (tests, CLI)
            continue
        found = True
        if not getattr(app.ctx, "handoff_delivery", False):
            app.ctx.handoff_delivery = True
            app.register_listener(_start, "after_server_start")
            app.register_listener(_stop, "before_server_stop")
    return found
