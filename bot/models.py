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
    """Anyone a customer can be routed to: SCE, CAISO, the CPUC or a CCA."""

    __tablename__ = "parties"
    id = Column(Integer, primary_key=True)
    key = Column(String(32), unique=True, nullable=False)
    kind = Column(String(8), nullable=False, index=True)  # SCE | CCA | CAISO | CPUC
    name = Column(String(120), nullable=False)
    short_name = Column(String(32))
    phone = Column(String(40))
    outage_phone = Column(String(40))
    email = Column(String(120))
    website = Column(String(255))
    info_web = Column(String(400))
    outage_web = Column(String(255))
    status = Column(String(16), nullable=False, default="active")  # active | dissolved
    launched = Column(Date)
    dissolved = Column(Date)
    notes = Column(Text)
    sources = Column(JSON, nullable=False, default=list)
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
    kind = Column(String(16), nullable=False, default="city")  # city | unincorporated
    county = Column(String(40))
    notes = Column(Text)
    aliases = relationship("PlaceAlias", back_populates="place", cascade="all, delete-orphan")
    services = relationship(
        "PlaceService", back_populates="place", cascade="all, delete-orphan", order_by="PlaceService.id"
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
    """Who supplies a place's generation over a period [valid_from, valid_to)."""

    __tablename__ = "place_services"
    id = Column(Integer, primary_key=True)
    place_id = Column(Integer, ForeignKey("places.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(16), nullable=False)  # cca | bundled | pending_cca | other_utility
    party_id = Column(Integer, ForeignKey("parties.id"))  # the CCA (cca, pending_cca) or SCE (bundled)
    utility = Column(String(160))  # for other_utility
    expected = Column(String(40))  # for pending_cca: when service is expected to start
    valid_from = Column(Date)
    valid_to = Column(Date)
    sources = Column(JSON, nullable=False, default=list)
    place = relationship("Place", back_populates="services")
    party = relationship("Party")


class Responsibility(Base):
    """Topic x customer kind -> responsible party kind, with the reason and its source."""

    __tablename__ = "responsibilities"
    __table_args__ = (UniqueConstraint("topic", "customer", "party_kind", "role"),)
    id = Column(Integer, primary_key=True)
    topic = Column(String(24), nullable=False, index=True)
    function = Column(String(48), nullable=False)
    customer = Column(String(8), nullable=False)  # any | cca | bundled | pending
    party_kind = Column(String(8), nullable=False)
    role = Column(String(10), nullable=False)  # primary | secondary
    reason = Column(Text, nullable=False)
    source = Column(String(400), nullable=False)
    needs_city = Column(Boolean, nullable=False, default=False)
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
