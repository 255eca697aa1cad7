"""Out-of-scope redirect and hand-over to a person."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionOutOfScope, ActionRequestHuman
from tests.actions.conftest import make_tracker


async def test_out_of_scope_says_what_it_can_do_and_routes_nothing(role_db):
    dispatcher = CollectingDispatcher()
    events = await ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", text="best tacos nearby?"), {})
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"  # its words: domain.yml, both languages
    slots = {e["name"]: e["value"] for e in events}
    assert slots["inquiry_topic"] == "out_of_scope" and slots["responsible_party"] is None


async def test_an_outage_follow_up_taken_for_small_talk_is_still_answered(role_db):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("out_of_scope", {"inquiry_topic": "outage"}, text="wat do i do", confidence=0.5)
    await ActionOutOfScope().run(dispatcher, tracker, {})
    assert "While the power is out" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "slots,expected",
    [
        ({}, "1-800-655-4555"),
        ({"responsible_party": "CCA", "cca": "Orange County Power Authority"}, "1-866-262-7693"),
        ({"responsible_party": "CPUC"}, "1-800-649-7570"),
        ({"responsible_party": "SCE", "inquiry_topic": "outage"}, "1-800-611-1911"),
    ],
)
async def test_request_human_gives_the_right_number(role_db, slots, expected):
    dispatcher = CollectingDispatcher()
    await ActionRequestHuman().run(dispatcher, make_tracker("request_human", slots), {})
    assert expected in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "text,entities,expected",
    [
        (
            "can I speak to a person at Clean Power Alliance?",
            [{"entity": "cca", "value": "Clean Power Alliance"}],
            "1-888-585-3788",
        ),
        ("I want to talk to someone at the CPUC", [], "1-800-649-7570"),
        ("get me a human at Edison", [], "1-800-655-4555"),
    ],
)
async def test_a_person_at_a_named_party_gets_that_partys_contact(role_db, text, entities, expected):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("request_human", {"responsible_party": "CAISO"}, entities=entities, text=text)
    await ActionRequestHuman().run(dispatcher, tracker, {})
    assert expected in dispatcher.messages[0]["text"]
