"""ActionRouteInquiry: reads slots, routes with the real role table, replies and records."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import ActionRouteInquiry
from bot.inquiries import inquiries_for
from tests.actions.conftest import make_tracker

# The domain's initial slot values, as the real tracker carries them.
INITIAL = {"needs_city": False, "city_unknown": False, "clarifying": False, "language": "en", "city_attempts": 0}


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def run(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionRouteInquiry().run(dispatcher, tracker, {})
    return dispatcher.messages, slots_of(events)


@pytest.mark.parametrize(
    "intent,slots,party,cca,says",
    [
        ("outage", {}, "SCE", None, "1-800-611-1911"),
        ("billing", {"city": "Irvine"}, "SCE", "Orange County Power Authority", "1-866-262-7693"),
        (
            "generation",
            {"city": "Santa Monica"},
            "CCA",
            "Clean Power Alliance of Southern California",
            "1-888-585-3788",
        ),
        ("generation", {"city": "Huntington Beach"}, "SCE", None, "back with SCE"),
        ("generation", {"city": "Norco"}, "SCE", None, "Western Community Energy"),
        ("enrollment", {"cca": "Desert Community Energy"}, "CCA", "Desert Community Energy", "1-855-357-9240"),
        ("covid_relief", {}, "SCE", None, "temporary"),
        ("transmission", {}, "CAISO", None, "caiso.com"),
        ("become_cca", {}, "CPUC", None, "Public Utilities Commission"),
        ("outage", {"city": "Burbank"}, None, None, "not served by SCE"),
    ],
)
async def test_routes_and_answers(role_db, intent, slots, party, cca, says):
    messages, set_slots = await run(make_tracker(intent, slots))
    assert set_slots["inquiry_topic"] == intent
    after = {**slots, **set_slots}  # unchanged slots are not re-set
    assert after.get("responsible_party") == party
    assert after.get("cca") == cca
    assert set_slots["needs_city"] is False
    assert len(messages) == 1 and says in messages[0]["text"]


async def test_generation_without_city_asks_for_it_and_says_nothing(role_db):
    messages, set_slots = await run(make_tracker("generation", INITIAL))
    assert messages == []
    assert set_slots == {"inquiry_topic": "generation", "needs_city": True}


async def test_dont_know_explains_both_cases(role_db):
    messages, set_slots = await run(make_tracker("dont_know", {"inquiry_topic": "enrollment", "city_unknown": True}))
    text = messages[0]["text"]
    assert "If your city is in a CCA" in text and "Southern California Edison" in text
    assert "responsible_party" not in set_slots and set_slots["city_unknown"] is False


async def test_inform_reroutes_the_current_topic(role_db):
    messages, set_slots = await run(make_tracker("inform", {"inquiry_topic": "generation", "city": "Fullerton"}))
    assert set_slots["cca"] == "Orange County Power Authority"
    assert "Fullerton" in messages[0]["text"]


async def test_inform_without_a_topic_asks_what_they_need(role_db):
    messages, set_slots = await run(make_tracker("inform", {**INITIAL, "city": "Irvine"}))
    assert messages[0]["response"] == "utter_noted_place" and messages[0]["city"] == "Irvine"
    assert set_slots == {"needs_city": False}


async def test_each_routed_inquiry_is_recorded_without_text(role_db):
    tracker = make_tracker("generation", {"city": "Irvine"}, text="who supplies power in Irvine", sender="conv-rec")
    await run(tracker)
    rows = inquiries_for("conv-rec", role_db)
    assert [(r.topic, r.party, r.cca, r.place, r.channel) for r in rows] == [
        ("generation", "CCA", "Orange County Power Authority", "Irvine", "rest")
    ]
    assert rows[0].confidence == pytest.approx(0.97)
    assert not any("who supplies" in str(v) for v in vars(rows[0]).values())


async def test_database_down_gives_sce_contact(tmp_path, monkeypatch):
    from bot import db, repository

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("BOT_DB_TIMEOUT", "1")
    db.reset()
    repository.invalidate_cache()
    try:
        messages, set_slots = await run(make_tracker("outage"))
    finally:
        db.reset()
        repository.invalidate_cache()
    assert messages == [
        {
            "text": None,
            "buttons": [],
            "elements": [],
            "custom": {},
            "template": "utter_service_trouble",
            "response": "utter_service_trouble",
            "image": None,
            "attachment": None,
        }
    ]
    assert set_slots.get("responsible_party") is None


async def test_only_changed_slots_are_set(role_db):
    tracker = make_tracker("outage", {**INITIAL, "inquiry_topic": "outage", "responsible_party": "SCE"})
    _, set_slots = await run(tracker)
    assert set(set_slots) == {"needs_city", "last_reply"}


def with_second(tracker, name: str, clause: str):
    """The parse data as the clause classifier (bot.nlu.clauses) leaves it."""
    tracker.latest_message["second_question"] = {"name": name, "confidence": 0.95, "text": clause}
    return tracker


async def test_a_second_question_is_answered_after_the_first(role_db):
    text = "my power is out and who do I pay my bill to"
    messages, slots = await run(with_second(make_tracker("outage", INITIAL, text=text), "billing", "who do I pay"))
    assert "1-800-611-1911" in messages[0]["text"] and "your other question" in messages[1]["text"]
    assert slots["inquiry_topic"] == "outage"


async def test_a_second_question_waits_for_the_city_and_is_answered_once(role_db):
    text = "where does my electricity come from and who runs the grid"
    first = with_second(make_tracker("generation", INITIAL, text=text), "transmission", "who runs the grid")
    messages, slots = await run(first)
    assert messages == [] and slots["needs_city"] is True  # the city question comes from the form
    pending = slots["pending_question"]
    assert pending == {"name": "transmission", "text": "who runs the grid"}

    after = {**INITIAL, "inquiry_topic": "generation", "city": "Irvine", "pending_question": pending}
    messages, slots = await run(make_tracker("inform", after, text="Irvine"))
    assert "Orange County Power Authority" in messages[0]["text"]
    assert "your other question" in messages[1]["text"] and "caiso.com" in messages[1]["text"]
    assert slots["pending_question"] is None  # answered once


async def test_a_new_question_drops_the_pending_one(role_db):
    pending = {"name": "transmission", "text": "who runs the grid"}
    messages, slots = await run(
        make_tracker("billing", {**INITIAL, "pending_question": pending}, text="why is my bill high")
    )
    assert len(messages) == 1 and "caiso.com" not in messages[0]["text"]
    assert slots["pending_question"] is None
