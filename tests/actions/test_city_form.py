"""ValidateCityForm: accepts known places (canonical names), re-asks unknown ones with suggestions."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.city_form import ValidateCityForm
from tests.actions.conftest import make_tracker


async def validate(value, slots=None):
    dispatcher = CollectingDispatcher()
    result = await ValidateCityForm().validate_city(value, dispatcher, make_tracker("inform", slots or {}), {})
    return result, dispatcher.messages


@pytest.mark.parametrize(
    "typed,canonical",
    [
        ("santa monica", "Santa Monica"),
        ("Santa Mónica", "Santa Monica"),
        ("I live in Fullerton", "Fullerton"),
        ("North Hollywood", "North Hollywood"),
        ("Altadena", "Altadena"),
        ("La Canada Flintridge", "La Cañada Flintridge"),
        ("Pasadena", "Pasadena"),
        ("isla vista", "Isla Vista"),
    ],
)
async def test_known_places_fill_the_slot_with_the_canonical_name(role_db, typed, canonical):
    result, messages = await validate(typed)
    assert result == {"city": canonical, "city_attempts": 0}
    assert messages == []


@pytest.mark.parametrize("typed", ["Springfield", "", "'; DROP TABLE places;--", "{{7*7}}", "x" * 10_000, "\x00\x01"])
async def test_unknown_places_are_rejected_with_a_dont_know_button(role_db, typed):
    result, messages = await validate(typed)
    assert result == {"city": None, "city_attempts": 1.0}
    assert "couldn't find" in messages[0]["text"]
    assert messages[0]["buttons"][-1] == {"title": "I don't know", "payload": "/dont_know"}


async def test_a_second_unknown_answer_stops_asking(role_db):
    result, messages = await validate("Springfield", {"city_attempts": 1})
    assert result == {"city": None, "city_unknown": True, "city_attempts": 0}
    assert messages == []  # the routing action gives the bill-based answer next


async def test_a_near_miss_is_asked_never_applied(role_db):
    result, messages = await validate("Santa Monicaa")
    assert result == {"city": None}
    assert messages[0]["text"] == "Did you mean Santa Monica?"
    assert messages[0]["buttons"][0] == {"title": "Yes, Santa Monica", "payload": '/inform{"city": "Santa Monica"}'}


@pytest.mark.parametrize("typed", ["Orange County", "LA County"])
async def test_a_county_alone_asks_which_city(role_db, typed):
    result, messages = await validate(typed)
    assert result == {"city": None}
    assert "Which city or community" in messages[0]["text"]


@pytest.mark.parametrize(
    "slots,expected",
    [
        ({}, ["city"]),
        ({"city_unknown": True}, []),
        ({"cca": "OCPA"}, []),
        ({"cca": "Western Community Energy"}, ["city"]),
    ],
)
async def test_required_slots(role_db, slots, expected):
    tracker = make_tracker("inform", slots)
    got = await ValidateCityForm().required_slots(["city", "city_unknown"], CollectingDispatcher(), tracker, {})
    assert got == expected


@pytest.mark.parametrize(
    "intent,confidence,ends", [("goodbye", 0.95, True), ("deny", 0.9, True), ("goodbye", 0.5, False)]
)
async def test_never_mind_ends_the_question_instead_of_reasking(role_db, intent, confidence, ends):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent, confidence=confidence, text="never mind")
    result = await ValidateCityForm().validate_city("never mind", dispatcher, tracker, {})
    if ends:
        assert result == {"city": None, "city_unknown": True} and dispatcher.messages == []
    else:
        assert result == {"city": None, "city_attempts": 1.0} and "couldn't find" in dispatcher.messages[0]["text"]
