"""The log of routed inquiries: who was routed where, never what the customer wrote."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import List

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.models import Inquiry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InquiryRecord:
    conversation_id: str
    channel: str
    topic: str
    party: str | None
    cca: str | None
    place: str | None
    confidence: float | None


def record_inquiry(record: InquiryRecord, url: str | None = None) -> bool:
    """Insert one row; a failure is logged and reported, never raised into the conversation."""
    try:
        with db.session_factory(url).begin() as session:
            session.add(
                Inquiry(
                    conversation_id=record.conversation_id[:255],
                    channel=(record.channel or "unknown")[:32],
                    topic=record.topic,
                    party=record.party,
                    cca=record.cca,
                    place=record.place,
                    confidence=record.confidence,
                )
            )
        return True
    except SQLAlchemyError as exc:
        logger.error("could not record inquiry for %s: %s", record.conversation_id[:40], exc.__class__.__name__)
        return False


def inquiries_for(conversation_id: str, url: str | None = None) -> List[Inquiry]:
    with db.session_factory(url).begin() as session:
        return list(
            session.scalars(select(Inquiry).where(Inquiry.conversation_id == conversation_id).order_by(Inquiry.id))
        )
