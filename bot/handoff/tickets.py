"""Filing, listing and purging hand-off tickets (the outbox).

A ticket is written only after the customer confirmed what will be sent; it is the only place the
customer's words and contact details are stored, and it is deleted after ``HANDOFF_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import List

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot import db
from bot.config import env_number
from bot.handoff.events import EventKind
from bot.handoff.models import ConversationEvent, HandoffTicket, aware, ensure_schema, utcnow

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out on the phone
PENDING = "pending"
DELIVERED = "delivered"


def retention_days() -> float:
    """``HANDOFF_RETENTION_DAYS`` (default 90): tickets older than this are purged."""
    return env_number("HANDOFF_RETENTION_DAYS", 90.0, minimum=1)


def new_reference() -> str:
    """A reference a customer can read out: "H-7KQM-4XPA" (32^8 possibilities)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"H-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class TicketDraft:
    """Everything a ticket holds; contact details are kept out of ``repr``."""

    conversation_id: str
    channel: str
    party_kind: str
    party_key: str
    party_name: str
    topic: str | None
    place: str | None
    question: str | None
    contact_name: str
    contact_phone: str | None = None
    contact_email: str | None = None
    language: str | None = None
    cca: str | None = None  # for the event log: the CCA's name when the party is a CCA

    def __repr__(self) -> str:  # never print the customer's details by accident
        return f"TicketDraft(party={self.party_key!r}, topic={self.topic!r}, place={self.place!r})"


@dataclass(frozen=True)
class FiledTicket:
    id: int
    reference: str
    idempotency_key: str
    created_at: dt.datetime


def file_ticket(draft: TicketDraft, url: str | None = None) -> FiledTicket:
    """Write the ticket to the outbox (and a ``handoff`` event) in one transaction; return its reference.

    Raises:
        SQLAlchemyError: The database is unavailable; nothing was stored.
    """
    if not (draft.contact_phone or draft.contact_email):
        raise ValueError("a ticket needs a phone number or an e-mail address")
    ensure_schema(url)
    for _attempt in range(5):
        reference, key, now = new_reference(), uuid.uuid4().hex, utcnow()
        try:
            with db.session_factory(url).begin() as session:
                ticket = HandoffTicket(
                    reference=reference,
                    idempotency_key=key,
                    conversation_id=draft.conversation_id[:255],
                    channel=(draft.channel or "unknown")[:32],
                    language=draft.language,
                    party_kind=draft.party_kind,
                    party_key=draft.party_key,
                    party_name=draft.party_name[:120],
                    topic=draft.topic,
                    place=draft.place,
                    question=draft.question,
                    contact_name=draft.contact_name[:120],
                    contact_phone=draft.contact_phone,
                    contact_email=draft.contact_email,
                    created_at=now,
                    status=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                )
                session.add(ticket)
                session.add(
                    ConversationEvent(
                        conversation_id=draft.conversation_id[:255],
                        channel=(draft.channel or "unknown")[:32],
                        kind=EventKind.HANDOFF.value,
                        topic=draft.topic,
                        party=draft.party_kind,
                        cca=draft.cca,
                        place=draft.place,
                        created_at=now,
                    )
                )
                session.flush()
                ticket_id = int(ticket.id)
            logger.info("hand-off ticket %s filed for %s", reference, draft.party_key)
            return FiledTicket(ticket_id, reference, key, now)
        except IntegrityError:  # a reference collision (1 in 10^12): draw again
            continue
    raise RuntimeError("could not draw a unique ticket reference")


@dataclass(frozen=True)
class TicketStatus:
    """A ticket as operators see it: no contact details, no message text."""

    reference: str
    party_key: str
    party_name: str
    topic: str | None
    place: str | None
    channel: str
    status: str
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str | None
    delivered_at: dt.datetime | None

    def to_dict(self) -> dict:
        out = dict(self.__dict__)
        for key, value in out.items():
            if isinstance(value, dt.datetime):
                out[key] = value.isoformat()
        return out


def _status(t: HandoffTicket) -> TicketStatus:
    return TicketStatus(
        reference=str(t.reference),
        party_key=str(t.party_key),
        party_name=str(t.party_name),
        topic=t.topic,
        place=t.place,
        channel=str(t.channel),
        status=str(t.status),
        attempts=int(t.attempts or 0),
        created_at=aware(t.created_at) or utcnow(),
        next_attempt_at=aware(t.next_attempt_at),
        last_attempt_at=aware(t.last_attempt_at),
        last_error=t.last_error,
        delivered_at=aware(t.delivered_at),
    )


def tickets(status: str | None = PENDING, url: str | None = None) -> List[TicketStatus]:
    """Tickets (pending ones by default), oldest first."""
    ensure_schema(url)
    with db.session_factory(url).begin() as session:
        query = select(HandoffTicket).order_by(HandoffTicket.id)
        if status:
            query = query.where(HandoffTicket.status == status)
        return [_status(t) for t in session.scalars(query)]


def purge(days: float | None = None, now: dt.datetime | None = None, url: str | None = None) -> int:
    """Delete tickets created more than ``days`` (default ``HANDOFF_RETENTION_DAYS``) ago, delivered or not."""
    days = retention_days() if days is None else days
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    ensure_schema(url)
    with db.session_factory(url).begin() as session:
        result = session.execute(delete(HandoffTicket).where(HandoffTicket.created_at < cutoff))
        count = int(result.rowcount or 0)
    if count:
        logger.info("purged %d hand-off tickets older than %g days", count, days)
    return count
