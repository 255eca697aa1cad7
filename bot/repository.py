"""Read access to the role table as an immutable, cached snapshot.

The role table is small (tens of parties, around a hundred places) and read on every turn,
so one query set loads it into frozen dataclasses that routing uses without touching the
database. The snapshot is refreshed after ``BOT_ROLE_TABLE_TTL`` seconds; if the database is
unavailable at refresh time the last good snapshot keeps serving.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from bot import db
from bot.config import env_number
from bot.models import Party, Place, Responsibility

logger = logging.getLogger(__name__)


class RoleTableUnavailable(RuntimeError):
    """The role table could not be read and no earlier snapshot exists."""


@dataclass(frozen=True)
class PartyInfo:
    key: str
    kind: str
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

    @property
    def label(self) -> str:
        """Name with the short form customers know: "Orange County Power Authority (OCPA)"."""
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name

    def contact_dict(self) -> Dict[str, str | None]:
        return {
            "name": self.name,
            "short_name": self.short_name,
            "phone": self.phone,
            "outage_phone": self.outage_phone,
            "email": self.email,
            "website": self.website,
        }


@dataclass(frozen=True)
class ServicePeriod:
    status: str  # cca | bundled | pending_cca | other_utility
    party_key: str | None
    utility: str | None
    expected: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    def covers(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)


@dataclass(frozen=True)
class PlaceInfo:
    name: str
    kind: str
    county: str | None
    notes: str | None
    aliases: Tuple[str, ...]
    services: Tuple[ServicePeriod, ...]

    def service_on(self, on: dt.date) -> ServicePeriod | None:
        """The service period in force on ``on``; the latest-starting one wins on overlap."""
        current = [s for s in self.services if s.covers(on)]
        if not current:
            return None
        return max(current, key=lambda s: s.valid_from or dt.date.min)

    def former_cca_keys(self, on: dt.date) -> List[str]:
        return [
            s.party_key for s in self.services if s.status == "cca" and s.valid_to and s.valid_to <= on and s.party_key
        ]


@dataclass(frozen=True)
class Rule:
    topic: str
    customer: str
    party_kind: str
    role: str
    reason: str
    source: str
    needs_city: bool
    historical: bool


@dataclass(frozen=True)
class RoleTable:
    parties: Dict[str, PartyInfo]
    places: Dict[str, PlaceInfo]
    rules: Dict[str, Tuple[Rule, ...]]
    place_names: Dict[str, str] = field(default_factory=dict)  # normalized name or alias -> place name
    party_names: Dict[str, str] = field(default_factory=dict)  # normalized name or alias -> party key

    def party_of_kind(self, kind: str) -> PartyInfo:
        for party in self.parties.values():
            if party.kind == kind:
                return party
        raise KeyError(kind)

    @property
    def ccas(self) -> List[PartyInfo]:
        return [p for p in self.parties.values() if p.kind == "CCA"]


def load_role_table(url: str | None = None) -> RoleTable:
    """Read the whole role table in one short transaction."""
    with db.session_factory(url).begin() as session:
        parties = session.scalars(select(Party).options(selectinload(Party.aliases))).all()
        places = session.scalars(select(Place).options(selectinload(Place.aliases), selectinload(Place.services))).all()
        rules = session.scalars(select(Responsibility).order_by(Responsibility.id)).all()
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
                        utility=s.utility,
                        expected=s.expected,
                        valid_from=s.valid_from,
                        valid_to=s.valid_to,
                    )
                    for s in pl.services
                ),
            )
            for pl in places
        }
        place_names = {a.normalized: pl.name for pl in places for a in pl.aliases}
        place_names.update({pl.normalized: pl.name for pl in places})  # a real name beats another's alias
        party_names = {a.normalized: p.key for p in parties for a in p.aliases}
        by_topic: Dict[str, List[Rule]] = {}
        for r in rules:
            by_topic.setdefault(r.topic, []).append(
                Rule(r.topic, r.customer, r.party_kind, r.role, r.reason, r.source, r.needs_city, r.historical)
            )
    if not party_infos or not by_topic:
        raise RoleTableUnavailable("the role table is empty: run `python -m bot db seed`")
    return RoleTable(
        parties=party_infos,
        places=place_infos,
        rules={k: tuple(v) for k, v in by_topic.items()},
        place_names=place_names,
        party_names=party_names,
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
