"""What the tests check on the receiving side of a callback request (docs/handoff.md).

Shared by the hand-off tests at every level (outbox, action server, REST, the web widget). The signature is
recomputed here with :mod:`hmac` exactly as docs/handoff.md tells a party to, not with
:mod:`bot.handoff.delivery`, the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import List, Type, TypeVar

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.handoff.receiver import Received, Receiver

# The reference number as the customer reads it in the assistant's last message.
REFERENCE = re.compile(r"reference number is (H-[A-Z0-9]{4}-[A-Z0-9]{4})")

Row = TypeVar("Row")


def signed_as_documented(record: Received, secret: bytes) -> bool:
    """Whether ``X-Handoff-Signature`` is ``sha256=`` + HMAC-SHA256(secret, ``"<X-Handoff-Timestamp>." + body``).

    Args:
        record: One POST as the loopback receiver recorded it (header names in lower case).
        secret: The signing secret the assistant was configured with.

    Returns:
        True when the signature matches (the timestamp's freshness is not checked here).
    """
    timestamp = record.headers["x-handoff-timestamp"]
    digest = hmac.new(secret, timestamp.encode() + b"." + record.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + digest, record.headers["x-handoff-signature"])


def for_reference(receiver: Receiver, reference: str) -> List[Received]:
    """Every POST ``receiver`` got for the ticket the customer was told is ``reference``."""
    return [r for r in list(receiver.requests) if r.headers.get("x-handoff-reference") == reference]


def rows(url: str, model: Type[Row], conversation_id: str) -> List[Row]:
    """The rows of ``model`` (a ticket or event table) that one conversation left in the database at ``url``."""
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            column = getattr(model, "conversation_id")  # noqa: B009 - every table passed here has it
            return list(session.scalars(select(model).where(column == conversation_id)))
    finally:
        engine.dispose()
