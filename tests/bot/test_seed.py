"""Seeding the role table from seed, checked against the compiled facts (roster.yml)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml
from sqlalchemy import func, inspect, select

from bot import config, db, repository, seed
from bot.models import Inquiry, Party, PartyAlias, Place, PlaceAlias, PlaceService, Responsibility

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


FACTS_DIR = Path(os.environ.get("FACTS_DIR", config.PROJECT_ROOT.parent / "shared" / "facts"))
ROSTER_PATH = FACTS_DIR / "roster.yml"
if not ROSTER_PATH.exists():
    pytest.skip(f"facts file {ROSTER_PATH} not found (set FACTS_DIR)", allow_module_level=True)
ROSTER = _load(ROSTER_PATH)
AS_OF = dt.date.fromisoformat(str(ROSTER["as_of"]))
SEED_PLACES = _load(config.SEED_DIR / "role_table.yml")["places"]

TOPICS = {"billing", "outage", "generation", "covid_relief", "enrollment", "transmission", "become_cca"}
TABLES = (Party, PartyAlias, Place, PlaceAlias, PlaceService, Responsibility, Inquiry)


def _city(name: str) -> str:
    """'Apple Valley (Town of)' -> 'Apple Valley'."""
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


def _expected_places() -> List[Tuple[str, str, str | None]]:
    """(place, status on the roster's as_of date, party key) for every place the roster names."""
    out: Dict[str, Tuple[str, str | None]] = {}
    for cca in ROSTER["ccas"]:
        for name in [*cca.get("member_cities", []), *cca.get("unincorporated_areas", [])]:
            out[_city(name)] = ("cca", cca["id"])
        for name in cca.get("former_member_cities", []) or []:
            out[_city(name)] = ("bundled", "sce")
    for row in ROSTER["bundled_cities"]:
        if row["status"] == "bundled_sce_pending_cca":
            out[row["name"]] = ("pending_cca", row["pending_cca"])
        else:
            out[row["name"]] = ("bundled", "sce")
    sce = next(p for p in ROSTER["parties"] if p["id"] == "sce")
    for item in sce["not_sce_served_examples"]["items"]:
        if "(" not in item["name"]:  # "Rancho Mirage (IID portion only)" is part of a CCA city
            out[item["name"]] = ("other_utility", None)
    return [(name, status, party) for name, (status, party) in sorted(out.items())]


def _counts(url: str) -> Dict[str, int]:
    with db.session_factory(url).begin() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def _ids(url: str) -> Dict[str, Dict[str, int]]:
    with db.session_factory(url).begin() as session:
        return {
            "parties": dict(session.execute(select(Party.key, Party.id)).all()),
            "places": dict(session.execute(select(Place.name, Place.id)).all()),
        }


def _seed_copy(tmp_path: Path, edit) -> Path:
    """A copy of seed with role_table.yml passed through ``edit(dict) -> dict | str``."""
    target = tmp_path / "seed"
    shutil.copytree(config.SEED_DIR, target)
    edited = edit(_load(target / "role_table.yml"))
    text = edited if isinstance(edited, str) else yaml.dump(edited, Dumper=_Dumper, allow_unicode=True)
    (target / "role_table.yml").write_text(text, encoding="utf-8")
    return target


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request) -> str:
    """An empty database on each backend (nothing seeded)."""
    db.reset()
    yield request.getfixturevalue(f"{request.param}_url")
    db.reset()


# --- counts and facts ---------------------------------------------------------------------------


def test_seed_creates_expected_row_counts(db_url, table):
    counts = _counts(db_url)
    assert counts["parties"] == 17
    assert counts["places"] == len(SEED_PLACES)
    assert counts["place_services"] == sum(len(p["services"]) for p in SEED_PLACES)
    assert counts["inquiries"] == 0
    assert set(table.rules) == TOPICS
    assert len(table.parties) == 17 and len(table.places) == len(SEED_PLACES)
    assert sorted(p.kind for p in table.parties.values() if p.kind != "CCA") == ["CAISO", "CPUC", "SCE"]


@pytest.mark.parametrize("cca", ROSTER["ccas"], ids=[c["id"] for c in ROSTER["ccas"]])
def test_every_roster_cca_is_seeded_with_its_contacts(shared_table, cca):
    party = shared_table.parties.get(cca["id"])
    assert party is not None, f"{cca['name']} missing from the role table"
    assert party.kind == "CCA"
    assert party.name == cca["name"]
    assert party.phone == cca.get("phone")
    assert party.website == cca.get("website")
    assert party.email == cca.get("email")
    assert party.status == cca["status"]


def test_sce_cpuc_and_caiso_contacts_match_the_facts(shared_table):
    facts = {p["id"]: p for p in ROSTER["parties"]}
    sce, cpuc, caiso = (shared_table.parties[k] for k in ("sce", "cpuc", "caiso"))
    assert (sce.phone, sce.outage_phone, sce.website) == (
        facts["sce"]["customer_service_phone"], facts["sce"]["outage_and_emergency_phone"], facts["sce"]["website"]
    )
    assert (cpuc.phone, cpuc.website) == (facts["cpuc"]["consumer_affairs_branch"]["phone"], facts["cpuc"]["website"])
    assert (caiso.phone, caiso.website) == (facts["caiso"]["public_phone"], facts["caiso"]["website"])


@pytest.mark.parametrize("name,status,party", _expected_places(), ids=[p[0] for p in _expected_places()])
def test_every_roster_place_is_seeded_with_its_service(shared_table, name, status, party):
    place = shared_table.places.get(name)
    assert place is not None, f"{name} missing from the places table"
    service = place.service_on(AS_OF)
    assert service is not None, f"{name} has no service on {AS_OF}"
    assert (service.status, service.party_key) == (status, party)


@pytest.mark.parametrize(
    "name",
    sorted({m["name"] for c in ROSTER["ccas"] for m in c.get("pending_members", [])}),
)
def test_roster_pending_members_are_places(shared_table, name):
    assert name in shared_table.places


# --- idempotency --------------------------------------------------------------------------------


def test_seeding_twice_keeps_counts_and_ids(db_url):
    before_counts, before_ids = _counts(db_url), _ids(db_url)
    assert seed.seed(url=db_url) == {"parties": 17, "places": len(SEED_PLACES), "topics": 7}
    assert _counts(db_url) == before_counts
    assert _ids(db_url) == before_ids


def test_inquiry_log_survives_reseeding(db_url):
    with db.session_factory(db_url).begin() as session:
        session.add(Inquiry(conversation_id="conv-1", channel="rest", topic="generation", party="CCA",
                            cca="Clean Power Alliance of Southern California", place="Santa Monica", confidence=1.0))
    seed.seed(url=db_url)
    with db.session_factory(db_url).begin() as session:
        rows = session.scalars(select(Inquiry)).all()
        assert [(r.conversation_id, r.place, r.cca) for r in rows] == [
            ("conv-1", "Santa Monica", "Clean Power Alliance of Southern California")
        ]


def test_reseeding_an_edited_file_updates_rows_in_place(tmp_path, db_url):
    """Re-seeding applies edits by natural key: renamed aliases, dropped places, changed contacts."""
    before = _ids(db_url)

    def edit(data):
        ventura = next(p for p in data["places"] if p["name"] == "Ventura")
        ventura["aliases"] = ["Buenaventura"]
        data["places"] = [p for p in data["places"] if p["name"] != "Stanton"]
        next(p for p in data["parties"] if p["key"] == "lce")["phone"] = "661-000-0000"
        return data

    seed.seed(seed_dir=_seed_copy(tmp_path, edit), url=db_url)
    table = repository.load_role_table(db_url)
    assert table.place_names.get("buenaventura") == "Ventura"
    assert "san buenaventura" not in table.place_names
    assert "Stanton" not in table.places and len(table.places) == len(SEED_PLACES) - 1
    assert table.parties["lce"].phone == "661-000-0000"
    after = _ids(db_url)
    assert after["parties"] == before["parties"]
    assert after["places"] == {k: v for k, v in before["places"].items() if k != "Stanton"}


# --- bad seed files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda d: {**d, "version": 2}, id="wrong-version"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "version"}, id="no-version"),
        pytest.param(lambda d: "- just\n- a list\n", id="not-a-mapping"),
    ],
)
def test_bad_seed_file_raises_value_error_before_touching_the_database(tmp_path, empty_url, edit):
    bad = _seed_copy(tmp_path, edit)
    with pytest.raises(ValueError, match="version"):
        seed.seed(seed_dir=bad, url=empty_url)
    assert inspect(db.get_engine(empty_url)).get_table_names() == []


def test_place_naming_an_unknown_party_raises_and_rolls_back(tmp_path, empty_url):
    def edit(data):
        data["places"][0]["services"][0]["party"] = "no_such_cca"
        return data

    with pytest.raises(ValueError, match="no_such_cca"):
        seed.seed(seed_dir=_seed_copy(tmp_path, edit), url=empty_url)
    counts = _counts(empty_url)
    assert counts["parties"] == 0 and counts["places"] == 0 and counts["responsibilities"] == 0
