"""Read access to the role table as an immutable, cached snapshot.

The role table is small (tens of parties, a few hundred places) and read on every turn,
so one query set loads it into frozen dataclasses that routing uses without touching the
database. The snapshot is refreshed after ``BOT_ROLE_TABLE_TTL`` seconds; if the database is
unavailable at refresh time the last good snapshot keeps serving.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from bot import db
from bot.config import env_number
from bot.models import Guidance, Party, Place, Region, Responsibility
from bot.text import normalize
from bot.topics import Confidence, CustomerKind, PartyKind, PlaceStatus, Role

logger = logging.getLogger(__name__)


class RoleTableUnavailable(RuntimeError):
    """The role table could not be read and no earlier snapshot exists."""


@dataclass(frozen=True)
class PartyInfo:
    key: str
    kind: str  # a PartyKind value
    name: str
    short_name: str | None
    phone: str | None
    outage_phone: str | None
    email: str | None
    website: str | None
    info_web: str | None
    outage_web: str | None
    status: str
    dissolved: dt.date | None
    notes: str | None
    aliases: Tuple[str, ...] = ()
    spanish_phone: str | None = None
    care_phone: str | None = None
    contact_note: str | None = None
    sources: Tuple[str, ...] = ()
    source_date: dt.date | None = None

    @property
    def label(self) -> str:
        """Name with the short form customers know: "Orange County Power Authority (OCPA)"."""
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name

    @property
    def short(self) -> str:
        """The name customers use in a sentence: "PG&E", "LADWP", "City of Corona electric utility"."""
        return self.short_name or self.name

    @property
    def party_kind(self) -> PartyKind:
        return PartyKind(self.kind)

    def contact_dict(self) -> Dict[str, str | None]:
        return {
            "name": self.name,
            "short_name": self.short_name,
            "phone": self.phone,
            "outage_phone": self.outage_phone,
            "spanish_phone": self.spanish_phone,
            "care_phone": self.care_phone,
            "email": self.email,
            "website": self.website,
            "contact_note": self.contact_note,
        }


@dataclass(frozen=True)
class ServicePeriod:
    """Who supplies a place's generation (``party_key``) and who delivers it, over [valid_from, valid_to)."""

    status: str  # a PlaceStatus value
    party_key: str | None
    delivered_by: str  # party key of the delivering utility
    also_delivered_by: str | None  # a second utility serves part of the place ("mixed")
    delivery_note: str | None
    confidence: str  # a Confidence value
    valid_from: dt.date | None
    valid_to: dt.date | None
    sources: Tuple[str, ...] = ()
    source_date: dt.date | None = None

    @property
    def place_status(self) -> PlaceStatus:
        return PlaceStatus(self.status)

    @property
    def mixed(self) -> bool:
        return self.also_delivered_by is not None

    @property
    def probable(self) -> bool:
        return self.confidence == Confidence.PROBABLE.value

    def covers(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)


@dataclass(frozen=True)
class PendingChangeInfo:
    """A change announced for a place, not in force yet."""

    place: str
    cca_key: str
    certainty: str  # approved | possible
    expected: str  # as the sources say it: "late 2026"
    expected_by: dt.date
    note: str | None
    sources: Tuple[str, ...]
    source_date: dt.date | None


@dataclass(frozen=True)
class PlaceInfo:
    name: str
    kind: str
    county: str | None
    notes: str | None
    aliases: Tuple[str, ...]
    services: Tuple[ServicePeriod, ...]
    part_of: str | None = None
    pending: Tuple[PendingChangeInfo, ...] = ()

    def service_on(self, on: dt.date) -> ServicePeriod | None:
        """The service period in force on ``on``; the latest-starting one wins on overlap."""
        current = [s for s in self.services if s.covers(on)]
        if not current:
            return None
        return max(current, key=lambda s: s.valid_from or dt.date.min)

    def former_cca_keys(self, on: dt.date) -> List[str]:
        return [
            s.party_key
            for s in self.services
            if s.status == PlaceStatus.CCA.value and s.valid_to and s.valid_to <= on and s.party_key
        ]


@dataclass(frozen=True)
class RegionInfo:
    """A county named alone: the assistant asks which city or community."""

    name: str
    aliases: Tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class GuidanceInfo:
    key: str
    kind: str  # safety | period | note
    topic: str | None
    text: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    sources: Tuple[str, ...]
    source_date: dt.date | None


@dataclass(frozen=True)
class ResponsibilityInfo:
    """One row of the responsibilities table: who answers a (sub)topic for a kind of customer, and why."""

    topic: str
    subtopic: str  # "" for the topic itself
    customer: CustomerKind
    party_kind: PartyKind
    role: Role
    reason: str
    source: str
    historical: bool


@dataclass(frozen=True)
class RoleTable:
    parties: Dict[str, PartyInfo]
    places: Dict[str, PlaceInfo]
    rules: Dict[str, Tuple[ResponsibilityInfo, ...]]  # topic -> the topic's own rows
    place_names: Dict[str, str] = field(default_factory=dict)  # normalized name or alias -> place name
    party_names: Dict[str, str] = field(default_factory=dict)  # normalized name or alias -> party key
    subtopic_rules: Dict[str, Tuple[ResponsibilityInfo, ...]] = field(default_factory=dict)  # subtopic -> rows
    regions: Dict[str, RegionInfo] = field(default_factory=dict)
    region_names: Dict[str, str] = field(default_factory=dict)  # normalized name or alias -> region name
    guidance: Dict[str, GuidanceInfo] = field(default_factory=dict)

    def party_of_kind(self, kind: str) -> PartyInfo:
        for party in self.parties.values():
            if party.kind == kind:
                return party
        raise KeyError(kind)

    @property
    def ccas(self) -> List[PartyInfo]:
        return [p for p in self.parties.values() if p.kind == PartyKind.CCA.value]

    @property
    def utilities(self) -> List[PartyInfo]:
        """Electric utilities other than SCE (PG&E, LADWP, IID, ...)."""
        return [p for p in self.parties.values() if p.kind == PartyKind.UTILITY.value]

    def guidance_for(self, topic: str, kind: str | None = None) -> List[GuidanceInfo]:
        return [g for g in self.guidance.values() if g.topic == topic and (kind is None or g.kind == kind)]


def load_role_table(url: str | None = None) -> RoleTable:
    """Read the whole role table in one short transaction."""
    with db.session_factory(url).begin() as session:
        parties = session.scalars(select(Party).options(selectinload(Party.aliases))).all()
        places = session.scalars(
            select(Place).options(
                selectinload(Place.aliases), selectinload(Place.services), selectinload(Place.pending)
            )
        ).all()
        rules = session.scalars(select(Responsibility).order_by(Responsibility.id)).all()
        regions = session.scalars(select(Region).order_by(Region.id)).all()
        guidance = session.scalars(select(Guidance).order_by(Guidance.id)).all()
        party_key_by_id = {p.id: p.key for p in parties}
        party_infos = {
            p.key: PartyInfo(
                key=p.key,
                kind=p.kind,
                name=p.name,
                short_name=p.short_name,
                phone=p.phone,
                outage_phone=p.outage_phone,
                email=p.email,
                website=p.website,
                info_web=p.info_web,
                outage_web=p.outage_web,
                status=p.status,
                dissolved=p.dissolved,
                notes=p.notes,
                aliases=tuple(a.alias for a in p.aliases),
                spanish_phone=p.spanish_phone,
                care_phone=p.care_phone,
                contact_note=p.contact_note,
                sources=tuple(p.sources or ()),
                source_date=p.source_date,
            )
            for p in parties
        }
        place_infos = {
            pl.name: PlaceInfo(
                name=pl.name,
                kind=pl.kind,
                county=pl.county,
                notes=pl.notes,
                aliases=tuple(a.alias for a in pl.aliases),
                services=tuple(
                    ServicePeriod(
                        status=s.status,
                        party_key=party_key_by_id.get(s.party_id) if s.party_id else None,
                        delivered_by=party_key_by_id[s.delivered_by_id],
                        also_delivered_by=party_key_by_id.get(s.also_delivered_by_id)
                        if s.also_delivered_by_id
                        else None,
                        delivery_note=s.delivery_note,
                        confidence=s.confidence,
                        valid_from=s.valid_from,
                        valid_to=s.valid_to,
                        sources=tuple(s.sources or ()),
                        source_date=s.source_date,
                    )
                    for s in pl.services
                ),
                part_of=pl.part_of,
                pending=tuple(
                    PendingChangeInfo(
                        place=pl.name,
                        cca_key=party_key_by_id[c.party_id],
                        certainty=c.certainty,
                        expected=c.expected,
                        expected_by=c.expected_by,
                        note=c.note,
                        sources=tuple(c.sources or ()),
                        source_date=c.source_date,
                    )
                    for c in pl.pending
                ),
            )
            for pl in places
        }
        place_names = {a.normalized: pl.name for pl in places for a in pl.aliases}
        place_names.update({pl.normalized: pl.name for pl in places})  # a real name beats another's alias
        party_names = {a.normalized: p.key for p in parties for a in p.aliases}
        by_topic: Dict[str, List[ResponsibilityInfo]] = {}
        by_subtopic: Dict[str, List[ResponsibilityInfo]] = {}
        for r in rules:
            info = ResponsibilityInfo(
                topic=r.topic,
                subtopic=r.subtopic or "",
                customer=CustomerKind(r.customer),
                party_kind=PartyKind(r.party_kind),
                role=Role(r.role),
                reason=r.reason,
                source=r.source,
                historical=r.historical,
            )
            if info.subtopic:
                by_subtopic.setdefault(info.subtopic, []).append(info)
            else:
                by_topic.setdefault(info.topic, []).append(info)
        region_infos = {r.name: RegionInfo(r.name, tuple(r.aliases or ()), r.note) for r in regions}
        region_names = {normalize(a): r.name for r in regions for a in (r.aliases or ())}
        region_names.update({r.normalized: r.name for r in regions})
        guidance_infos = {
            g.key: GuidanceInfo(
                g.key, g.kind, g.topic, g.text, g.valid_from, g.valid_to, tuple(g.sources or ()), g.source_date
            )
            for g in guidance
        }
    if not party_infos or not by_topic:
        raise RoleTableUnavailable("the role table is empty: run `python -m bot db seed`")
    return RoleTable(
        parties=party_infos,
        places=place_infos,
        rules={k: tuple(v) for k, v in by_topic.items()},
        place_names=place_names,
        party_names=party_names,
        subtopic_rules={k: tuple(v) for k, v in by_subtopic.items()},
        regions=region_infos,
        region_names=region_names,
        guidance=guidance_infos,
    )


_cache_lock = threading.Lock()
_cached: Tuple[float, str | None, RoleTable] | None = None


def _ttl() -> float:
    return env_number("BOT_ROLE_TABLE_TTL", 300.0, minimum=0.0)


def role_table(url: str | None = None) -> RoleTable:
    """Cached snapshot of the role table; stale-but-good beats failing when the DB is down."""
    global _cached
    now = time.monotonic()
    with _cache_lock:
        if _cached and _cached[1] == url and now - _cached[0] < _ttl():
            return _cached[2]
        previous = _cached[2] if _cached and _cached[1] == url else None
        try:
            table = load_role_table(url)
        except (SQLAlchemyError, RoleTableUnavailable) as exc:
            if previous is None:
                raise RoleTableUnavailable(
                    f"role table unavailable ({exc.__class__.__name__}): "
                    "check DATABASE_URL and run `python -m bot db seed`"
                ) from exc
            logger.warning("role table refresh failed (%s); serving the previous snapshot", exc.__class__.__name__)
            _cached = (now, url, previous)
            return previous
        _cached = (now, url, table)
        return table


def invalidate_cache() -> None:
    global _cached
    with _cache_lock:
        _cached = None
