"""Create the schema and load the versioned seed YAML into the role table, idempotently.

Re-running updates rows in place by their natural keys (party key, place name, region name,
guidance key; responsibilities are replaced whole); the inquiry log is never touched. A database
built by an older seed version (missing columns or tables) has its role-table tables rebuilt:
they hold nothing but the seed, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, Dict, Iterable, List

import yaml
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import config, db
from bot.models import (
    Base,
    Guidance,
    Party,
    PartyAlias,
    PendingChange,
    Place,
    PlaceAlias,
    PlaceService,
    Region,
    Responsibility,
)
from bot.text import normalize
from bot.topics import Confidence, CustomerKind, PartyKind, PlaceStatus, Role, Subtopic, Topic

logger = logging.getLogger(__name__)

SEED_VERSION = 2
ROLE_TABLES = (Guidance, PendingChange, PlaceService, PlaceAlias, Place, PartyAlias, Party, Region, Responsibility)
CERTAINTIES = ("approved", "possible")
GUIDANCE_KINDS = ("safety", "period", "note")


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def load_yaml(path: Path) -> Dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or data.get("version") != SEED_VERSION:
        raise ValueError(f"{path}: expected a mapping with version: {SEED_VERSION}")
    return data


def _check(value: str, allowed: Iterable[Any], what: str) -> str:
    names = [a.value if hasattr(a, "value") else str(a) for a in allowed]
    if value not in names:
        raise ValueError(f"{what}: {value!r} is not one of {', '.join(names)}")
    return value


def create_schema(engine: Engine | None = None) -> None:
    """Create missing tables; rebuild the role-table tables when their columns differ from the models."""
    engine = engine or db.get_engine()
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    stale = [
        t.__tablename__
        for t in ROLE_TABLES
        if t.__tablename__ in existing
        and {c["name"] for c in inspector.get_columns(t.__tablename__)}
        != {c.name for c in Base.metadata.tables[t.__tablename__].columns}
    ]
    if stale:
        logger.warning("role table schema changed (%s): rebuilding it from the seed", ", ".join(sorted(stale)))
        Base.metadata.drop_all(engine, tables=[Base.metadata.tables[t.__tablename__] for t in ROLE_TABLES])
    Base.metadata.create_all(engine)


def _sync_aliases(current: List[Any], wanted: Dict[str, str], make: Any) -> None:
    """Update an alias collection in place: rows are matched by normalized form, so re-seeding
    never inserts a duplicate before the old row is deleted (unique per owner)."""
    for row in list(current):
        if row.normalized not in wanted:
            current.remove(row)
        else:
            row.alias = wanted[row.normalized]
    present = {row.normalized for row in current}
    current.extend(make(alias=alias, normalized=key) for key, alias in wanted.items() if key not in present)


def _unique_aliases(name: str, aliases: Iterable[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for alias in [name, *aliases]:
        key = normalize(alias)
        if key and key not in out:
            out[key] = alias
    return out


def _upsert_party(session: Session, row: Dict[str, Any]) -> Party:
    party = session.scalars(select(Party).where(Party.key == row["key"])).one_or_none()
    if party is None:
        party = Party(key=row["key"])
        session.add(party)
    party.kind = _check(row["kind"], (k for k in PartyKind if k is not PartyKind.TOPIC), f"party {row['key']}")
    for field in (
        "name",
        "short_name",
        "phone",
        "outage_phone",
        "spanish_phone",
        "care_phone",
        "email",
        "website",
        "info_web",
        "outage_web",
        "contact_note",
        "notes",
    ):
        setattr(party, field, row.get(field))
    party.status = row.get("status", "active")
    party.launched = _date(row.get("launched"))
    party.dissolved = _date(row.get("dissolved"))
    party.sources = list(row.get("sources", []))
    party.source_date = _date(row.get("source_date"))
    names = _unique_aliases(row["name"], [row.get("short_name") or "", *row.get("aliases", [])])
    _sync_aliases(party.aliases, names, PartyAlias)
    return party


def _party(parties: Dict[str, Party], key: str | None, place: str) -> Party | None:
    if key is None:
        return None
    if key not in parties:
        raise ValueError(f"place {place!r} names unknown party {key!r}")
    return parties[key]


def _upsert_place(session: Session, row: Dict[str, Any], parties: Dict[str, Party]) -> Place:
    name = row["name"]
    place = session.scalars(select(Place).where(Place.name == name)).one_or_none()
    if place is None:
        place = Place(name=name)
        session.add(place)
    place.normalized = normalize(name)
    place.kind = row.get("kind", "city")
    place.county = row.get("county")
    place.part_of = row.get("part_of")
    place.notes = row.get("notes")
    names = _unique_aliases(name, row.get("aliases", []))
    _sync_aliases(place.aliases, names, PlaceAlias)
    services: List[PlaceService] = []
    for svc in row.get("services", []):
        status = _check(svc["status"], (s for s in PlaceStatus if s is not PlaceStatus.UNKNOWN), f"place {name}")
        delivered_by = _party(parties, svc.get("delivered_by", "sce"), name)
        assert delivered_by is not None
        also = _party(parties, svc.get("also_delivered_by"), name)
        for utility in (delivered_by, also):
            if utility is not None and utility.kind not in (PartyKind.SCE.value, PartyKind.UTILITY.value):
                raise ValueError(f"place {name!r}: {utility.key!r} is not an electric utility")
        if also is not None and not svc.get("delivery_note"):
            raise ValueError(f"place {name!r}: a mixed place needs a delivery_note")
        services.append(
            PlaceService(
                status=status,
                party=_party(parties, svc.get("party"), name),
                delivered_by=delivered_by,
                also_delivered_by=also,
                delivery_note=svc.get("delivery_note"),
                confidence=_check(svc.get("confidence", "confirmed"), Confidence, f"place {name}"),
                valid_from=_date(svc.get("valid_from")),
                valid_to=_date(svc.get("valid_to")),
                sources=list(svc.get("sources", [])),
                source_date=_date(svc.get("source_date")),
            )
        )
    place.services = services
    pending: List[PendingChange] = []
    change = row.get("pending")
    if change:
        cca = _party(parties, change["cca"], name)
        pending.append(
            PendingChange(
                party=cca,
                certainty=_check(change.get("certainty", "approved"), CERTAINTIES, f"place {name} pending"),
                expected=str(change["expected"]),
                expected_by=_date(change["expected_by"]),
                note=change.get("note"),
                sources=list(change.get("sources", [])),
                source_date=_date(change.get("source_date")),
            )
        )
    place.pending = pending
    return place


def _upsert_by_key(session: Session, model: Any, field: str, value: str) -> Any:
    row = session.scalars(select(model).where(getattr(model, field) == value)).one_or_none()
    if row is None:
        row = model(**{field: value})
        session.add(row)
    return row


def _responsibilities(spec: Dict[str, Any], sources: Dict[str, str]) -> Iterable[Responsibility]:
    subtopic_names = {s.value for s in Subtopic}
    for topic, tspec in spec["topics"].items():
        _check(topic, Topic, "responsibilities topic")
        groups = [("", tspec)] + [(name, sub) for name, sub in (tspec.get("subtopics") or {}).items()]
        for subtopic, group in groups:
            if subtopic and subtopic not in subtopic_names:
                raise ValueError(f"responsibilities: unknown subtopic {subtopic!r} under {topic}")
            for rule in group["rules"]:
                yield Responsibility(
                    topic=topic,
                    subtopic=subtopic,
                    function=group["function"],
                    customer=_check(rule["customer"], CustomerKind, f"{topic}/{subtopic} customer"),
                    party_kind=_check(rule["party"], PartyKind, f"{topic}/{subtopic} party"),
                    role=_check(rule["role"], Role, f"{topic}/{subtopic} role"),
                    reason=rule["reason"],
                    source=sources.get(rule["source"], rule["source"]),
                    historical=bool(tspec.get("historical", False)),
                )


def seed(seed_dir: Path = config.SEED_DIR, url: str | None = None) -> Dict[str, int]:
    """Load ``role_table.yml`` and ``responsibilities.yml``; return row counts."""
    role_table = load_yaml(seed_dir / "role_table.yml")
    responsibilities = load_yaml(seed_dir / "responsibilities.yml")
    sources = responsibilities.get("sources", {})
    rows = list(_responsibilities(responsibilities, sources))  # validated before the database is touched
    create_schema(db.get_engine(url))
    with db.session_factory(url).begin() as session:
        parties = {row["key"]: _upsert_party(session, row) for row in role_table["parties"]}
        session.flush()
        seen_places = {_upsert_place(session, row, parties).name for row in role_table["places"]}
        for stale in session.scalars(select(Place)).all():
            if stale.name not in seen_places:
                session.delete(stale)
        seen_regions = set()
        for row in role_table.get("regions", []):
            region = _upsert_by_key(session, Region, "name", row["name"])
            region.normalized = normalize(row["name"])
            region.aliases = list(row.get("aliases", []))
            region.note = row.get("note")
            seen_regions.add(row["name"])
        session.execute(delete(Region).where(Region.name.not_in(seen_regions or {""})))
        session.execute(delete(Responsibility))
        session.add_all(rows)
        utility = responsibilities.get("delivering_utility") or {}
        guidance = list(responsibilities.get("guidance", []))
        for key in ("with_cca", "without_cca", "mixed"):
            if key in utility:
                guidance.append(
                    {
                        "key": f"delivering_utility_{key}",
                        "kind": "note",
                        "text": utility[key],
                        "sources": [sources.get(utility.get("source", ""), utility.get("source", ""))],
                    }
                )
        seen_guidance = set()
        for row in guidance:
            item = _upsert_by_key(session, Guidance, "key", row["key"])
            item.kind = _check(row["kind"], GUIDANCE_KINDS, f"guidance {row['key']}")
            item.topic = row.get("topic")
            item.text = row["text"]
            item.valid_from = _date(row.get("valid_from"))
            item.valid_to = _date(row.get("valid_to"))
            item.sources = list(row.get("sources", []))
            item.source_date = _date(row.get("source_date"))
            seen_guidance.add(row["key"])
        session.execute(delete(Guidance).where(Guidance.key.not_in(seen_guidance or {""})))
    from bot import repository

    repository.invalidate_cache()
    return {
        "parties": len(parties),
        "places": len(seen_places),
        "regions": len(seen_regions),
        "topics": len(responsibilities["topics"]),
    }
