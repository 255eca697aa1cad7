"""The seeded role table against the compiled facts in ../shared/facts (roster.yml, places_more.yml).

The only tests that need ../shared: skipped when the facts are not there (set FACTS_DIR to point at them).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from bot import config

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FACTS_DIR = Path(os.environ.get("FACTS_DIR", config.PROJECT_ROOT.parent / "shared" / "facts"))
ROSTER_PATH = FACTS_DIR / "roster.yml"
MORE_PATH = FACTS_DIR / "places_more.yml"
if not ROSTER_PATH.exists() or not MORE_PATH.exists():
    pytest.skip(f"facts files in {FACTS_DIR} not found (set FACTS_DIR)", allow_module_level=True)
ROSTER = yaml.load(ROSTER_PATH.read_text(encoding="utf-8"), Loader=_Loader)
MORE = yaml.load(MORE_PATH.read_text(encoding="utf-8"), Loader=_Loader)
AS_OF = dt.date.fromisoformat(str(ROSTER["as_of"]))
SCE_FACTS = next(p for p in ROSTER["parties"] if p["id"] == "sce")
THREE_CE = next(c for c in ROSTER["ccas"] if c["id"] == "3ce")
PGE_DELIVERY = THREE_CE["unincorporated_areas_pge_delivery"]

# places_more.yml names utilities in words; the role table keys them.
UTILITY_KEYS = {
    "SCE": "sce",
    "LADWP": "ladwp",
    "Bear Valley Electric Service (BVES)": "bves",
    "Imperial Irrigation District (IID)": "iid",
    "San Diego Gas & Electric (SDG&E)": "sdge",
    "Vernon Light & Power (City of Vernon)": "vernon_utility",
    "Anaheim Public Utilities (City of Anaheim)": "anaheim_utility",
    "Colton Electric Utility (City of Colton)": "colton_utility",
    "City of Needles (municipal electric)": "needles_utility",
}
CCA_KEYS = {"Clean Power Alliance of Southern California (CPA)": "cpa"}


def _city(name: str) -> str:
    """'Apple Valley (Town of)' -> 'Apple Valley'."""
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


def _expected_roster_places() -> List[Tuple[str, str, str | None]]:
    """(place, status on the roster's as_of date, party key) for every place the roster names."""
    out: Dict[str, Tuple[str, str | None]] = {}
    for cca in ROSTER["ccas"]:
        names = [*cca.get("member_cities", []), *cca.get("unincorporated_areas", [])]
        names += [*(cca.get("unincorporated_areas_pge_delivery") or {}).get("confirmed", [])]
        names += [*(cca.get("unincorporated_areas_pge_delivery") or {}).get("probable", [])]
        for name in names:
            out[_city(name)] = ("cca", cca["id"])
        for name in cca.get("former_member_cities", []) or []:
            out[_city(name)] = ("bundled", "sce")
    for row in ROSTER["bundled_cities"]:
        if row["status"] == "bundled_sce_pending_cca":
            out[row["name"]] = ("pending_cca", row["pending_cca"])
        else:
            out[row["name"]] = ("bundled", "sce")
    for item in SCE_FACTS["not_sce_served_examples"]["items"]:
        if "(" not in item["name"] and ":" not in item["name"]:  # not the IID portions or the PG&E note
            out[item["name"]] = ("other_utility", None)
    return [(name, status, party) for name, (status, party) in sorted(out.items())]


ROSTER_PLACES = _expected_roster_places()


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
    if not cca.get("phone"):  # the best contact instead: website, e-mail or the city
        assert party.contact_note


def test_sce_cpuc_and_caiso_contacts_match_the_facts(shared_table):
    facts = {p["id"]: p for p in ROSTER["parties"]}
    sce, cpuc, caiso = (shared_table.parties[k] for k in ("sce", "cpuc", "caiso"))
    assert (sce.phone, sce.outage_phone, sce.website) == (
        facts["sce"]["customer_service_phone"],
        facts["sce"]["outage_and_emergency_phone"],
        facts["sce"]["website"],
    )
    assert (sce.spanish_phone, sce.care_phone) == (facts["sce"]["spanish_line"], facts["sce"]["care_fera_line"])
    assert (cpuc.phone, cpuc.website) == (facts["cpuc"]["consumer_affairs_branch"]["phone"], facts["cpuc"]["website"])
    assert facts["cpuc"]["consumer_affairs_branch"]["hours"] in (cpuc.contact_note or "")
    assert (caiso.phone, caiso.website) == (facts["caiso"]["public_phone"], facts["caiso"]["website"])


@pytest.mark.parametrize("name,status,party", ROSTER_PLACES, ids=[p[0] for p in ROSTER_PLACES])
def test_every_roster_place_is_seeded_with_its_service(shared_table, name, status, party):
    place = shared_table.places.get(name)
    assert place is not None, f"{name} missing from the places table"
    service = place.service_on(AS_OF)
    assert service is not None, f"{name} has no service on {AS_OF}"
    assert (service.status, service.party_key) == (status, party)


@pytest.mark.parametrize(
    "name,confidence",
    [(n, "confirmed") for n in PGE_DELIVERY["confirmed"]] + [(n, "probable") for n in PGE_DELIVERY["probable"]],
)
def test_northern_santa_barbara_county_is_3ce_generation_and_pge_delivery(shared_table, name, confidence):
    service = shared_table.places[name].service_on(AS_OF)
    assert (service.party_key, service.delivered_by, service.confidence) == ("3ce", "pge", confidence)
    assert any("PG&E" in s for s in service.sources)


@pytest.mark.parametrize("name", ["Palm Desert", "Rancho Mirage", "Indian Wells"])
def test_iid_serves_part_of_three_desert_cities(shared_table, name):
    service = shared_table.places[name].service_on(AS_OF)
    assert (service.delivered_by, service.also_delivered_by) == ("sce", "iid")
    assert "IID" in service.delivery_note


@pytest.mark.parametrize(
    "name",
    sorted({m["name"] for c in ROSTER["ccas"] for m in c.get("pending_members", [])}),
)
def test_roster_pending_members_are_places_with_an_expected_date(shared_table, name):
    place = shared_table.places[name]
    (change,) = place.pending
    assert change.expected and change.expected_by > AS_OF and change.sources


@pytest.mark.parametrize(
    "name,cca,expected,certainty",
    [
        ("Fountain Valley", "ocpa", "late 2026", "approved"),
        ("Fillmore", "cpa", "2027", "approved"),
        ("Costa Mesa", "ocpa", "March 2027", "possible"),
    ],
)
def test_pending_changes_follow_the_facts(shared_table, name, cca, expected, certainty):
    (change,) = shared_table.places[name].pending
    assert (change.cca_key, change.expected, change.certainty) == (cca, expected, certainty)


@pytest.mark.parametrize("entry", MORE, ids=[m["name"] for m in MORE])
def test_every_place_in_places_more_is_seeded_with_its_delivering_utility(shared_table, entry):
    place = shared_table.places.get(entry["name"])
    assert place is not None, f"{entry['name']} missing from the places table"
    assert (place.county, place.kind) == (entry["county"], entry["kind"])
    service = place.service_on(AS_OF)
    assert service.confidence == entry["confidence"]
    assert list(service.sources) == entry["sources"]
    if entry["delivered_by"] == "mixed":
        assert service.also_delivered_by is not None and service.delivery_note
        assert "sce" in (service.delivered_by, service.also_delivered_by)
    else:
        assert service.delivered_by == UTILITY_KEYS[entry["delivered_by"]] and service.also_delivered_by is None
    if entry["cca"]:
        assert (service.status, service.party_key) == ("cca", CCA_KEYS[entry["cca"]])
        assert service.valid_from.isoformat()[:7] == entry["cca_since"]
    elif service.delivered_by == "sce":
        assert (service.status, service.party_key) == ("bundled", "sce")
    else:
        assert service.status == "other_utility" and service.party_key is None


def test_other_utilities_are_parties_with_the_contacts_the_facts_give(shared_table):
    bves = shared_table.parties["bves"]
    assert (bves.kind, bves.short_name, bves.phone) == ("UTILITY", "BVES", "1-800-808-2837")
    assert shared_table.parties["corona_utility"].phone == "951-736-2321"
    for key in ("pge", "ladwp", "sdge", "iid"):
        party = shared_table.parties[key]
        assert party.kind == "UTILITY" and party.phone is None and party.contact_note  # none in the facts
    assert {UTILITY_KEYS[m["delivered_by"]] for m in MORE if m["delivered_by"] in UTILITY_KEYS} <= set(
        shared_table.parties
    )
