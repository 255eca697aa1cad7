"""The role-table EntityRuler: city and cca entities with canonical values, as the NLU pipeline sees them."""

from __future__ import annotations

from typing import List, Tuple

import pytest

from bot.nlu.gazetteer import CCA, CITY, build_patterns, build_ruler, extract

OCPA = "Orange County Power Authority"
CPA = "Clean Power Alliance of Southern California"


@pytest.fixture(scope="module")
def patterns(shared_table):
    return build_patterns(shared_table)


@pytest.fixture(scope="module")
def nlp(patterns):
    return build_ruler(patterns)


def entities(nlp, text: str) -> List[Tuple[str, str]]:
    found = extract(nlp, text)
    for ent in found:  # offsets point at what the customer typed
        assert 0 <= ent["start"] < ent["end"] <= len(text)
        assert text[ent["start"] : ent["end"]].strip() == text[ent["start"] : ent["end"]]
        assert 0.0 < ent["confidence_entity"] <= 1.0
    return [(ent["entity"], ent["value"]) for ent in found]


def test_patterns_cover_every_place_and_cca(shared_table, patterns):
    ids = {(p["label"], p["id"]) for p in patterns}
    assert {(CITY, name) for name in shared_table.places} <= ids
    assert {(CITY, name) for name in shared_table.regions} <= ids
    assert {(CCA, party.name) for party in shared_table.ccas} <= ids
    assert not any(
        p["id"] in ("Southern California Edison", "California Public Utilities Commission") for p in patterns
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I live in Santa Monica", [(CITY, "Santa Monica")]),
        ("i live in santa monica", [(CITY, "Santa Monica")]),
        ("I live in santa monca", [(CITY, "Santa Monica")]),
        ("we're in Fullertn", [(CITY, "Fullerton")]),
        ("La Cañada Flintridge", [(CITY, "La Cañada Flintridge")]),
        ("my address is in la canada flintridge", [(CITY, "La Cañada Flintridge")]),
        ("I live in San Buenaventura", [(CITY, "Ventura")]),
        ("I moved to WeHo last year", [(CITY, "West Hollywood")]),
        ("I live in LA", [(CITY, "Los Angeles")]),
        ("who handles outages in L.A.?", [(CITY, "Los Angeles")]),
        ("Irvine and Fullerton", [(CITY, "Irvine"), (CITY, "Fullerton")]),
        ("I live in Pomona", [(CITY, "Pomona")]),
        ("I live in unincorporated Ventura County", [(CITY, "Unincorporated Ventura County")]),
    ],
)
def test_city_entities_have_canonical_values(nlp, text, expected):
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vivo en la ciudad de la playa",
        "la factura de la luz es muy alta",
        "tra la la",
        "my bill is too high",
        "is the power out?",
        "who runs the transmission grid",
        "",
        "   ",
        pytest.param("x" * 10_000, id="10KB"),
    ],
)
def test_no_entities_in_text_without_a_place(nlp, text):
    assert entities(nlp, text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("My CCA is OCPA", [(CCA, OCPA)]),
        ("I got a letter from Orange County Power Authority", [(CCA, OCPA)]),
        ("I'm with Clean Power Alliance", [(CCA, CPA)]),
        ("3CE sent me a notice", [(CCA, "Central Coast Community Energy")]),
        ("I'm with Lancaster Energy", [(CCA, "Lancaster Choice Energy")]),
        ("opt out of Desert Community Energy", [(CCA, "Desert Community Energy")]),
    ],
)
def test_cca_entities_have_canonical_values(nlp, text, expected):
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("I'm with Pomona Choice Energy", [(CCA, "Pomona Choice Energy")]),
        ("Orange County Power Authority sent me a letter", [(CCA, OCPA)]),
        ("Santa Barbara Clean Energy", [(CCA, "Santa Barbara Clean Energy")]),
        ("Apple Valley Choice Energy", [(CCA, "Apple Valley Choice Energy")]),
        ("I live in Orange County", [(CITY, "Orange County")]),  # a region: the form asks which city
        ("I live in unincorporated Orange County", [(CITY, "Unincorporated Orange County")]),
        ("I live in North Hollywood", [(CITY, "North Hollywood")]),
        ("I live in West Hollywood", [(CITY, "West Hollywood")]),
        ("Westlake Village", [(CITY, "Westlake Village")]),
        ("I live in South Pasadena", [(CITY, "South Pasadena")]),
        ("Pomona Choice Energy serves Pomona", [(CCA, "Pomona Choice Energy"), (CITY, "Pomona")]),
    ],
)
def test_longest_match_wins(nlp, text, expected):
    assert entities(nlp, text) == expected


def test_offsets_point_at_the_original_accented_text(nlp):
    text = "vivo en La Cañada Flintridge"
    (ent,) = extract(nlp, text)
    assert text[ent["start"] : ent["end"]] == "La Cañada Flintridge"


@pytest.mark.parametrize(
    "text",
    [
        "a downed line is sparking in my backyard",  # data/nlu/outage.yml
        "carbon free electricity",  # data/nlu/generation.yml
        "we started a joint venture",
    ],
)
def test_everyday_words_are_not_misread_as_cities(nlp, text):
    assert entities(nlp, text) == []


@pytest.mark.parametrize(
    "text,bare",
    [
        ("Menifee", True),
        ("I'm in Irvine", True),
        ("santa monca, CA", True),
        ("we live in unincorporated Ventura County", True),
        ("Central Coast Community Energy", True),
        ("zip code 93101 in Santa Barbara", True),
        ("outage in Isla Vista", False),
        ("how do I opt out of OCPA", False),
        ("is it going to rain in Ventura", False),
        ("no place here at all", False),
    ],
)
def test_bare_entity_answers_are_recognised(nlp, text, bare):
    from bot.nlu.gazetteer import is_bare_entity_answer

    assert is_bare_entity_answer(text, extract(nlp, text)) is bare


@pytest.mark.parametrize(
    "text,expected",
    [
        ("power is out in Orcutt", [(CITY, "Orcutt")]),
        ("I live in Altadena", [(CITY, "Altadena")]),
        ("we're in Big Bear Lake", [(CITY, "Big Bear Lake")]),
        ("I'm in Watts", [(CITY, "Watts")]),
        ("I live in Orange", [(CITY, "Orange")]),
        ("my house is in Idyllwild", [(CITY, "Idyllwild-Pine Cove")]),
        ("I live in unincorporated Riverside County", [(CITY, "Riverside County")]),
        ("LA County", [(CITY, "Los Angeles County")]),
    ],
)
def test_new_places_and_regions_are_found(nlp, text, expected):
    assert entities(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "how many watts does my fridge use",
        "is there help during corona",
        "the orange light on my meter is blinking",
        "they are banning gas stoves",
        "is that paramount to safety",
    ],
)
def test_place_names_that_are_everyday_words_need_a_capital(nlp, text):
    assert entities(nlp, text) == []


def test_every_place_region_and_alias_is_found_by_the_ruler(shared_table, nlp):
    from bot.text import normalize

    missed = []
    entries = [(p.name, a) for p in shared_table.places.values() for a in (p.name, *p.aliases)]
    entries += [(r.name, a) for r in shared_table.regions.values() for a in (r.name, *r.aliases)]
    for name, alias in entries:
        if len(normalize(alias).replace(" ", "")) <= 3 and not alias.isupper():
            continue  # a short alias in lower case is never a pattern ("la")
        if (CITY, name) not in entities(nlp, f"I live in {alias}"):
            missed.append(alias)
    assert missed == []


def test_a_rate_plan_code_is_not_a_cca(nlp):
    assert entities(nlp, "what is the TOU-D-PRIME rate plan") == []
    assert entities(nlp, "I'm with PRIME") == [(CCA, "Pico Rivera Innovative Municipal Energy")]
