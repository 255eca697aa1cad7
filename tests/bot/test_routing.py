"""Who answers each topic, by the customer's place (or CCA), and what the reply tells them."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
import yaml

from bot import config
from bot.replies import SAFETY_KEYS, contact_line, person_contact, render, safety_guidance
from bot.routing import route
from bot.topics import TOPIC_NAMES, PartyKind, Subtopic, Topic

CPA = "Clean Power Alliance of Southern California"
OCPA = "Orange County Power Authority"
SCE = "Southern California Edison"
PGE = "Pacific Gas and Electric Company"
THREE_CE = "Central Coast Community Energy"
LADWP = "Los Angeles Department of Water and Power"
SEED = yaml.safe_load((config.SEED_DIR / "role_table.yml").read_text(encoding="utf-8"))
SEED_PARTIES = {p["key"]: p for p in SEED["parties"]}


class Case(NamedTuple):
    place: str | None
    kind: str  # cca | bundled | former | pending | outside | pge | none
    cca: str | None = None  # the place's CCA (cca, pge) or the CCA it is joining (pending)
    utility: str | None = None  # the delivering utility when it is not SCE (outside, pge)


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
    Case("Pasadena", "outside", utility="City of Pasadena municipal electric utility"),
    Case("Los Angeles", "outside", utility=LADWP),
    Case("Riverside", "outside", utility="City of Riverside municipal electric utility"),
    Case("North Hollywood", "outside", utility=LADWP),
    Case("Indio", "outside", utility="Imperial Irrigation District"),
    Case("Big Bear Lake", "outside", utility="Bear Valley Electric Service"),
    Case("Orcutt", "pge", THREE_CE, PGE),
    Case("Los Alamos", "pge", THREE_CE, PGE),
    Case("Goleta", "cca", THREE_CE),
    Case("Altadena", "cca", CPA),
    Case("Torrance", "bundled"),
    Case("Palm Desert", "bundled"),
    Case(None, "none"),
]


class Expected(NamedTuple):
    party: str | None  # SCE | CCA | CAISO | CPUC | None
    name: str | None  # the primary party's name
    secondary: str | None = None  # the secondary party's name
    needs_city: bool = False


def expected(topic: str, case: Case) -> Expected:
    """What the facts say: PG&E (party "none") for the wires where it delivers, the CCA for generation."""
    if case.kind == "outside":
        return Expected(None, case.utility)
    served_by_sce = case.kind in ("bundled", "former", "pending")
    # where PG&E delivers, SCE's part goes to PG&E, which is not one of the four parties
    wires = Expected(None, case.utility) if case.kind == "pge" else Expected("SCE", SCE)
    in_cca = case.kind in ("cca", "pge")
    if topic == "billing":
        return wires._replace(secondary=case.cca if in_cca else None)
    if topic in ("outage", "covid_relief"):
        return wires
    if topic == "generation":
        if case.kind == "none":
            return Expected(None, None, needs_city=True)
        return Expected("SCE", SCE) if served_by_sce else Expected("CCA", case.cca)
    if topic == "enrollment":
        if case.kind == "none":
            return Expected(None, None, needs_city=True)
        return Expected("CCA", case.cca) if in_cca or case.kind == "pending" else Expected("SCE", SCE)
    if topic == "transmission":
        return Expected("CAISO", "California Independent System Operator", wires.name)
    if topic == "become_cca":
        return Expected("CPUC", "California Public Utilities Commission")
    raise AssertionError(topic)


MATRIX = [
    pytest.param(topic, case, id=f"{topic}-{case.place or 'no-place'}") for topic in TOPIC_NAMES for case in PLACES
]


def test_every_topic_and_subtopic_is_in_the_role_table_and_gets_an_answer(shared_table):
    assert set(shared_table.rules) == set(TOPIC_NAMES)
    assert set(shared_table.subtopic_rules) == {s.value for s in Subtopic}
    for topic in Topic:
        routing = route(topic.value, place="Irvine", table=shared_table)
        assert routing.primary is not None and routing.primary.party is not None
        assert routing.primary.party.name in render(routing)


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
        assert routing.customer == "other_utility" and routing.secondary is None
        assert routing.primary.party_kind == "UTILITY"


@pytest.mark.parametrize("topic", TOPIC_NAMES)
@pytest.mark.parametrize("city", ["Pasadena", "Los Angeles", "Burbank", "Glendale", "Riverside", "North Hollywood"])
def test_non_sce_city_reply_says_not_served_by_sce(shared_table, topic, city):
    routing = route(topic, place=city, table=shared_table)
    assert routing.party_kind is None and routing.primary.party_kind == "UTILITY"
    reply = render(routing)
    assert f"not SCE, serves {city}" in reply and f"{city} is not served by SCE" in reply
    assert routing.outside_utility and routing.outside_utility in reply
    assert SCE not in reply and "1-800-655-4555" not in reply


@pytest.mark.parametrize("place", ["Irvine", "Norco", None])
def test_covid_relief_gives_the_real_period_and_todays_help(shared_table, place):
    routing = route("covid_relief", place=place, table=shared_table)
    assert routing.historical is True and routing.party_kind == "SCE"
    reply = render(routing)
    assert "temporary" in reply and "March 2020" in reply and "30 September 2021" in reply and "not current" in reply
    assert "1-800-655-4555" in reply and "CARE" in reply and "1-800-798-5723" in reply
    assert len(reply.splitlines()) <= 3


def test_covid_relief_where_pge_delivers_sends_to_pge_without_sces_lines(shared_table):
    routing = route("covid_relief", place="Orcutt", table=shared_table)
    reply = render(routing)
    assert routing.party_kind is None and routing.primary.party.name == PGE
    assert "30 September 2021" in reply and "1-800-798-5723" not in reply and "1-800-655-4555" not in reply


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
        (
            "generation",
            "Palmdale",
            None,
            ["Energy for Palmdale's Independent Choice", "EPICSupport@PalmdaleEpicEnergy.com"],
        ),
        # neither phone nor website: say so rather than invent one
        (
            "generation",
            "Baldwin Park",
            None,
            ["Baldwin Park Resident Owned Utility District", "no phone or website is published", "city hall"],
        ),
    ],
)
def test_reply_names_the_party_and_how_to_reach_it(shared_table, topic, place, cca, must_contain):
    reply = render(route(topic, place=place, cca=cca, table=shared_table))
    for text in must_contain:
        assert text in reply, f"{text!r} missing from:\n{reply}"


def test_outage_reply_for_a_cca_city_still_sends_the_customer_to_sce(shared_table):
    reply = render(route("outage", place="Santa Monica", table=shared_table))
    assert "1-800-611-1911" in reply and CPA not in reply


# --- delivering utility: PG&E, IID, mixed places ------------------------------------------------


def test_orcutt_outage_goes_to_pge_not_sce(shared_table):
    routing = route("outage", place="Orcutt", table=shared_table)
    assert routing.party_kind is None  # the responsible_party slot says "none": not SCE/CCA/CAISO/CPUC
    assert routing.primary.party.name == PGE and routing.delivering_utility.key == "pge"
    reply = render(routing)
    assert reply.startswith("PG&E, not SCE, serves Orcutt:")
    assert "PG&E bill" in reply  # its contact: the facts give no PG&E number, the bill has it
    assert SCE not in reply and "1-800-611-1911" not in reply


def test_orcutt_generation_goes_to_3ce(shared_table):
    routing = route("generation", place="Orcutt", table=shared_table)
    assert (routing.party_kind, routing.primary.party.name, routing.cca.name) == ("CCA", THREE_CE, THREE_CE)
    reply = render(routing)
    assert "1-888-909-6227" in reply and "PG&E only delivers it" in reply and "SCE only delivers" not in reply


@pytest.mark.parametrize("place", ["Los Alamos", "Casmalia", "Vandenberg Village", "Burton Mesa"])
def test_probable_pge_places_say_probably_and_point_to_the_bill(shared_table, place):
    routing = route("outage", place=place, table=shared_table)
    assert routing.probable and routing.primary.party.name == PGE
    assert f"PG&E, not SCE, probably serves {place}" in render(routing)


@pytest.mark.parametrize("place", ["Palm Desert", "Rancho Mirage", "Indian Wells"])
def test_iid_caveat_for_the_three_desert_cities(shared_table, place):
    routing = route("outage", place=place, table=shared_table)
    assert routing.party_kind == "SCE" and routing.also_delivered_by.key == "iid"
    reply = render(routing)
    assert "1-800-611-1911" in reply
    (caveat,) = [line for line in reply.splitlines() if "IID" in line]
    assert place in caveat and "bill" in caveat and caveat.count(".") <= 1


def test_goleta_outage_goes_to_sce(shared_table):
    routing = route("outage", place="Goleta", table=shared_table)
    assert (routing.party_kind, routing.primary.party.name) == ("SCE", SCE)
    assert routing.delivering_utility.key == "sce" and routing.delivery_note is None
    assert "1-800-611-1911" in render(routing)


@pytest.mark.parametrize(
    "place,main,other",
    [
        ("Corona", "SCE", "City of Corona"),
        ("Laguna Beach", "SCE", "SDG&E"),
        ("Chatsworth", None, "SCE"),
        ("Banning", None, "SCE"),
    ],
)
def test_mixed_places_name_the_other_utility_in_one_short_clause(shared_table, place, main, other):
    routing = route("outage", place=place, table=shared_table)
    assert routing.party_kind == main
    lines = render(routing).splitlines()
    (clause,) = [line for line in lines if line.startswith("Note:")]
    assert other in clause and "bill" in clause and clause.count(".") <= 1


@pytest.mark.parametrize("topic", ["outage", "billing", "generation", "enrollment"])
@pytest.mark.parametrize("place", ["Santa Monica", "Torrance", "Irvine", "Orcutt", "North Hollywood", "Goleta"])
def test_common_answers_are_at_most_two_sentences_plus_contact(shared_table, topic, place):
    routing = route(topic, place=place, table=shared_table)
    first = render(routing).splitlines()[0]
    assert routing.primary is not None and routing.primary.party is not None
    contact = contact_line(routing.primary.party, routing.topic)
    sentences = first.replace(contact, "CONTACT").replace("e.g.", "eg").rstrip(".").split(". ")
    assert len(sentences) <= 2, first


SEED_SERVICES = [
    pytest.param(p["name"], p["services"][-1], id=p["name"])
    for p in SEED["places"]
    if p["services"][-1].get("valid_to") is None and p["services"][-1].get("valid_from", "2000") <= "2026-11-30"
]


def _party_name(key: str) -> str:
    return SEED_PARTIES[key]["name"]


@pytest.mark.parametrize("name,service", SEED_SERVICES)
def test_outage_at_every_place_goes_to_its_delivering_utility(shared_table, name, service):
    routing = route("outage", place=name, table=shared_table)
    utility = service.get("delivered_by", "sce")
    assert routing.primary.party.name == _party_name(utility)
    assert routing.party_kind == ("SCE" if utility == "sce" else None)
    reply = render(routing)
    assert _party_name(utility) in reply
    if service.get("delivery_note"):
        assert service["delivery_note"][1:] in reply


@pytest.mark.parametrize("name,service", SEED_SERVICES)
def test_generation_at_every_place_goes_to_its_cca_or_utility(shared_table, name, service):
    routing = route("generation", place=name, table=shared_table)
    status = service["status"]
    if status == "cca":
        assert (routing.party_kind, routing.primary.party.key) == ("CCA", service["party"])
    elif status in ("bundled", "pending_cca"):
        assert (routing.party_kind, routing.primary.party.key) == ("SCE", "sce")
    else:
        assert routing.party_kind is None and routing.primary.party.key == service["delivered_by"]
    assert routing.primary.party.name in render(routing)


# --- subtopics ----------------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["Santa Monica", "Torrance", None])
def test_assistance_programs_go_to_sce_with_the_care_line_for_every_customer(shared_table, place):
    routing = route("billing", place=place, subtopic=Subtopic.ASSISTANCE_PROGRAMS, table=shared_table)
    assert routing.party_kind == "SCE" and routing.subtopic is Subtopic.ASSISTANCE_PROGRAMS
    assert routing.secondary is None
    reply = render(routing)
    assert "CARE/FERA line 1-800-798-5723" in reply and "Medical Baseline" in reply and "CCA customers" in reply


def test_net_metering_is_sce_first_and_the_cca_second(shared_table):
    routing = route("billing", place="Santa Monica", subtopic="net_metering", table=shared_table)
    assert routing.party_kind == "SCE" and routing.secondary.party.name == CPA
    assert "interconnection" in routing.primary.reason and "annual settlement" in routing.secondary.reason
    bundled = route("billing", place="Torrance", subtopic="net_metering", table=shared_table)
    assert bundled.party_kind == "SCE" and bundled.secondary is None


@pytest.mark.parametrize("place", ["Irvine", "Torrance", None])
def test_rate_approval_is_the_cpuc(shared_table, place):
    routing = route("billing", place=place, subtopic="rate_approval", table=shared_table)
    assert routing.party_kind == "CPUC" and routing.primary.party.name == "California Public Utilities Commission"


@pytest.mark.parametrize(
    "topic,place,first",
    [("billing", "Irvine", SCE), ("generation", "Irvine", OCPA), ("billing", "Orcutt", PGE)],
)
def test_complaint_goes_to_the_topics_party_first_then_the_cpuc(shared_table, topic, place, first):
    routing = route(topic, place=place, subtopic=Subtopic.COMPLAINT, table=shared_table)
    assert routing.primary.party.name == first
    assert routing.secondary.party_kind == "CPUC"
    assert "1-800-649-7570" in render(routing) and "Consumer Affairs Branch" in render(routing)


@pytest.mark.parametrize(
    "place,party,name,line",
    [
        ("Irvine", "SCE", SCE, "1-800-611-1911"),
        (None, "SCE", SCE, "1-800-611-1911"),
        ("Orcutt", None, PGE, "PG&E bill"),
        ("Big Bear Lake", None, "Bear Valley Electric Service", "1-800-808-2837"),
    ],
)
def test_hazard_gives_the_outage_line_of_the_delivering_utility(shared_table, place, party, name, line):
    routing = route("outage", place=place, subtopic="hazard", table=shared_table)
    assert (routing.party_kind, routing.primary.party.name) == (party, name)
    assert line in render(routing)


def test_unknown_subtopic_raises_value_error(shared_table):
    with pytest.raises(ValueError):
        route("billing", place="Irvine", subtopic="tree_trimming", table=shared_table)


def test_a_subtopic_without_rows_falls_back_to_its_topic(shared_table):
    from dataclasses import replace

    table = replace(shared_table, subtopic_rules={})
    routing = route("billing", place="Irvine", subtopic="net_metering", table=table)
    assert routing.primary.reason == route("billing", place="Irvine", table=table).primary.reason


# --- regions, suggestions, ZIP codes through route ----------------------------------------------


def test_a_county_alone_needs_the_city(shared_table):
    routing = route("generation", place="Orange County", table=shared_table)
    assert routing.needs_city and routing.region == "Orange County" and routing.party_kind is None


def test_a_misspelt_city_is_not_applied_but_suggested(shared_table):
    routing = route("generation", place="santa monca", table=shared_table)
    assert routing.needs_city and routing.place.suggestion == "Santa Monica" and routing.cca is None


def test_a_zip_code_routes_like_its_city(shared_table):
    assert route("generation", place="90401", table=shared_table).primary.party.name == CPA
    assert route("outage", place="91601", table=shared_table).primary.party.name == LADWP


def test_party_kind_values_are_plain_strings_for_the_slot(shared_table):
    kind = route("outage", place="Irvine", table=shared_table).party_kind
    assert type(kind) is str and kind == PartyKind.SCE.value


def test_spanish_replies_add_sces_spanish_line(shared_table):
    routing = route("billing", place="Irvine", table=shared_table)
    assert "en español 1-800-441-2233" in render(routing, spanish=True)
    assert "1-800-441-2233" not in render(routing)


@pytest.mark.parametrize("key", SAFETY_KEYS)
def test_safety_guidance_is_seeded_text(shared_table, key):
    text = safety_guidance(key, table=shared_table)
    assert text and "911" in text
    assert safety_guidance("outage", table=shared_table) is None


def test_person_contact_for_a_party_by_name(shared_table):
    from bot.places import resolve_party

    bear_valley, pge = (
        resolve_party("Bear Valley Electric", table=shared_table),
        resolve_party("PG&E", table=shared_table),
    )
    assert bear_valley is not None and pge is not None
    assert "1-800-808-2837" in person_contact(bear_valley)
    assert "PG&E bill" in person_contact(pge)
