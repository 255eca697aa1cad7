"""Create the schema and load the versioned seed YAML into the role table, idempotently.

Re-running updates rows in place by their natural keys (party key, place name, topic rule);
the inquiry log is never touched.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, Iterable, List

import yaml
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import config, db
from bot.models import Base, Party, PartyAlias, Place, PlaceAlias, PlaceService, Responsibility
from bot.text import normalize

SEED_VERSION = 1


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


def create_schema(engine: Engine | None = None) -> None:
    Base.metadata.create_all(engine or db.get_engine())


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
    for field in (
        "kind",
        "name",
        "short_name",
        "phone",
        "outage_phone",
        "email",
        "website",
        "info_web",
        "outage_web",
        "notes",
    ):
        setattr(party, field, row.get(field))
    party.status = row.get("status", "active")
    party.launched = _date(row.get("launched"))
    party.dissolved = _date(row.get("dissolved"))
    party.sources = list(row.get("sources", []))
    names = _unique_aliases(row["name"], [row.get("short_name") or "", *row.get("aliases", [])])
    _sync_aliases(party.aliases, names, PartyAlias)
    return party


def _upsert_place(session: Session, row: Dict[str, Any], parties: Dict[str, Party]) -> Place:
    place = session.scalars(select(Place).where(Place.name == row["name"])).one_or_none()
    if place is None:
        place = Place(name=row["name"])
        session.add(place)
    place.normalized = normalize(row["name"])
    place.kind = row.get("kind", "city")
    place.county = row.get("county")
    place.notes = row.get("notes")
    names = _unique_aliases(row["name"], row.get("aliases", []))
    _sync_aliases(place.aliases, names, PlaceAlias)
    services: List[PlaceService] = []
    for svc in row.get("services", []):
        party_key = svc.get("party")
        if party_key is not None and party_key not in parties:
            raise ValueError(f"place {row['name']!r} names unknown party {party_key!r}")
        services.append(
            PlaceService(
                status=svc["status"],
                party=parties[party_key] if party_key else None,
                utility=svc.get("utility"),
                expected=svc.get("expected"),
                valid_from=_date(svc.get("valid_from")),
                valid_to=_date(svc.get("valid_to")),
                sources=list(svc.get("sources", [])),
            )
        )
    place.services = services
    return place


def seed(seed_dir: Path = config.SEED_DIR, url: str | None = None) -> Dict[str, int]:
    """Load ``role_table.yml`` and ``responsibilities.yml``; return row counts."""
    role_table = load_yaml(seed_dir / "role_table.yml")
    responsibilities = load_yaml(seed_dir / "responsibilities.yml")
    create_schema(db.get_engine(url))
    with db.session_factory(url).begin() as session:
        parties = {row["key"]: _upsert_party(session, row) for row in role_table["parties"]}
        session.flush()
        seen_places = {_upsert_place(session, row, parties).name for row in role_table["places"]}
        for stale in session.scalars(select(Place)).all():
            if stale.name not in seen_places:
                session.delete(stale)
        session.execute(delete(Responsibility))
        sources = responsibilities.get("sources", {})
        for topic, spec in responsibilities["topics"].items():
            for rule in spec["rules"]:
                session.add(
                    Responsibility(
                        topic=topic,
                        function=spec["function"],
                        customer=rule["customer"],
                        party_kind=rule["party"],
                        role=rule["role"],
                        reason=rule["reason"],
                        source=sources.get(rule["source"], rule["source"]),
                        needs_city=bool(spec.get("needs_city", False)),
                        historical=bool(spec.get("historical", False)),
                    )
                )
    from bot import repository

    repository.invalidate_cache()
    return {"parties": len(parties), "places": len(seen_places), "topics": len(responsibilities["topics"])}
