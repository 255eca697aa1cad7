"""ActionClarify: unsure between topics -> buttons with /<intent> payloads; out of domain -> the redirect."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import ActionClarify, clarifying_options
from tests.actions.conftest import make_tracker


def ranking(*pairs):
    return [{"name": "nlu_fallback", "confidence": 0.3}] + [{"name": n, "confidence": c} for n, c in pairs]


def test_options_are_the_likely_topics_in_order():
    assert clarifying_options(ranking(("billing", 0.4), ("generation", 0.35), ("greet", 0.1), ("outage", 0.09))) == [
        "billing",
        "generation",
        "outage",
    ]


def test_no_options_when_an_out_of_domain_intent_leads():
    assert clarifying_options(ranking(("out_of_scope", 0.45), ("billing", 0.3))) == []


def test_unlikely_topics_are_not_offered():
    assert clarifying_options(ranking(("outage", 0.5), ("billing", 0.01))) == ["outage"]


def test_hazard_counts_as_the_outage_topic():
    assert clarifying_options(ranking(("report_hazard", 0.4), ("outage", 0.3))) == ["outage"]


async def _clarify(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionClarify().run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.mark.parametrize(("language", "first"), [("en", "Your bill"), ("es", "Mi factura")])
async def test_buttons_carry_intent_payloads_in_the_customer_language(language, first):
    tracker = make_tracker("nlu_fallback", {"language": language}, text="charge question about my power supply")
    tracker.latest_message["intent_ranking"] = ranking(("billing", 0.4), ("generation", 0.35))
    messages, slots = await _clarify(tracker)
    assert messages[0]["response"] == "utter_clarify"
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/billing", "/generation", "/out_of_scope"]
    assert messages[0]["buttons"][0]["title"] == first
    assert slots["clarifying"] is True and slots["responsible_party"] is None


async def test_out_of_domain_gets_the_redirect_and_no_party():
    tracker = make_tracker("nlu_fallback", {}, text="book me a table for two")
    tracker.latest_message["intent_ranking"] = ranking(("out_of_scope", 0.4), ("billing", 0.2))
    messages, slots = await _clarify(tracker)
    assert messages[0]["response"] == "utter_not_understood"
    assert slots["inquiry_topic"] == "out_of_scope" and slots["responsible_party"] is None


async def test_a_second_question_waits_for_the_click():
    tracker = make_tracker("nlu_fallback", {}, text="who sends the alerts? also my bill is wrong")
    tracker.latest_message["intent_ranking"] = ranking(("transmission", 0.4), ("billing", 0.35))
    tracker.latest_message["second_question"] = {"name": "billing", "confidence": 0.9, "text": "my bill is wrong"}
    messages, slots = await _clarify(tracker)
    assert messages[0]["response"] == "utter_clarify"
    assert slots["pending_question"] == {"name": "billing", "text": "my bill is wrong"}
