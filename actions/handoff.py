"""The callback request: offer it, collect a name and a phone number or e-mail address, confirm, file.

Flow (rules in data/handoff.yml): an offering action (``action_request_human``, or the routing action
through :func:`offer_handoff`) asks "Would you like SCE to contact you?" with /affirm and /deny
buttons and sets ``handoff_offered``. Any other message resets that slot (its from_intent mapping),
so a later "yes" is never taken as consent. "Yes" runs ``action_handoff_start`` and ``handoff_form``
(name, contact, confirmation); ``action_file_handoff`` then files the ticket, or says nothing was sent.
"no thanks" / "never mind" end the form at any step; a new question ends it and is answered.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.guard import BackendUnavailable, call_bounded
from bot.handoff import contact as contact_text
from bot.handoff.delivery import start_with_action_server, wake_worker
from bot.handoff.targets import usable_target
from bot.handoff.texts import say, topic_phrase
from bot.handoff.tickets import TicketDraft, file_ticket
from bot.replies import contact_line
from bot.repository import PartyInfo, RoleTable, role_table
from bot.topics import TOPIC_NAMES, Topic

logger = logging.getLogger(__name__)

FORM = "handoff_form"
OFFERED = "handoff_offered"
PARTY = "handoff_party"
NAME = "handoff_name"
CONTACT = "handoff_contact"
CONFIRMED = "handoff_confirmed"  # yes | no (cancelled) | switch (a new question) | unavailable
FORM_SLOTS = (NAME, CONTACT, CONFIRMED)
YES, NO, SWITCH, UNAVAILABLE = "yes", "no", "switch", "unavailable"
ENDED = frozenset({NO, SWITCH, UNAVAILABLE})

ROUTING_ACTION = "action_route_inquiry"
PARTY_KINDS = frozenset({"SCE", "CCA", "CAISO", "CPUC"})
# Messages that are not the question itself (answers, small talk); the rest can be a routed question.
NOT_A_QUESTION = frozenset(
    {
        "inform",
        "dont_know",
        "affirm",
        "deny",
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "request_human",
        "switch_language",
        "out_of_scope",
    }
)
NEW_QUESTION_CONFIDENCE = 0.7
MIN_QUESTION_WORDS = 3
MAX_QUESTION_CHARS = 1000

# The rasa-sdk action server imports this module at startup: start the delivery loop with it, so
# tickets left pending by a crash or a down receiver are sent without waiting for a new one.
start_with_action_server()


def language(tracker: Tracker) -> str:
    return "es" if tracker.get_slot("language") == "es" else "en"


def handling_party(table: RoleTable, kind: str | None, cca_name: str | None) -> PartyInfo:
    """The party a customer is sent to for ``responsible_party`` / ``cca`` (SCE when none or unknown)."""
    party = table.party_of_kind("SCE")
    if kind == "CCA" and cca_name:
        return next((p for p in table.ccas if p.name == cca_name), party)
    if kind in {"CAISO", "CPUC"}:
        return table.party_of_kind(kind)
    return party


def party_phrase(party: PartyInfo, lang: str = "en") -> str:
    """How the offer names the party: "SCE", "the CPUC", or a CCA's full name."""
    if party.kind == "CPUC":
        return "la CPUC" if lang == "es" else "the CPUC"
    if party.kind in {"SCE", "CAISO"}:
        return party.short_name or party.name
    return party.name


def offer_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, party: PartyInfo | None) -> List[EventType]:
    """Offer a callback from ``party`` if its tickets can be delivered; return the slot events.

    For the routing action: call it after the routed answer with the primary party
    (``routing.primary.party``) and add the returned events to the action's.
    """
    if party is None or party.kind not in PARTY_KINDS or usable_target(party.key) is None:
        return [SlotSet(OFFERED, False)] if tracker.get_slot(OFFERED) else []
    lang = language(tracker)
    dispatcher.utter_message(
        text=say("offer", lang, party=party_phrase(party, lang)),
        buttons=[
            {"title": say("offer_yes", lang), "payload": "/affirm"},
            {"title": say("offer_no", lang), "payload": "/deny"},
        ],
    )
    return [SlotSet(OFFERED, True), SlotSet(PARTY, party.key)]


def routed_question(events: List[Dict[str, Any]]) -> str | None:
    """The customer's own words for the question last routed in this session.

    The latest typed message before the last routing action that asked something (not a button payload,
    not an answer to the city question, not small talk) - "what about Irvine?" keeps the earlier question.
    """
    loop: str | None = None
    candidates: List[tuple[int, str]] = []
    last_route: int | None = None
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "session_started":
            candidates, last_route = [], None
        elif kind == "active_loop":
            loop = event.get("name")
        elif kind == "action" and event.get("name") == ROUTING_ACTION:
            last_route = index
        elif kind == "user":
            text = (event.get("text") or "").strip()
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if text and not text.startswith("/") and loop is None and intent not in NOT_A_QUESTION:
                candidates.append((index, text))
    if last_route is None:
        return None
    before = [text for index, text in candidates if index < last_route]
    return before[-1][:MAX_QUESTION_CHARS] if before else None


def has_routed_question(tracker: Tracker) -> bool:
    return tracker.get_slot("inquiry_topic") in TOPIC_NAMES and tracker.get_slot("responsible_party") in PARTY_KINDS


async def _party(tracker: Tracker) -> PartyInfo | None:
    """The party the callback was offered for (``handoff_party``), else the one handling the question."""
    try:
        table = await call_bounded(role_table)
    except BackendUnavailable:
        return None
    key = tracker.get_slot(PARTY)
    if key in table.parties:
        return table.parties[key]
    return handling_party(table, tracker.get_slot("responsible_party"), tracker.get_slot("cca"))


def _latest(tracker: Tracker) -> tuple[str, str | None, float]:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    confidence = intent.get("confidence")
    return (
        str(message.get("text") or ""),
        intent.get("name"),
        float(confidence) if isinstance(confidence, (int, float)) else 0.0,
    )


def _is_new_question(text: str, intent: str | None, confidence: float) -> bool:
    """A confident topic intent on a message that reads like a question, not like a (mistyped) answer:
    a classifier may call "626-302-121" a billing question, so digits or an "@" never count."""
    if not intent or intent in NOT_A_QUESTION or intent == "nlu_fallback" or confidence < NEW_QUESTION_CONFIDENCE:
        return False
    if "@" in text or any(ch.isdigit() for ch in text):
        return False
    return len([w for w in text.split() if any(ch.isalpha() for ch in w)]) >= MIN_QUESTION_WORDS


class ActionHandoffStart(Action):
    """The customer said yes to the offer: forget any earlier attempt, then the form asks for the name."""

    def name(self) -> str:
        return "action_handoff_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        events: List[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS if tracker.get_slot(slot) is not None]
        party = await _party(tracker)
        if party is None or usable_target(party.key) is None:
            # Delivery was switched off since the offer (or the role table is down): the form ends at once
            # and action_file_handoff gives the phone number instead.
            return [*events, SlotSet(CONFIRMED, UNAVAILABLE)]
        if tracker.get_slot(PARTY) != party.key:
            events.append(SlotSet(PARTY, party.key))
        return events


class ActionHandoffDeclined(Action):
    """The customer said no to the offer."""

    def name(self) -> str:
        return "action_handoff_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=say("declined", language(tracker)))
        return [SlotSet(OFFERED, False)]


class ValidateHandoffForm(FormValidationAction):
    """Check the name, the phone number or e-mail address, and the confirmation; leave on "no thanks"."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        if tracker.get_slot(CONFIRMED) in ENDED:
            return []
        return list(domain_slots)

    def _leave(self, tracker: Tracker, slot: str) -> Dict[str, Any] | None:
        """``{slot: None, confirmed: no|switch}`` when the message cancels or asks something new."""
        text, intent, confidence = _latest(tracker)
        if contact_text.is_cancel(text, intent, confidence):
            return {slot: None, CONFIRMED: NO}
        if _is_new_question(text, intent, confidence):
            return {slot: None, CONFIRMED: SWITCH}
        return None

    async def validate_handoff_name(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text, intent, confidence = _latest(tracker)
        if contact_text.is_cancel(text, intent, confidence):
            return {NAME: None, CONFIRMED: NO}
        found = contact_text.parse_contact(text)
        name = contact_text.clean_name(contact_text.without_contact(text) if found.ok else text)
        if name:
            return {NAME: name, CONTACT: found.display} if found.ok else {NAME: name}
        leave = self._leave(tracker, NAME)
        if leave:
            return leave
        party = await _party(tracker)
        lang = language(tracker)
        dispatcher.utter_message(text=say("bad_name", lang, party=party_phrase(party, lang) if party else "SCE"))
        return {NAME: None}

    async def validate_handoff_contact(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text, _intent, _confidence = _latest(tracker)
        found = contact_text.parse_contact(text)
        if found.ok:
            return {CONTACT: found.display}
        leave = self._leave(tracker, CONTACT)
        if leave:
            return leave
        dispatcher.utter_message(text=say(found.problem or "missing", language(tracker), digits=found.digits))
        return {CONTACT: None}

    async def validate_handoff_confirmed(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text, intent, confidence = _latest(tracker)
        if contact_text.is_cancel(text, intent, confidence):
            return {CONFIRMED: NO}
        if contact_text.is_yes(text, intent, confidence):
            return {CONFIRMED: YES}
        found = contact_text.parse_contact(text)
        if found.ok:  # a correction: show the summary again with the new details
            return {CONFIRMED: None, CONTACT: found.display}
        if _is_new_question(text, intent, confidence):
            return {CONFIRMED: SWITCH}
        return {CONFIRMED: None}  # the summary is asked again, with its buttons


class ActionAskHandoffName(Action):
    def name(self) -> str:
        return "action_ask_handoff_name"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        party = await _party(tracker)
        lang = language(tracker)
        dispatcher.utter_message(text=say("ask_name", lang, party=party_phrase(party, lang) if party else "SCE"))
        return []


class ActionAskHandoffContact(Action):
    def name(self) -> str:
        return "action_ask_handoff_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        party = await _party(tracker)
        lang = language(tracker)
        dispatcher.utter_message(
            text=say(
                "ask_contact",
                lang,
                name=tracker.get_slot(NAME) or "",
                party=party_phrase(party, lang) if party else "SCE",
            )
        )
        return []


def _summary_values(tracker: Tracker, party: PartyInfo | None, lang: str) -> Dict[str, str]:
    question = routed_question(list(tracker.events))
    return {
        "party_label": party.label if party else "SCE",
        "topic": topic_phrase(tracker.get_slot("inquiry_topic"), lang),
        "place": tracker.get_slot("city") or say("not_given", lang),
        "question": f"“{question}”" if question else say("not_recorded", lang),
        "name": tracker.get_slot(NAME) or "",
        "contact": tracker.get_slot(CONTACT) or "",
    }


class ActionAskHandoffConfirmed(Action):
    """Show exactly what will be sent, and to whom, before anything is stored."""

    def name(self) -> str:
        return "action_ask_handoff_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        lang = language(tracker)
        party = await _party(tracker)
        dispatcher.utter_message(
            text=say("confirm", lang, **_summary_values(tracker, party, lang)),
            buttons=[
                {"title": say("confirm_yes", lang), "payload": "/affirm"},
                {"title": say("confirm_no", lang), "payload": "/deny"},
            ],
        )
        return []


class ActionFileHandoff(Action):
    """After the form: file the ticket and give the reference, or confirm that nothing was sent."""

    def name(self) -> str:
        return "action_file_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        lang = language(tracker)
        status = tracker.get_slot(CONFIRMED)
        reset: List[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS if tracker.get_slot(slot) is not None]
        if tracker.get_slot(OFFERED):
            reset.append(SlotSet(OFFERED, False))
        if status == SWITCH:
            # A new question ended the request: replay the message so the usual rules answer it.
            latest = tracker.latest_message or {}
            return [
                *reset,
                ActionExecuted("action_listen"),
                UserUttered(latest.get("text"), parse_data=latest, input_channel=tracker.get_latest_input_channel()),
            ]
        party = await _party(tracker)
        if status != YES or party is None:
            if status not in (YES, UNAVAILABLE):
                dispatcher.utter_message(text=say("cancelled", lang))
            elif party is None:  # the role table is down: SCE's numbers from the domain
                dispatcher.utter_message(response="utter_service_trouble")
            else:
                self._call_them(dispatcher, party, tracker, lang)
            return reset
        found = contact_text.parse_contact(tracker.get_slot(CONTACT) or "")
        cca = party.name if party.kind == "CCA" else None
        draft = TicketDraft(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            party_kind=party.kind,
            party_key=party.key,
            party_name=party.name,
            topic=tracker.get_slot("inquiry_topic"),
            place=tracker.get_slot("city"),
            question=routed_question(list(tracker.events)),
            contact_name=tracker.get_slot(NAME) or "",
            contact_phone=found.phone,
            contact_email=found.email,
            language=lang,
            cca=cca,
        )
        try:
            filed = await call_bounded(file_ticket, draft)
        except (BackendUnavailable, SQLAlchemyError, ValueError, RuntimeError) as exc:
            logger.error("hand-off for %s not filed: %s", tracker.sender_id[:40], type(exc).__name__)
            self._call_them(dispatcher, party, tracker, lang)
            return reset
        wake_worker()
        text = say("filed", lang, party_label=party.label, contact=found.display, reference=filed.reference)
        if party.phone:
            text += say("filed_phone", lang, phone=party.phone)
        dispatcher.utter_message(text=text)
        return reset

    @staticmethod
    def _call_them(dispatcher: CollectingDispatcher, party: PartyInfo, tracker: Tracker, lang: str) -> None:
        topic = tracker.get_slot("inquiry_topic")
        parsed = Topic(topic) if topic in TOPIC_NAMES else None
        dispatcher.utter_message(
            text=say("failed", lang, party_label=party.label, contact_line=contact_line(party, parsed))
        )
