"""Resolving what a customer typed to a place (and its service status) or to a CCA."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot import db
from bot.models import Place
from bot.places import resolve_cca, resolve_place

CPA = "Clean Power Alliance of Southern California"
OCPA = "Orange County Power Authority"
WCE = "Western Community Energy"
THREE_CE = "Central Coast Community Energy"


def _cca_name(table, match) -> str | None:
    key = match.service.party_key if match.service else None
    return table.parties[key].name if key else None


# --- finding the place --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        # exact, case- and accent-insensitive
        ("Santa Monica", "Santa Monica"),
        ("SANTA MONICA", "Santa Monica"),
        ("  santa monica  ", "Santa Monica"),
        ("La Cañada Flintridge", "La Cañada Flintridge"),
        ("la canada flintridge", "La Cañada Flintridge"),
        ("Cañada Flintridge", "La Cañada Flintridge"),
        ("LA CAÑADA-FLINTRIDGE", "La Cañada Flintridge"),
        # aliases
        ("San Buenaventura", "Ventura"),
        ("City of Ventura", "Ventura"),
        ("Town of Apple Valley", "Apple Valley"),
        ("WeHo", "West Hollywood"),
        ("City of Isla Vista", "Isla Vista"),
        ("LA", "Los Angeles"),
        ("L.A.", "Los Angeles"),
        # a known name inside a phrase
        ("I live in Irvine", "Irvine"),
        ("we're in Huntington Beach, near the pier", "Huntington Beach"),
        ("my house is in unincorporated Ventura County", "Unincorporated Ventura County"),
        ("I live in LA", "Los Angeles"),
        # misspellings
        ("santa monca", "Santa Monica"),
        ("fullertn", "Fullerton"),
        ("Irvin", "Irvine"),
        ("I live in Lancastr", "Lancaster"),
        # near neighbours stay apart
        ("santa ana", "Santa Ana"),
        ("santa paula", "Santa Paula"),
        ("Palm Desert", "Palm Desert"),
        ("Palm Springs", "Palm Springs"),
        ("Pasadena", "Pasadena"),
        ("South Pasadena", "South Pasadena"),
    ],
)
def test_resolve_place_finds_the_canonical_place(shared_table, text, expected):
    match = resolve_place(text, table=shared_table)
    assert match.known, f"{text!r} not resolved (suggestions {match.suggestions})"
    assert match.place.name == expected
    assert 0.0 < match.confidence <= 1.0


def test_exact_match_is_more_confident_than_a_phrase_or_a_misspelling(shared_table):
    exact = resolve_place("Irvine", table=shared_table).confidence
    phrase = resolve_place("I live in Irvine", table=shared_table).confidence
    fuzzy = resolve_place("Irvin", table=shared_table).confidence
    assert exact == 1.0 and exact > phrase > fuzzy


@pytest.mark.parametrize("text", ["la", "hb", "oc", "I live in la la land"])
def test_short_aliases_only_count_in_capitals(shared_table, text):
    assert not resolve_place(text, table=shared_table).known


# --- status by place type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,status,provider",
    [
        # CPA, many cities and two counties
        ("Santa Monica", "cca", CPA),
        ("Thousand Oaks", "cca", CPA),
        ("Unincorporated Los Angeles County", "cca", CPA),
        # single-city CCAs
        ("Lancaster", "cca", "Lancaster Choice Energy"),
        ("Pomona", "cca", "Pomona Choice Energy"),
        ("Palm Springs", "cca", "Desert Community Energy"),
        ("Rancho Mirage", "cca", "Rancho Mirage Energy Authority"),
        ("Santa Barbara", "cca", "Santa Barbara Clean Energy"),
        ("Pico Rivera", "cca", "Pico Rivera Innovative Municipal Energy"),
        ("San Jacinto", "cca", "San Jacinto Power"),
        ("Apple Valley", "cca", "Apple Valley Choice Energy"),
        ("Palmdale", "cca", "Energy for Palmdale's Independent Choice"),
        ("Baldwin Park", "cca", "Baldwin Park Resident Owned Utility District"),
        # OCPA members and former members
        ("Irvine", "cca", OCPA),
        ("Fullerton", "cca", OCPA),
        ("Buena Park", "cca", OCPA),
        ("Huntington Beach", "bundled", "Southern California Edison"),
        ("Lake Forest", "bundled", "Southern California Edison"),
        # Western Community Energy's former cities
        ("Norco", "bundled", "Southern California Edison"),
        ("Perris", "bundled", "Southern California Edison"),
        ("Hemet", "bundled", "Southern California Edison"),
        ("Eastvale", "bundled", "Southern California Edison"),
        ("Jurupa Valley", "bundled", "Southern California Edison"),
        ("Wildomar", "bundled", "Southern California Edison"),
        # never in a CCA
        ("Long Beach", "bundled", "Southern California Edison"),
        ("Palm Desert", "bundled", "Southern California Edison"),
        # approved to join, not yet served
        ("Fountain Valley", "pending_cca", OCPA),
        ("Fillmore", "pending_cca", CPA),
        # unincorporated communities
        ("Isla Vista", "cca", THREE_CE),
        ("Montecito", "cca", THREE_CE),
        ("unincorporated Ventura County", "cca", CPA),
        ("Coto de Caza", "bundled", "Southern California Edison"),
        # not SCE territory
        ("Los Angeles", "other_utility", None),
        ("Pasadena", "other_utility", None),
        ("Burbank", "other_utility", None),
        ("Glendale", "other_utility", None),
        ("Riverside", "other_utility", None),
    ],
)
def test_place_status_today(shared_table, text, status, provider):
    match = resolve_place(text, table=shared_table)
    assert (match.status, _cca_name(shared_table, match)) == (status, provider)


@pytest.mark.parametrize("city", ["Los Angeles", "Pasadena", "Burbank", "Glendale", "Riverside"])
def test_non_sce_city_names_its_own_utility(shared_table, city):
    match = resolve_place(city, table=shared_table)
    assert match.service.utility and city in match.service.utility


@pytest.mark.parametrize(
    "text,on,status,provider",
    [
        ("Huntington Beach", dt.date(2023, 1, 1), "cca", OCPA),
        ("Huntington Beach", dt.date(2024, 6, 30), "cca", OCPA),
        ("Huntington Beach", dt.date(2024, 7, 1), "bundled", "Southern California Edison"),
        ("Norco", dt.date(2021, 1, 1), "cca", WCE),
        ("Perris", dt.date(2021, 1, 1), "cca", WCE),
        ("Hemet", dt.date(2021, 1, 1), "cca", WCE),
        ("Norco", dt.date(2021, 6, 15), "bundled", "Southern California Edison"),
        ("Hermosa Beach", dt.date(2024, 2, 1), "unknown", None),
        ("Hermosa Beach", dt.date(2024, 3, 1), "cca", CPA),
    ],
)
def test_place_status_on_a_date(shared_table, text, on, status, provider):
    match = resolve_place(text, on=on, table=shared_table)
    assert (match.status, _cca_name(shared_table, match)) == (status, provider)


# --- unknown and hostile input ------------------------------------------------------------------

HOSTILE = [
    pytest.param("", id="empty"),
    pytest.param("   \t\n ", id="whitespace"),
    pytest.param("x" * 10_240, id="10KB"),
    pytest.param("Irvine " * 1500, id="10KB-of-a-real-city"),
    pytest.param("'; DROP TABLE places;--", id="sql-injection"),
    pytest.param("Robert'); DELETE FROM places WHERE ('1'='1", id="sql-injection-2"),
    pytest.param("{{7*7}}", id="template"),
    pytest.param("${jndi:ldap://example.com/a}", id="jndi"),
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("\x00", id="nul"),
    pytest.param("abc\x00def", id="embedded-nul"),
    pytest.param("\x01\x02\x1b[2J\x7f", id="control-chars"),
    pytest.param("⚡🏠🔌", id="emoji"),
    pytest.param("مدينة الملائكة", id="rtl-arabic"),
    pytest.param("\u202eenivrI", id="rtl-override"),
    pytest.param("עיר", id="rtl-hebrew"),
    pytest.param("%s%s%s%n", id="format-string"),
    pytest.param("../../etc/passwd", id="path"),
]


@pytest.mark.parametrize("text", ["Springfield", "Atlantis", "Gotham City", "Narnia", "Metropolis"])
def test_unknown_place_is_reported_not_guessed(shared_table, text):
    match = resolve_place(text, table=shared_table)
    assert match.place is None
    assert (match.status, match.confidence, match.problem) == ("unknown", 0.0, "not_found")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_unknown_without_error(shared_table, text):
    match = resolve_place(text, table=shared_table)
    assert match.place is None and match.status == "unknown" and match.confidence == 0.0
    assert match.problem in {"empty", "too_long", "not_found"}
    assert len(match.query) <= 201  # long input is never carried around whole
    assert resolve_cca(text, table=shared_table) is None


@pytest.mark.parametrize(
    "text,problem", [("", "empty"), ("  ", "empty"), pytest.param("x" * 10_240, "too_long", id="10KB")]
)
def test_problem_says_why_nothing_was_found(shared_table, text, problem):
    assert resolve_place(text, table=shared_table).problem == problem


def test_hostile_input_through_the_database_leaves_the_places_table_intact(db_url):
    """Without an explicit table the resolver reads the live role table (DATABASE_URL)."""
    with db.session_factory(db_url).begin() as session:
        before = session.scalar(select(func.count()).select_from(Place))
    for param in HOSTILE:
        (text,) = param.values
        assert not resolve_place(text).known
        assert resolve_cca(text) is None
    db.reset()
    with db.session_factory(db_url).begin() as session:
        assert session.scalar(select(func.count()).select_from(Place)) == before > 0
        assert session.scalar(select(Place.name).where(Place.name == "Irvine")) == "Irvine"
    assert resolve_place("Irvine").status == "cca"


@pytest.mark.parametrize(
    "text,suggested",
    [
        ("Huntingdon Park", "Huntington Beach"),
        ("Desert Hot Springs", "Palm Springs"),
        ("North Hollywood", "West Hollywood"),
    ],
)
def test_near_miss_comes_with_suggestions_but_no_answer(shared_table, text, suggested):
    match = resolve_place(text, table=shared_table)
    assert not match.known and match.status == "unknown" and match.confidence == 0.0
    assert suggested in match.suggestions


@pytest.mark.parametrize(
    "text,not_this",
    [
        ("unincorporated Riverside County", "Riverside"),  # SCE territory, resolved as Riverside Public Utilities
        ("Riverside County", "Riverside"),
        ("Santa Barbara County", "Santa Barbara"),  # county areas are 3CE, the city is SBCE
        ("East Los Angeles", "Los Angeles"),  # unincorporated LA County (SCE), resolved as the City of LA
        ("East Pasadena", "Pasadena"),  # unincorporated LA County (SCE), resolved as Pasadena
    ],
)
def test_a_different_place_containing_a_city_name_is_not_taken_for_that_city(shared_table, text, not_this):
    match = resolve_place(text, table=shared_table)
    assert match.place is None or match.place.name != not_this


# --- CCAs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("OCPA", OCPA),
        ("ocpa", OCPA),
        ("Orange County Power Authority", OCPA),
        ("OC Power", OCPA),
        ("clean power alliance", CPA),
        ("Clean Power Alliance of Southern California", CPA),
        ("CPA", CPA),
        ("3CE", THREE_CE),
        ("Monterey Bay Community Power", THREE_CE),
        ("Lancaster Energy", "Lancaster Choice Energy"),
        ("LCE", "Lancaster Choice Energy"),
        ("Desert Community Energy", "Desert Community Energy"),
        ("Pomona Choice Energy", "Pomona Choice Energy"),
        ("PRIME", "Pico Rivera Innovative Municipal Energy"),
        ("Pico Rivera Innovation Municipal Energy", "Pico Rivera Innovative Municipal Energy"),
        ("Western Community Energy", WCE),
        ("I'm a customer of Clean Power Alliance", CPA),
        ("Santa Barbra Clean Energy", "Santa Barbara Clean Energy"),
    ],
)
def test_resolve_cca(shared_table, text, expected):
    party = resolve_cca(text, table=shared_table)
    assert party is not None and party.name == expected and party.kind == "CCA"


@pytest.mark.parametrize(
    "text",
    [
        "Southern California Edison", "SCE", "CAISO", "CPUC", "Irvine", "Acme Power", "",
        pytest.param("x" * 10_240, id="10KB"),
    ],
)
def test_resolve_cca_rejects_non_ccas(shared_table, text):
    assert resolve_cca(text, table=shared_table) is None
