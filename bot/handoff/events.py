"""The conversation-event log: what operators count besides routed inquiries.

Actions call :func:`record_event` for a fallback, an unknown place, a clarifying question, a request
for a person and a filed hand-off. Only the kind and the routing facts are stored (topic, party, CCA,
place), never what the customer wrote.
"""

from __future__ import annotations

import logging
from enum import Enum

from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.handoff.models import ConversationEvent, ensure_schema

logger = logging.getLogger(__name__)


class EventKind(str, Enum):
    FALLBACK = "fallback"  # the assistant did not understand the message
    UNKNOWN_PLACE = "unknown_place"  # a place the role table does not know
    CLARIFICATION = "clarification"  # the assistant asked a clarifying question
    HUMAN_REQUEST = "human_request"  # the customer asked for a person
    HANDOFF = "handoff"  # a callback request was filed


EVENT_KINDS = tuple(k.value for k in EventKind)


def record_event(
    conversation_id: str,
    channel: str | None,
    kind: EventKind | str,
    topic: str | None = None,
    party: str | None = None,
    place: str | None = None,
    cca: str | None = None,
    url: str | None = None,
) -> bool:
    """Insert one event row; failures are logged and reported (``False``), never raised.

    Args:
        conversation_id: The Rasa sender id.
        channel: The input channel (``rest``, ``socketio``, ``slack``, ``cmdline``), ``None`` for unknown.
        kind: One of :class:`EventKind` (or its value).
        topic, party, place, cca: Routing facts known at that point; never message text.
        url: Database URL (default ``DATABASE_URL``).
    """
    try:
        kind_value = EventKind(kind).value
    except ValueError:
        logger.error("unknown event kind %r not recorded", str(kind)[:40])
        return False
    try:
        ensure_schema(url)
        with db.session_factory(url).begin() as session:
            session.add(
                ConversationEvent(
                    conversation_id=(conversation_id or "")[:255],
                    channel=(channel or "unknown")[:32],
                    kind=kind_value,
                    topic=(topic or None) and topic[:24],
                    party=(party or None) and party[:8],
                    cca=(cca or None) and cca[:120],
                    place=(place or None) and place[:120],
                )
            )
        return True
    except SQLAlchemyError as exc:
        logger.error(
            "could not record %s event for %s: %s", kind_value, (conversation_id or "")[:40], type(exc).__name__
        )
        return False
