"""Who answers each topic, by the customer's place (or CCA), and what the reply tells them."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest

from bot.replies import render
from bot.routing import route
from bot.topics import TOPIC_NAMES

CPA = "Clean Power Alliance of Southern California"
OCPA = "Orange County Power Authority"
SCE = "Southern California Edison"


class Case(NamedTuple):
    place: str | None
    kind: str  # cca | bundled | former | pending | outside | none
    cca: str | None = None  # the place's CCA (cca) or the CCA it is joining (pending)


PLACES = [
    Case("Santa Monica", "cca", CPA),
    Case("Thousand Oaks", "cca", CPA),
    Case("Irvine", "cca", OCPA),
    Case("Fullerton", "cca", OCPA),
    Case("Lancaster", "cca", "Lancaster Choice Energy"),
    Case("Pomona", "cca", "Pomona Choice Energy"),
    Case("Palm Springs", "cca", "Desert Community Energy"),
    Case("Rancho Mirage", "cca", "Rancho Mirage Energy Authority"),
    Case("Santa Barbara", "cca", "Santa Barbara Clean Energy"),
    Case("Pico Rivera", "cca", "Pico Rivera Innovative Municipal Energy"),
    Case("San Jacinto", "cca", "San Jacinto Power"),
    Case("Apple Valley", "cca", "Apple Valley Choice Energy"),
    Case("Palmdale", "cca", "Energy for Palmdale's Independent Choice"),
    Case("Baldwin Park", "cca", "Baldwin Park Resident Owned Utility District"),
    Case("Isla Vista", "cca", "Central Coast Community Energy"),
    Case("unincorporated Ventura County", "cca", CPA),
    Case("Long Beach", "bundled"),
    Case("Lake Forest", "bundled"),
    Case("Huntington Beach", "former"),
    Case("Norco", "former"),
    Case("Hemet", "former"),
    Case("Fountain Valley", "pending", OCPA),
    Case("Fillmore", "pending", CPA),
    Case("Pasadena", "outside"),
    Case("Los Angeles", "outside"),
    Case("Riverside", "outside"),
    Case(None, "none"),
]


class Expected(NamedTuple):
    party: str | None  # SCE | CCA | CAISO | CPUC | None
    name: str | None  # the primary party's name
    secondary: str | None = None  # the secondary party's name
    needs_city: bool = False


def expected(topic: str, case: Case) -> Expected:
    if case.kind == "outside":
        return Expected(None, None)
    served_by_sce = case.kind in ("bundled", "former", "pending")
    if topic == "billing":
        return Expected("SCE", SCE, case.cca if case.kind == "cca" else None)
    if topic in ("outage", "covid_relief"):
        return Expected("SCE", SCE)
    if topic == "generation":
        if case.kind == "none":
            return Expected(None, None, needs_city=True)
        return Expected("SCE", SCE) if served_by_sce else Expected("CCA", case.cca)
    if topic == "enrollment":
        if case.kind == "none":
            return Expected(None, None, needs_city=True)
        return Expected("CCA", case.cca) if case.kind in ("cca", "pending") else Expected("SCE", SCE)
    if topic == "transmission":
        return Expected("CAISO", "California Independent System Operator", SCE)
    if topic == "become_cca":
        return Expected("CPUC", "California Public Utilities Commission")
    raise AssertionError(topic)


MATRIX = [
    pytest.param(topic, case, id=f"{topic}-{case.place or 'no-place'}") for topic in TOPIC_NAMES for case in PLACES
]


def test_all_seven_topics_are_covered():
    assert set(TOPIC_NAMES) == {
        "billing", "outage", "generation", "covid_relief", "enrollment", "transmission", "become_cca"
    }


@pytest.mark.parametrize("topic,case", MATRIX)
def test_routing_matrix(shared_table, topic, case):
    routing = route(topic, place=case.place, table=shared_table)
    want = expected(topic, case)
    got = Expected(
        routing.party_kind,
        routing.primary.party.name if routing.primary and routing.primary.party else None,
        routing.secondary.party.name if routing.secondary and routing.secondary.party else None,
        routing.needs_city,
    )
    assert got == want
    assert routing.historical is (topic == "covid_relief")
    if routing.primary is not None:
        assert routing.primary.reason and routing.primary.source
    if case.kind == "outside":
        assert routing.customer == "outside" and routing.secondary is None


@pytest.mark.parametrize("topic", TOPIC_NAMES)
@pytest.mark.parametrize("city", ["Pasadena", "Los Angeles", "Burbank", "Glendale", "Riverside"])
def test_non_sce_city_reply_says_not_served_by_sce(shared_table, topic, city):
    routing = route(topic, place=city, table=shared_table)
    assert routing.party_kind is None and routing.primary is None
    reply = render(routing)
    assert f"{city} is not served by SCE" in reply
    assert routing.outside_utility and routing.outside_utility in reply
    assert SCE not in reply and "1-800-655-4555" not in reply


@pytest.mark.parametrize("place", ["Irvine", "Norco", None])
def test_covid_relief_is_historical_and_the_reply_says_so(shared_table, place):
    routing = route("covid_relief", place=place, table=shared_table)
    assert routing.historical is True and routing.party_kind == "SCE"
    reply = render(routing)
    assert "temporary" in reply and "2020" in reply and "not current" in reply
    assert "1-800-655-4555" in reply


@pytest.mark.parametrize("topic", ["generation", "enrollment"])
@pytest.mark.parametrize("place", [None, "Springfield"])
def test_generation_without_a_known_city_explains_both_cases(shared_table, topic, place):
    routing = route(topic, place=place, table=shared_table)
    assert routing.needs_city is True and routing.party_kind is None
    assert {kind for kind, _ in routing.alternatives} == {"cca", "bundled"}
    reply = render(routing)
    assert "If your city is in a CCA" in reply and "If it is not" in reply
    assert SCE in reply and "1-800-655-4555" in reply


@pytest.mark.parametrize("place", ["Huntington Beach", "Norco", "Fountain Valley"])
def test_bundled_and_pending_billing_has_no_cca_party(shared_table, place):
    routing = route("billing", place=place, table=shared_table)
    assert routing.party_kind == "SCE" and routing.secondary is None


# --- by CCA, by date, bad topics ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cca,name",
    [
        ("Desert Community Energy", "Desert Community Energy"),
        ("LCE", "Lancaster Choice Energy"),
        ("OCPA", OCPA),
        ("clean power alliance", CPA),
    ],
)
@pytest.mark.parametrize("topic", ["generation", "enrollment"])
def test_route_by_cca(shared_table, topic, cca, name):
    routing = route(topic, cca=cca, table=shared_table)
    assert routing.customer == "cca" and routing.party_kind == "CCA"
    assert routing.primary.party.name == name and routing.cca.name == name


def test_billing_by_cca_names_the_cca_as_secondary(shared_table):
    routing = route("billing", cca="Desert Community Energy", table=shared_table)
    assert routing.party_kind == "SCE" and routing.secondary.party.name == "Desert Community Energy"


@pytest.mark.parametrize("topic,party", [("generation", "SCE"), ("enrollment", "SCE"), ("billing", "SCE")])
@pytest.mark.parametrize("cca", ["Western Community Energy", "WCE"])
def test_dissolved_cca_routes_to_sce_with_a_note(shared_table, topic, party, cca):
    routing = route(topic, cca=cca, table=shared_table)
    assert routing.customer == "bundled" and routing.party_kind == party and routing.cca is None
    assert routing.secondary is None
    assert any("Western Community Energy closed" in note and "2021" in note for note in routing.notes)
    assert "Western Community Energy closed" in render(routing)


def test_place_decides_over_a_conflicting_cca(shared_table):
    routing = route("generation", place="Irvine", cca="Clean Power Alliance", table=shared_table)
    assert routing.primary.party.name == OCPA
    assert any("Irvine is served by Orange County Power Authority" in note for note in routing.notes)


@pytest.mark.parametrize(
    "on,party,name",
    [
        (dt.date(2023, 1, 1), "CCA", OCPA),
        (dt.date(2024, 6, 30), "CCA", OCPA),
        (dt.date(2024, 7, 1), "SCE", SCE),
        (None, "SCE", SCE),
    ],
)
def test_huntington_beach_generation_depends_on_the_date(shared_table, on, party, name):
    routing = route("generation", place="Huntington Beach", on=on, table=shared_table)
    assert (routing.party_kind, routing.primary.party.name) == (party, name)
    left_note = any("Orange County Power Authority until July 2024" in n for n in routing.notes)
    assert left_note is (party == "SCE")


def test_former_wce_city_was_cca_in_2021(shared_table):
    routing = route("generation", place="Norco", on=dt.date(2021, 1, 1), table=shared_table)
    assert routing.primary.party.name == "Western Community Energy"
    today = route("generation", place="Norco", table=shared_table)
    assert today.party_kind == "SCE"
    assert "Norco was served by Western Community Energy until June 2021" in render(today)


@pytest.mark.parametrize("place,cca,expected_when", [("Fountain Valley", OCPA, "late 2026"), ("Fillmore", CPA, "2027")])
def test_pending_city_reply_explains_sce_supplies_until_the_cca_starts(shared_table, place, cca, expected_when):
    reply = render(route("generation", place=place, table=shared_table))
    assert "contact Southern California Edison" in reply
    assert f"{place} is set to join {cca} (service expected {expected_when})" in reply


@pytest.mark.parametrize(
    "topic", ["weather", "", "   ", None, "billing; DROP TABLE parties", pytest.param("x" * 10_000, id="10KB")]
)
def test_unknown_topic_raises_value_error(shared_table, topic):
    with pytest.raises(ValueError, match="unknown topic"):
        route(topic, place="Irvine", table=shared_table)


@pytest.mark.parametrize("topic", ["Billing", " OUTAGE ", "become_cca"])
def test_topic_names_are_case_and_space_insensitive(shared_table, topic):
    assert route(topic, place="Irvine", table=shared_table).topic.value == topic.strip().lower()


def test_to_dict_is_plain_data(shared_table):
    out = route("billing", place="Santa Monica", table=shared_table).to_dict()
    assert out["party"] == "SCE" and out["place"] == "Santa Monica" and out["place_status"] == "cca"
    assert out["primary"]["contact"]["phone"] == "1-800-655-4555"
    assert out["secondary"]["name"] == CPA and out["secondary"]["contact"]["phone"] == "1-888-585-3788"


# --- rendered replies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "topic,place,cca,must_contain",
    [
        ("generation", "Santa Monica", None, [CPA, "1-888-585-3788", "Santa Monica"]),
        ("billing", "Santa Monica", None, [SCE, "1-800-655-4555", CPA, "1-888-585-3788"]),
        ("outage", "Irvine", None, [SCE, "1-800-611-1911", "https://www.sce.com/outage-center"]),
        ("generation", "Irvine", None, [OCPA, "1-866-262-7693"]),
        ("enrollment", "Fountain Valley", None, [OCPA, "1-866-262-7693"]),
        ("generation", "Palm Springs", None, ["Desert Community Energy", "1-855-357-9240"]),
        ("generation", "Pico Rivera", None, ["Pico Rivera Innovative Municipal Energy", "1-800-GO-PRIME"]),
        ("become_cca", None, None, ["California Public Utilities Commission", "1-800-649-7570"]),
        ("generation", "Huntington Beach", None, [SCE, "1-800-655-4555"]),
        # no phone on record: the website instead
        ("generation", "Lancaster", None, ["Lancaster Choice Energy", "https://www.lancasterchoiceenergy.com"]),
        ("generation", None, "LCE", ["Lancaster Choice Energy", "https://www.lancasterchoiceenergy.com"]),
        ("generation", "Santa Barbara", None, ["Santa Barbara Clean Energy", "https://www.sbcleanenergy.com"]),
        ("transmission", None, None, ["California Independent System Operator", "https://www.caiso.com", SCE]),
        ("generation", "Palmdale", None, ["Energy for Palmdale's Independent Choice",
                                          "EPICSupport@PalmdaleEpicEnergy.com"]),
        # neither phone nor website: say so rather than invent one
        ("generation", "Baldwin Park", None, ["Baldwin Park Resident Owned Utility District",
                                              "no published phone or website"]),
    ],
)
def test_reply_names_the_party_and_how_to_reach_it(shared_table, topic, place, cca, must_contain):
    reply = render(route(topic, place=place, cca=cca, table=shared_table))
    for text in must_contain:
        assert text in reply, f"{text!r} missing from:\n{reply}"


def test_outage_reply_for_a_cca_city_still_sends_the_customer_to_sce(shared_table):
    reply = render(route("outage", place="Santa Monica", table=shared_table))
    assert "1-800-611-1911" in reply and CPA not in reply
