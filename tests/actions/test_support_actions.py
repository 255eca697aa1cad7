"""Out-of-scope redirect and hand-over to a person."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.support import ActionOutOfScope, ActionRequestHuman
from tests.actions.conftest import make_tracker


@pytest.mark.parametrize(
    "intent,opener", [("out_of_scope", "outside what I can help"), ("nlu_fallback", "didn't quite")]
)
async def test_out_of_scope_lists_what_it_can_do(role_db, intent, opener):
    dispatcher = CollectingDispatcher()
    events = await ActionOutOfScope().run(dispatcher, make_tracker(intent), {})
    text = dispatcher.messages[0]["text"]
    assert opener in text and "outages" in text and "forming a CCA" in text
    assert {e["name"]: e["value"] for e in events}["inquiry_topic"] == "out_of_scope"


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
