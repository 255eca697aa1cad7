"""Seeding the role table from seed/: counts, the model's vocabulary, idempotency, schema upgrades, bad files.

Needs nothing outside the project; the cross-check against ../shared/facts is in test_seed_facts.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator

import pytest
import yaml
from sqlalchemy import func, inspect, select, text

from bot import config, db, repository, seed
from bot.models import (
    Guidance,
    Inquiry,
    Party,
    PartyAlias,
    PendingChange,
    Place,
    PlaceAlias,
    PlaceService,
    Region,
    Responsibility,
)
from bot.topics import Confidence, CustomerKind, PartyKind, PlaceStatus, Role, Subtopic, Topic

SEED = yaml.safe_load((config.SEED_DIR / "role_table.yml").read_text(encoding="utf-8"))
RESPONSIBILITIES = yaml.safe_load((config.SEED_DIR / "responsibilities.yml").read_text(encoding="utf-8"))
SEED_PLACES = SEED["places"]
TABLES = (
    Party,
    PartyAlias,
    Place,
    PlaceAlias,
    PlaceService,
    PendingChange,
    Region,
    Guidance,
    Responsibility,
    Inquiry,
)
EXPECTED_COUNTS = {
    "parties": len(SEED["parties"]),
    "places": len(SEED_PLACES),
    "regions": len(SEED["regions"]),
    "topics": len(Topic),
}


def _counts(url: str) -> Dict[str, int]:
    with db.session_factory(url).begin() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def _ids(url: str) -> Dict[str, Dict[str, int]]:
    with db.session_factory(url).begin() as session:
        return {
            "parties": dict(session.execute(select(Party.key, Party.id)).all()),
            "places": dict(session.execute(select(Place.name, Place.id)).all()),
        }


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request) -> Iterator[str]:
    """An empty database on each backend (nothing seeded)."""
    db.reset()
    yield request.getfixturevalue(f"{request.param}_url")
    db.reset()


# --- counts and vocabulary ----------------------------------------------------------------------


def test_seed_creates_expected_row_counts(db_url, table):
    counts = _counts(db_url)
    assert counts["parties"] == EXPECTED_COUNTS["parties"]
    assert counts["places"] == len(SEED_PLACES)
    assert counts["place_services"] == sum(len(p["services"]) for p in SEED_PLACES)
    assert counts["pending_changes"] == sum(1 for p in SEED_PLACES if p.get("pending"))
    assert counts["regions"] == len(SEED["regions"])
    assert counts["inquiries"] == 0
    assert set(table.rules) == {t.value for t in Topic}
    assert set(table.subtopic_rules) == {s.value for s in Subtopic}
    assert len(table.parties) == counts["parties"] and len(table.places) == len(SEED_PLACES)
    kinds = sorted(p.kind for p in table.parties.values() if p.kind not in ("CCA", "UTILITY"))
    assert kinds == ["CAISO", "CPUC", "SCE"]


def test_every_party_place_and_rule_uses_the_shared_vocabulary(shared_table):
    for party in shared_table.parties.values():
        assert PartyKind(party.kind) is not PartyKind.TOPIC
    for place in shared_table.places.values():
        for service in place.services:
            assert PlaceStatus(service.status) is not PlaceStatus.UNKNOWN
            Confidence(service.confidence)
            assert shared_table.parties[service.delivered_by].kind in ("SCE", "UTILITY")
            if service.status in ("cca", "pending_cca"):
                assert shared_table.parties[service.party_key].kind == "CCA"
    rows = [r for rules in (*shared_table.rules.values(), *shared_table.subtopic_rules.values()) for r in rules]
    assert rows
    for row in rows:
        assert isinstance(row.customer, CustomerKind) and isinstance(row.party_kind, PartyKind)
        assert isinstance(row.role, Role)
    # one word per idea: the old spellings are gone from the seed
    assert "pending" not in {r["customer"] for t in RESPONSIBILITIES["topics"].values() for r in t["rules"]}


def test_customer_kind_and_place_status_share_their_words():
    for status in PlaceStatus:
        assert CustomerKind.of(status).value == status.value


def test_responsibility_info_replaces_rule():
    assert hasattr(repository, "ResponsibilityInfo") and not hasattr(repository, "Rule")


def test_needs_city_is_not_a_seeded_column():
    assert "needs_city" not in {c.name for c in Responsibility.__table__.columns}  # type: ignore[attr-defined]
    assert all("needs_city" not in spec for spec in RESPONSIBILITIES["topics"].values())


def test_the_covid_period_and_safety_guidance_are_seeded_with_sources(shared_table):
    period = shared_table.guidance["covid_relief_period"]
    assert (period.valid_from.isoformat(), period.valid_to.isoformat()) == ("2020-03-04", "2021-09-30")
    assert "30 September 2021" in period.text and period.sources
    assert "1-800-798-5723" in shared_table.guidance["covid_help_today"].text
    downed = shared_table.guidance["downed_line"]
    assert "100 feet" in downed.text and any("sce.com" in s for s in downed.sources)
    gas = shared_table.guidance["gas_smell"]
    assert "911" in gas.text and "gas company" in gas.text and gas.sources


def test_sce_has_its_spanish_and_care_lines(shared_table):
    sce = shared_table.parties["sce"]
    assert (sce.spanish_phone, sce.care_phone) == ("1-800-441-2233", "1-800-798-5723")
    assert shared_table.parties["cpuc"].phone == "1-800-649-7570"


# --- idempotency --------------------------------------------------------------------------------


def test_seeding_twice_keeps_counts_and_ids(db_url):
    before_counts, before_ids = _counts(db_url), _ids(db_url)
    assert seed.seed(url=db_url) == EXPECTED_COUNTS
    assert _counts(db_url) == before_counts
    assert _ids(db_url) == before_ids


def test_inquiry_log_survives_reseeding(db_url):
    with db.session_factory(db_url).begin() as session:
        session.add(
            Inquiry(
                conversation_id="conv-1",
                channel="rest",
                topic="generation",
                party="CCA",
                cca="Clean Power Alliance of Southern California",
                place="Santa Monica",
                confidence=1.0,
            )
        )
    seed.seed(url=db_url)
    with db.session_factory(db_url).begin() as session:
        rows = session.scalars(select(Inquiry)).all()
        assert [(r.conversation_id, r.place, r.cca) for r in rows] == [
            ("conv-1", "Santa Monica", "Clean Power Alliance of Southern California")
        ]


def test_reseeding_an_edited_file_updates_rows_in_place(seed_copy, db_url):
    """Re-seeding applies edits by natural key: renamed aliases, dropped places, changed contacts."""
    before = _ids(db_url)

    def edit(data):
        ventura = next(p for p in data["places"] if p["name"] == "Ventura")
        ventura["aliases"] = ["Buenaventura"]
        data["places"] = [p for p in data["places"] if p["name"] != "Stanton"]
        next(p for p in data["parties"] if p["key"] == "lce")["phone"] = "661-000-0000"
        data["regions"] = [r for r in data["regions"] if r["name"] != "Kern County"]
        return data

    seed.seed(seed_dir=seed_copy(edit), url=db_url)
    table = repository.load_role_table(db_url)
    assert table.place_names.get("buenaventura") == "Ventura"
    assert "san buenaventura" not in table.place_names
    assert "Stanton" not in table.places and len(table.places) == len(SEED_PLACES) - 1
    assert table.parties["lce"].phone == "661-000-0000"
    assert "Kern County" not in table.regions
    after = _ids(db_url)
    assert after["parties"] == before["parties"]
    assert after["places"] == {k: v for k, v in before["places"].items() if k != "Stanton"}


def test_a_database_from_the_old_schema_is_rebuilt_and_keeps_its_inquiries(empty_url):
    """A role table created by seed version 1 (no delivering utility) is rebuilt; the inquiry log stays."""
    engine = db.get_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE parties (id INTEGER PRIMARY KEY, key VARCHAR(32), kind VARCHAR(8))"))
        conn.execute(text("INSERT INTO parties (id, key, kind) VALUES (1, 'sce', 'SCE')"))
    seed.create_schema(engine)
    with db.session_factory(empty_url).begin() as session:
        session.add(Inquiry(conversation_id="old", channel="rest", topic="outage"))
    assert seed.seed(url=empty_url) == EXPECTED_COUNTS
    columns = {c["name"] for c in inspect(db.get_engine(empty_url)).get_columns("parties")}
    assert {"spanish_phone", "care_phone", "contact_note"} <= columns
    assert _counts(empty_url)["inquiries"] == 1


# --- bad seed files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda d: {**d, "version": 1}, id="old-version"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "version"}, id="no-version"),
        pytest.param(lambda d: "- just\n- a list\n", id="not-a-mapping"),
    ],
)
def test_bad_seed_file_raises_value_error_before_touching_the_database(seed_copy, empty_url, edit):
    with pytest.raises(ValueError, match="version"):
        seed.seed(seed_dir=seed_copy(edit), url=empty_url)
    assert inspect(db.get_engine(empty_url)).get_table_names() == []


def _extra_topic(d):
    d["topics"]["weather"] = d["topics"]["outage"]
    return d


def _unknown_subtopic(d):
    d["topics"]["outage"]["subtopics"]["tree_trimming"] = {"function": "x", "rules": []}
    return d


def _old_customer_word(d):
    d["topics"]["enrollment"]["rules"][1]["customer"] = "pending"
    return d


@pytest.mark.parametrize(
    "edit,message",
    [
        pytest.param(_extra_topic, "weather", id="topic"),
        pytest.param(_unknown_subtopic, "tree_trimming", id="subtopic"),
        pytest.param(_old_customer_word, "pending", id="old-customer-word"),
    ],
)
def test_bad_responsibilities_raise_before_touching_the_database(seed_copy, empty_url, edit, message):
    with pytest.raises(ValueError, match=message):
        seed.seed(seed_dir=seed_copy(edit_responsibilities=edit), url=empty_url)
    assert inspect(db.get_engine(empty_url)).get_table_names() == []


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("party", "no_such_cca", "no_such_cca"),
        ("delivered_by", "no_such_utility", "no_such_utility"),
        ("delivered_by", "cpa", "not an electric utility"),
        ("status", "outside", "outside"),
        ("confidence", "likely", "likely"),
    ],
)
def test_bad_place_service_raises_and_rolls_back(seed_copy, empty_url, field, value, message):
    def edit(data):
        data["places"][0]["services"][0][field] = value
        return data

    with pytest.raises(ValueError, match=message):
        seed.seed(seed_dir=seed_copy(edit), url=empty_url)
    counts = _counts(empty_url)
    assert counts["parties"] == 0 and counts["places"] == 0 and counts["responsibilities"] == 0


def test_a_mixed_place_without_its_clause_is_refused(seed_copy, empty_url):
    def edit(data):
        corona = next(p for p in data["places"] if p["name"] == "Corona")
        del corona["services"][0]["delivery_note"]
        return data

    with pytest.raises(ValueError, match="delivery_note"):
        seed.seed(seed_dir=seed_copy(edit), url=empty_url)


def test_seed_dir_is_outside_data(tmp_path: Path):
    # Rasa reads every YAML under data/ as training data: the seed must not live there.
    assert config.SEED_DIR.name == "seed" and "data" not in config.SEED_DIR.parts[-2:]
