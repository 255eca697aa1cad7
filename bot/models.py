"""The role table: parties, places with dated service, responsibilities, and the inquiry log."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import as_declarative, relationship


@as_declarative()
class Base:
    """Declarative base; a plain class so type checkers see it without the SQLAlchemy plugin."""

    metadata: ClassVar[MetaData]

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...


class Party(Base):
    """Anyone a customer can be routed to: SCE, CAISO, the CPUC, a CCA or another electric utility."""

    __tablename__ = "parties"
    id = Column(Integer, primary_key=True)
    key = Column(String(32), unique=True, nullable=False)
    kind = Column(String(8), nullable=False, index=True)  # bot.topics.PartyKind: SCE | CCA | CAISO | CPUC | UTILITY
    name = Column(String(120), nullable=False)
    short_name = Column(String(32))
    phone = Column(String(40))
    outage_phone = Column(String(40))
    spanish_phone = Column(String(40))
    care_phone = Column(String(40))  # CARE/FERA/Medical Baseline sign-up line
    email = Column(String(120))
    website = Column(String(255))
    info_web = Column(String(400))
    outage_web = Column(String(255))
    contact_note = Column(Text)  # the best contact when there is no published phone
    status = Column(String(16), nullable=False, default="active")  # active | dissolved
    launched = Column(Date)
    dissolved = Column(Date)
    notes = Column(Text)
    sources = Column(JSON, nullable=False, default=list)
    source_date = Column(Date)  # newest dated source for the entry
    aliases = relationship("PartyAlias", back_populates="party", cascade="all, delete-orphan")


class PartyAlias(Base):
    __tablename__ = "party_aliases"
    __table_args__ = (UniqueConstraint("party_id", "normalized"),)
    id = Column(Integer, primary_key=True)
    party_id = Column(Integer, ForeignKey("parties.id", ondelete="CASCADE"), nullable=False)
    alias = Column(String(120), nullable=False)
    normalized = Column(String(120), nullable=False, index=True)
    party = relationship("Party", back_populates="aliases")


class Place(Base):
    """A city or unincorporated community, in or near SCE territory."""

    __tablename__ = "places"
    id = Column(Integer, primary_key=True)
    name = Column(String(120), unique=True, nullable=False)
    normalized = Column(String(120), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="city")  # city | unincorporated | community | neighbourhood
    county = Column(String(40))
    part_of = Column(String(120))  # the city a neighbourhood belongs to
    notes = Column(Text)
    aliases = relationship("PlaceAlias", back_populates="place", cascade="all, delete-orphan")
    services = relationship(
        "PlaceService", back_populates="place", cascade="all, delete-orphan", order_by="PlaceService.id"
    )
    pending = relationship(
        "PendingChange", back_populates="place", cascade="all, delete-orphan", order_by="PendingChange.id"
    )


class PlaceAlias(Base):
    __tablename__ = "place_aliases"
    __table_args__ = (UniqueConstraint("place_id", "normalized"),)
    id = Column(Integer, primary_key=True)
    place_id = Column(Integer, ForeignKey("places.id", ondelete="CASCADE"), nullable=False)
    alias = Column(String(120), nullable=False)
    normalized = Column(String(120), nullable=False, index=True)
    place = relationship("Place", back_populates="aliases")


class PlaceService(Base):
    """Who supplies a place's generation and who delivers it over a period [valid_from, valid_to)."""

    __tablename__ = "place_services"
    id = Column(Integer, primary_key=True)
    place_id = Column(Integer, ForeignKey("places.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(16), nullable=False)  # bot.topics.PlaceStatus
    party_id = Column(Integer, ForeignKey("parties.id"))  # generation: the CCA (cca, pending_cca) or SCE (bundled)
    delivered_by_id = Column(Integer, ForeignKey("parties.id"), nullable=False)  # wires, outages, the bill
    also_delivered_by_id = Column(Integer, ForeignKey("parties.id"))  # a 'mixed' place: a second utility
    delivery_note = Column(Text)  # one short clause for a mixed place ("parts of Corona are ...")
    confidence = Column(String(12), nullable=False, default="confirmed")  # bot.topics.Confidence
    valid_from = Column(Date)
    valid_to = Column(Date)
    sources = Column(JSON, nullable=False, default=list)
    source_date = Column(Date)
    place = relationship("Place", back_populates="services")
    party = relationship("Party", foreign_keys=[party_id])
    delivered_by = relationship("Party", foreign_keys=[delivered_by_id])
    also_delivered_by = relationship("Party", foreign_keys=[also_delivered_by_id])


class PendingChange(Base):
    """A change announced for a place but not in force: a city joining a CCA, with the expected date."""

    __tablename__ = "pending_changes"
    id = Column(Integer, primary_key=True)
    place_id = Column(Integer, ForeignKey("places.id", ondelete="CASCADE"), nullable=False, index=True)
    party_id = Column(Integer, ForeignKey("parties.id"), nullable=False)  # the CCA it is joining
    certainty = Column(String(12), nullable=False)  # approved | possible
    expected = Column(String(40), nullable=False)  # as the sources say it: "late 2026"
    expected_by = Column(Date, nullable=False)  # the last day that still matches ``expected``
    note = Column(Text)
    sources = Column(JSON, nullable=False, default=list)
    source_date = Column(Date)
    place = relationship("Place", back_populates="pending")
    party = relationship("Party")


class Region(Base):
    """A county named alone: too big to route, so the assistant asks which city or community."""

    __tablename__ = "regions"
    id = Column(Integer, primary_key=True)
    name = Column(String(120), unique=True, nullable=False)
    normalized = Column(String(120), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    note = Column(Text)


class Guidance(Base):
    """Sourced text the answers quote: safety guidance, dated periods (COVID-19 relief), topic notes."""

    __tablename__ = "guidance"
    id = Column(Integer, primary_key=True)
    key = Column(String(48), unique=True, nullable=False)
    kind = Column(String(16), nullable=False)  # safety | period | note
    topic = Column(String(24))
    text = Column(Text, nullable=False)
    valid_from = Column(Date)
    valid_to = Column(Date)
    sources = Column(JSON, nullable=False, default=list)
    source_date = Column(Date)


class Responsibility(Base):
    """Topic (or subtopic) x customer kind -> responsible party kind, with the reason and its source."""

    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("topic", "subtopic", "customer", "party_kind", "role"),)
    id = Column(Integer, primary_key=True)
    topic = Column(String(24), nullable=False, index=True)
    subtopic = Column(String(24), nullable=False, default="", index=True)  # "" = the topic itself
    function = Column(String(48), nullable=False)
    customer = Column(String(16), nullable=False)  # bot.topics.CustomerKind
    party_kind = Column(String(8), nullable=False)  # bot.topics.PartyKind
    role = Column(String(10), nullable=False)  # bot.topics.Role
    reason = Column(Text, nullable=False)  # may say {utility}: the delivering utility's short name
    source = Column(String(400), nullable=False)
    historical = Column(Boolean, nullable=False, default=False)


class Inquiry(Base):
    """One routed inquiry. The customer's message text is deliberately not stored."""

    __tablename__ = "inquiries"
    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="unknown")
    topic = Column(String(24), nullable=False)
    party = Column(String(8))  # SCE | CCA | CAISO | CPUC | None
    cca = Column(String(120))
    place = Column(String(120))
    confidence = Column(Float)
    created_at = Column(DateTime(timezone=True), nullable=False, default=lambda: dt.datetime.now(dt.timezone.utc))
