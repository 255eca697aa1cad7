"""The callback request at action level: offer, form validation, filing, and leaving at any step."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from actions import handoff
from actions.handoff import (
    ActionAskHandoffConfirmed,
    ActionAskHandoffContact,
    ActionAskHandoffName,
    ActionFileHandoff,
    ActionHandoffDeclined,
    ActionHandoffStart,
    ValidateHandoffForm,
    offer_handoff,
    routed_question,
)
from actions.support import ActionRequestHuman
from bot import db, repository
from bot.config import PROJECT_ROOT
from bot.handoff import delivery
from bot.handoff.models import ConversationEvent, HandoffTicket, forget_schema
from bot.handoff.receiver import Receiver
from bot.seed import seed

SECRET = b"action-test-secret"
DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
CPA = "Clean Power Alliance of Southern California"


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    """The role table seeded once for this module; each test gets a copy (seeding takes seconds)."""
    path = tmp_path_factory.mktemp("handoff-seed") / "roles.db"
    db.reset()
    repository.invalidate_cache()
    seed(url=f"sqlite:///{path}")
    db.reset()
    return path


@pytest.fixture
def clean(seeded_template, tmp_path, monkeypatch) -> Iterator[str]:
    target = tmp_path / "roles.db"
    shutil.copy(seeded_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.reset()
    repository.invalidate_cache()
    forget_schema()
    for name in ("HANDOFF_WEBHOOK_URL", "HANDOFF_WEBHOOK_SECRET", "HANDOFF_TARGETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HANDOFF_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("HANDOFF_POLL_SECONDS", "0.2")
    yield url
    delivery.stop_worker()
    db.reset()
    repository.invalidate_cache()
    forget_schema()


@pytest.fixture
def receiver(clean, monkeypatch) -> Iterator[Receiver]:
    running = Receiver(secret=SECRET).start()
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", running.url)
    monkeypatch.setenv("HANDOFF_WEBHOOK_SECRET", SECRET.decode())
    yield running
    running.stop()


def user(text: str, intent: str | None, confidence: float = 0.95, channel: str = "rest") -> Dict[str, Any]:
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence} if intent else {}, "entities": []}
    return {"event": "user", "text": text, "parse_data": parse, "input_channel": channel}


def act(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def loop(name: str | None) -> Dict[str, Any]:
    return {"event": "active_loop", "name": name}


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


BILLING_ROUTED = [
    act("action_listen"),
    user("why did my bill double this month", "billing"),
    act("action_route_inquiry"),
    slot("inquiry_topic", "billing"),
    slot("responsible_party", "SCE"),
    act("action_listen"),
]
GENERATION_ROUTED = [
    act("action_listen"),
    user("where does my electricity come from", "generation"),
    act("action_route_inquiry"),
    act("city_form"),
    loop("city_form"),
    act("action_listen"),
    user("santa monca", "nlu_fallback", 0.2),
    act("city_form"),
    loop(None),
    act("action_route_inquiry"),
    slot("responsible_party", "CCA"),
    slot("cca", CPA),
    slot("city", "Santa Monica"),
    act("action_listen"),
]
BILLING_SLOTS = {"inquiry_topic": "billing", "responsible_party": "SCE", "city": "Irvine"}
CPA_SLOTS = {"inquiry_topic": "generation", "responsible_party": "CCA", "cca": CPA, "city": "Santa Monica"}


def tracker(
    events: List[Dict[str, Any]],
    slots: Dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender: str = "conv-1",
) -> Tracker:
    latest: Dict[str, Any] = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    last_action = next((e["name"] for e in reversed(events) if e["event"] == "action"), "action_listen")
    return Tracker(
        sender,
        dict(slots or {}),
        latest,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        last_action,
    )


def set_slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def stored_tickets() -> List[HandoffTicket]:
    from bot.handoff.models import ensure_schema

    ensure_schema()
    with db.session_factory().begin() as session:
        return list(session.scalars(select(HandoffTicket)))


def stored_events() -> List[tuple]:
    from bot.handoff.models import ensure_schema

    ensure_schema()
    with db.session_factory().begin() as session:
        return [(e.kind, e.party, e.topic) for e in session.scalars(select(ConversationEvent))]


# --- the offer --------------------------------------------------------------------------------------


async def test_request_human_after_a_routed_question_offers_a_callback(receiver):
    dispatcher = CollectingDispatcher()
    events = BILLING_ROUTED + [user("can I talk to a real person", "request_human")]
    result = await ActionRequestHuman().run(dispatcher, tracker(events, BILLING_SLOTS), DOMAIN)
    assert "1-800-655-4555" in dispatcher.messages[0]["text"]  # the phone number, as before
    offer = dispatcher.messages[1]
    assert offer["text"].startswith("Would you like SCE to contact you?")
    assert [b["payload"] for b in offer["buttons"]] == ["/affirm", "/deny"]
    assert set_slots(result) == {"handoff_offered": True, "handoff_party": "sce"}
    assert stored_events() == [("human_request", "SCE", "billing")]


async def test_the_offer_names_the_customers_cca(receiver):
    dispatcher = CollectingDispatcher()
    events = GENERATION_ROUTED + [user("I want to speak to someone", "request_human")]
    result = await ActionRequestHuman().run(dispatcher, tracker(events, CPA_SLOTS), DOMAIN)
    assert "1-888-585-3788" in dispatcher.messages[0]["text"]
    assert dispatcher.messages[1]["text"].startswith(f"Would you like {CPA} to contact you?")
    assert set_slots(result) == {"handoff_offered": True, "handoff_party": "cpa"}


async def test_without_a_target_the_customer_gets_the_phone_number_as_before(clean):
    dispatcher = CollectingDispatcher()
    events = BILLING_ROUTED + [user("can I talk to a real person", "request_human")]
    result = await ActionRequestHuman().run(dispatcher, tracker(events, BILLING_SLOTS), DOMAIN)
    assert len(dispatcher.messages) == 1 and "1-800-655-4555" in dispatcher.messages[0]["text"]
    assert result == []


async def test_without_a_routed_question_the_customer_is_asked_for_it(receiver):
    dispatcher = CollectingDispatcher()
    await ActionRequestHuman().run(dispatcher, tracker([user("a human please", "request_human")]), DOMAIN)
    assert "If you tell me your question" in dispatcher.messages[1]["text"]


async def test_the_routing_hook_offers_in_spanish_and_not_without_a_party(receiver):
    from bot.repository import role_table

    dispatcher = CollectingDispatcher()
    t = tracker(BILLING_ROUTED, {**BILLING_SLOTS, "language": "es"})
    assert offer_handoff(dispatcher, t, role_table().parties["cpuc"]) == [
        {"event": "slot", "timestamp": None, "name": "handoff_offered", "value": True},
        {"event": "slot", "timestamp": None, "name": "handoff_party", "value": "cpuc"},
    ]
    assert dispatcher.messages[0]["text"].startswith("¿Quiere que la CPUC se comunique con usted?")
    silent = CollectingDispatcher()
    assert offer_handoff(silent, tracker(BILLING_ROUTED, {"handoff_offered": True}), None)[0]["value"] is False
    assert silent.messages == []


# --- the form ---------------------------------------------------------------------------------------


async def test_a_full_callback_request_is_filed_and_delivered(receiver):
    events = GENERATION_ROUTED + [user("I want to speak to someone", "request_human"), act("action_request_human")]
    slots = {**CPA_SLOTS, "handoff_offered": True, "handoff_party": "cpa"}
    events += [slot("handoff_offered", True), slot("handoff_party", "cpa"), act("action_listen"), user("yes", "affirm")]
    dispatcher = CollectingDispatcher()
    assert await ActionHandoffStart().run(dispatcher, tracker(events, slots), DOMAIN) == []
    await ActionAskHandoffName().run(dispatcher, tracker(events, slots), DOMAIN)
    assert dispatcher.messages[-1]["text"].startswith(f"Sure. What name should {CPA} ask for?")

    # The name, through the whole validation action as Rasa calls it (the extracted slot last).
    form = ValidateHandoffForm()
    events += [loop("handoff_form"), act("action_listen"), user("I'm Sam Park", "inform"), slot("handoff_name", "x")]
    result = await form.run(
        dispatcher, tracker(events, {**slots, "requested_slot": "handoff_name"}, "handoff_form"), DOMAIN
    )
    assert set_slots(result) == {"handoff_name": "Sam Park"}  # Rasa's form then asks for the contact
    slots["handoff_name"] = "Sam Park"
    await ActionAskHandoffContact().run(dispatcher, tracker(events, slots), DOMAIN)
    assert "Thanks, Sam Park. What phone number or e-mail address" in dispatcher.messages[-1]["text"]

    # An invalid phone number is asked again, with what is wrong.
    bad = await form.validate_handoff_contact(
        "626-302-121", dispatcher, tracker(events + [user("626-302-121", "inform")], slots), DOMAIN
    )
    assert bad == {"handoff_contact": None} and "has 9 digits" in dispatcher.messages[-1]["text"]
    good = await form.validate_handoff_contact(
        "x", dispatcher, tracker(events + [user("you can use sam@example.org", "inform")], slots), DOMAIN
    )
    assert good == {"handoff_contact": "sam@example.org"}
    slots["handoff_contact"] = "sam@example.org"

    confirm = CollectingDispatcher()
    await ActionAskHandoffConfirmed().run(confirm, tracker(events, slots), DOMAIN)
    summary = confirm.messages[0]["text"]
    assert summary.startswith(f"Here is what I'll send to {CPA} (CPA):")
    for part in (
        "Topic: where your electricity comes from",
        "Place: Santa Monica",
        "Your question: “where does my electricity come from”",
        "Name: Sam Park",
        "Contact: sam@example.org",
    ):
        assert part in summary
    assert [b["payload"] for b in confirm.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert stored_tickets() == []  # nothing stored before the customer confirms

    yes = await form.validate_handoff_confirmed(
        "/affirm", dispatcher, tracker(events + [user("/affirm", "affirm", 1.0)], slots), DOMAIN
    )
    assert yes == {"handoff_confirmed": "yes"}
    slots["handoff_confirmed"] = "yes"
    filed = CollectingDispatcher()
    result = await ActionFileHandoff().run(filed, tracker(events, slots, sender="conv-cpa"), DOMAIN)
    (ticket,) = stored_tickets()
    assert (ticket.party_kind, ticket.party_key, ticket.party_name) == ("CCA", "cpa", CPA)
    assert (ticket.topic, ticket.place, ticket.question) == (
        "generation",
        "Santa Monica",
        "where does my electricity come from",
    )
    assert (ticket.contact_name, ticket.contact_phone, ticket.contact_email) == ("Sam Park", None, "sam@example.org")
    assert (ticket.conversation_id, ticket.channel) == ("conv-cpa", "rest")
    text = filed.messages[0]["text"]
    assert ticket.reference in text and "who will contact you at sam@example.org" in text and "1-888-585-3788" in text
    assert set_slots(result) == {
        "handoff_name": None,
        "handoff_contact": None,
        "handoff_confirmed": None,
        "handoff_offered": False,
    }
    deadline = time.monotonic() + 10
    while not receiver.accepted and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.json()["reference"] for r in receiver.requests] == [ticket.reference]
    assert ("handoff", "CCA", "generation") in stored_events()


async def test_consent_refused_stores_nothing(receiver):
    dispatcher = CollectingDispatcher()
    events = BILLING_ROUTED + [slot("handoff_offered", True), act("action_listen"), user("no thanks", "deny")]
    result = await ActionHandoffDeclined().run(
        dispatcher, tracker(events, {**BILLING_SLOTS, "handoff_offered": True}), DOMAIN
    )
    assert "won't pass anything on" in dispatcher.messages[0]["text"]
    assert set_slots(result) == {"handoff_offered": False}
    assert stored_tickets() == [] and stored_events() == []


@pytest.mark.parametrize("step", ["handoff_name", "handoff_contact", "handoff_confirmed"])
@pytest.mark.parametrize("text,intent", [("no thanks", "deny"), ("never mind", "inform"), ("/deny", "deny")])
async def test_leaving_at_any_step_stores_nothing(receiver, step, text, intent):
    slots = {**BILLING_SLOTS, "handoff_party": "sce", "handoff_name": "Al Jones", "handoff_contact": "al@example.org"}
    t = tracker(
        BILLING_ROUTED + [loop("handoff_form"), user(text, intent, 1.0 if text.startswith("/") else 0.9)],
        {**slots, "requested_slot": step},
        "handoff_form",
    )
    dispatcher = CollectingDispatcher()
    validated = await getattr(ValidateHandoffForm(), f"validate_{step}")(text, dispatcher, t, DOMAIN)
    assert validated["handoff_confirmed"] == "no" and dispatcher.messages == []
    ended = tracker(t.events, {**slots, **validated}, "handoff_form")
    assert await ValidateHandoffForm().required_slots(["handoff_name"], dispatcher, ended, DOMAIN) == []
    result = await ActionFileHandoff().run(dispatcher, ended, DOMAIN)
    assert "nothing was sent" in dispatcher.messages[0]["text"]
    assert set_slots(result)["handoff_confirmed"] is None
    assert stored_tickets() == [] and stored_events() == []


@pytest.mark.parametrize("text", ["Santa Monica 90401", "my name is", "are you a bot?", "I want a real person"])
async def test_something_that_is_not_a_name_is_asked_again(receiver, text):
    dispatcher = CollectingDispatcher()
    t = tracker(BILLING_ROUTED + [user(text, "inform", 0.6)], {**BILLING_SLOTS, "handoff_party": "sce"})
    assert await ValidateHandoffForm().validate_handoff_name(text, dispatcher, t, DOMAIN) == {"handoff_name": None}
    assert "Please type just the name SCE should ask for" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("626 302 12", "has 8 digits"),
        ("123-456-7890", "isn't a valid US phone number"),
        ("sam@example", "looks incomplete"),
        ("whenever works", "didn't find a phone number or e-mail address"),
    ],
)
async def test_an_invalid_phone_or_email_is_asked_again(receiver, text, expected):
    dispatcher = CollectingDispatcher()
    t = tracker(BILLING_ROUTED + [user(text, "inform", 0.5)], {**BILLING_SLOTS, "handoff_name": "Al"})
    assert await ValidateHandoffForm().validate_handoff_contact(text, dispatcher, t, DOMAIN) == {
        "handoff_contact": None
    }
    assert expected in dispatcher.messages[0]["text"]


async def test_a_name_with_a_phone_number_fills_both(receiver):
    dispatcher = CollectingDispatcher()
    t = tracker(BILLING_ROUTED + [user("Al Jones 626 302 1212", "inform")], BILLING_SLOTS)
    got = await ValidateHandoffForm().validate_handoff_name("", dispatcher, t, DOMAIN)
    assert got == {"handoff_name": "Al Jones", "handoff_contact": "626-302-1212"}


async def test_a_correction_at_the_confirmation_replaces_the_contact(receiver):
    dispatcher = CollectingDispatcher()
    t = tracker(
        BILLING_ROUTED + [user("actually use 626-302-1299", "inform")], {**BILLING_SLOTS, "handoff_contact": "x@y.org"}
    )
    got = await ValidateHandoffForm().validate_handoff_confirmed("", dispatcher, t, DOMAIN)
    assert got == {"handoff_confirmed": None, "handoff_contact": "626-302-1299"}


async def test_a_new_question_ends_the_request_and_is_answered(receiver):
    question = user("is there an outage in Irvine right now", "outage", 0.96)
    t = tracker(
        BILLING_ROUTED + [loop("handoff_form"), question], {**BILLING_SLOTS, "handoff_name": "Al"}, "handoff_form"
    )
    dispatcher = CollectingDispatcher()
    got = await ValidateHandoffForm().validate_handoff_contact(question["text"], dispatcher, t, DOMAIN)
    assert got == {"handoff_contact": None, "handoff_confirmed": "switch"} and dispatcher.messages == []
    result = await ActionFileHandoff().run(dispatcher, tracker(t.events, {**BILLING_SLOTS, **got}), DOMAIN)
    assert dispatcher.messages == [] and stored_tickets() == []
    assert (result[-2]["event"], result[-2]["name"]) == ("action", "action_listen")
    assert result[-1]["event"] == "user" and result[-1]["text"] == question["text"]
    assert result[-1]["parse_data"]["intent"]["name"] == "outage"


async def test_when_delivery_is_off_after_the_offer_the_phone_number_is_given(clean):
    slots = {**BILLING_SLOTS, "handoff_party": "sce", "handoff_offered": True}
    dispatcher = CollectingDispatcher()
    started = await ActionHandoffStart().run(dispatcher, tracker(BILLING_ROUTED, slots), DOMAIN)
    assert set_slots(started) == {"handoff_confirmed": "unavailable"}
    await ActionFileHandoff().run(
        dispatcher, tracker(BILLING_ROUTED, {**slots, "handoff_confirmed": "unavailable"}), DOMAIN
    )
    assert "1-800-655-4555" in dispatcher.messages[0]["text"] and stored_tickets() == []


async def test_a_database_failure_gives_the_phone_number_and_stores_nothing(receiver, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("down"))

    monkeypatch.setattr(handoff, "file_ticket", broken)
    slots = {
        **BILLING_SLOTS,
        "handoff_party": "sce",
        "handoff_name": "Al",
        "handoff_contact": "al@example.org",
        "handoff_confirmed": "yes",
    }
    dispatcher = CollectingDispatcher()
    await ActionFileHandoff().run(dispatcher, tracker(BILLING_ROUTED, slots), DOMAIN)
    assert (
        "couldn't pass your request on" in dispatcher.messages[0]["text"]
        and "1-800-655-4555" in dispatcher.messages[0]["text"]
    )


async def test_start_forgets_an_earlier_attempt(receiver):
    slots = {**BILLING_SLOTS, "handoff_party": "sce", "handoff_name": "Old Name", "handoff_confirmed": "no"}
    result = await ActionHandoffStart().run(CollectingDispatcher(), tracker(BILLING_ROUTED, slots), DOMAIN)
    assert set_slots(result) == {"handoff_name": None, "handoff_confirmed": None}


# --- the customer's own words --------------------------------------------------------------------------


def test_the_routed_question_is_the_customers_own_words():
    assert routed_question(GENERATION_ROUTED) == "where does my electricity come from"
    assert routed_question(BILLING_ROUTED) == "why did my bill double this month"
    # "what about Huntington Beach?" re-routes the earlier question; the button payload is skipped.
    rerouted = GENERATION_ROUTED + [user("what about Huntington Beach?", "inform"), act("action_route_inquiry")]
    assert routed_question(rerouted) == "where does my electricity come from"
    clarified = [
        user("my thingy is weird", "nlu_fallback", 0.2),
        act("action_clarify"),
        user("/billing", "billing", 1.0),
        act("action_route_inquiry"),
    ]
    assert routed_question(clarified) == "my thingy is weird"
    assert routed_question([user("hello", "greet"), act("utter_greet")]) is None
    new_session = BILLING_ROUTED + [{"event": "session_started"}, user("hi", "greet")]
    assert routed_question(new_session) is None
    assert routed_question([user("x" * 5000, "billing"), act("action_route_inquiry")]) == "x" * 1000


@pytest.mark.parametrize("text", ["626-302-121", "sam@example", "my bill"])
async def test_a_mistyped_answer_is_not_taken_for_a_new_question(receiver, text):
    # A classifier may well call "626-302-121" a billing question, confidently.
    dispatcher = CollectingDispatcher()
    t = tracker(BILLING_ROUTED + [user(text, "billing", 0.99)], {**BILLING_SLOTS, "handoff_name": "Al"})
    assert await ValidateHandoffForm().validate_handoff_contact(text, dispatcher, t, DOMAIN) == {
        "handoff_contact": None
    }
    assert len(dispatcher.messages) == 1
