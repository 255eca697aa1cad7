"""Tables of the hand-off feature: the ticket outbox and the conversation-event log.

Both use the role table's declarative ``Base`` and live in the same database (``DATABASE_URL``).
They are created on first use (:func:`ensure_schema`), so an existing database needs no migration
step; ``python -m bot db seed`` creates them too once this module is imported.

Privacy: the customer's words and contact details exist only in ``handoff_tickets`` (written after
the customer confirmed what will be sent, deleted after ``HANDOFF_RETENTION_DAYS``);
``conversation_events`` never holds message text or contact details.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Set

from sqlalchemy import Column, DateTime, Index, Integer, String, Text, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.models import Base

logger = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class HandoffTicket(Base):
    """One consented callback request, queued for delivery to the responsible party (the outbox)."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (Index("ix_handoff_tickets_due", "status", "next_attempt_at"),)
    id = Column(Integer, primary_key=True)
    reference = Column(String(16), unique=True, nullable=False)  # told to the customer
    idempotency_key = Column(String(64), unique=True, nullable=False)  # sent with every attempt
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="unknown")
    language = Column(String(8))
    party_kind = Column(String(8), nullable=False)  # SCE | CCA | CAISO | CPUC
    party_key = Column(String(32), nullable=False)  # parties.key: where the ticket goes
    party_name = Column(String(120), nullable=False)
    topic = Column(String(24))
    place = Column(String(120))
    question = Column(Text)  # the customer's own words for the routed question
    contact_name = Column(String(120), nullable=False)
    contact_phone = Column(String(40))
    contact_email = Column(String(254))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    status = Column(String(12), nullable=False, default="pending")  # pending | delivered
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_attempt_at = Column(DateTime(timezone=True))
    last_error = Column(String(200))  # HTTP status or exception class; never ticket content
    delivered_at = Column(DateTime(timezone=True))
    lease_owner = Column(String(64))  # the delivery loop currently sending it
    lease_until = Column(DateTime(timezone=True))


class ConversationEvent(Base):
    """Something operators count besides routed inquiries: fallbacks, unknown places, clarifying
    questions, requests for a person, hand-offs. Never the message text or contact details."""

    __tablename__ = "conversation_events"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="unknown")
    kind = Column(String(24), nullable=False, index=True)
    topic = Column(String(24))
    party = Column(String(8))
    cca = Column(String(120))
    place = Column(String(120))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


TABLES = tuple(Base.metadata.tables[name] for name in ("handoff_tickets", "conversation_events"))
_ready: Set[str] = set()
_ready_lock = threading.Lock()


def ensure_schema(url: str | None = None) -> Engine:
    """The engine for ``url`` (default ``DATABASE_URL``), with the hand-off tables created once per process."""
    engine = db.get_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    if key in _ready:
        return engine
    with _ready_lock:
        if key not in _ready:
            try:
                Base.metadata.create_all(engine, tables=list(TABLES))
            except SQLAlchemyError:
                # Another process may have created them between the check and the CREATE.
                present = set(inspect(engine).get_table_names())
                if not {t.name for t in TABLES} <= present:
                    raise
            _ready.add(key)
    return engine


def forget_schema() -> None:
    """Tests: databases come and go; check again on next use."""
    with _ready_lock:
        _ready.clear()
