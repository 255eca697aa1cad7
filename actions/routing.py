"""The routing action: who answers the customer's question, with contacts and the reason."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import BackendUnavailable, call_bounded
from actions.handoff import offer_handoff
from bot.cues import SECOND_QUESTION, FollowUp, follow_up_of, second_topic, subtopic_of
from bot.i18n import language_of, t
from bot.inquiries import InquiryRecord, record_inquiry
from bot.language import Language
from bot.relevance import off_domain
from bot.replies import contact_line, render
from bot.repository import PartyInfo
from bot.routing import Routing, route
from bot.slots import Slot
from bot.topics import TOPIC_NAMES, Subtopic, Topic

logger = logging.getLogger(__name__)

# Intents that are not topics themselves but route as one.
HAZARD_INTENT = "report_hazard"
COMPLAINT_INTENT = "complaint"
# A confident classifier wins over a follow-up cue that points to another topic.
CONFIDENT = 0.8


def user_text(tracker: Tracker) -> str:
    """The customer's words of the latest message ("" for a button payload such as ``/billing``)."""
    text = str(tracker.latest_message.get("text") or "")
    return "" if text.startswith("/") else text


def intent_of(tracker: Tracker) -> Tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    value = intent.get("confidence")
    return intent.get("name"), float(value) if isinstance(value, (int, float)) else 0.0


def slot_topic(tracker: Tracker) -> Topic | None:
    value = tracker.get_slot(Slot.TOPIC)
    return Topic(value) if value in TOPIC_NAMES else None


def question_of(tracker: Tracker) -> Tuple[Topic | None, Subtopic | None, FollowUp | None]:
    """Topic, subtopic and follow-up of the latest message, using the topic in progress where needed."""
    intent, confidence = intent_of(tracker)
    text = user_text(tracker)
    previous = slot_topic(tracker)
    topic: Topic | None
    subtopic: Subtopic | None = None
    if intent in TOPIC_NAMES:
        topic = Topic(intent)
    elif intent == HAZARD_INTENT:
        topic, subtopic = Topic.OUTAGE, Subtopic.HAZARD
    elif intent == COMPLAINT_INTENT:
        topic, subtopic = previous or Topic.BILLING, Subtopic.COMPLAINT
    else:
        topic = previous
    # The safety instruction already came with a hazard report; "should I call 911?" in it is not a follow-up.
    follow = None if intent == HAZARD_INTENT else follow_up_of(text)
    follow_up = None
    if follow is not None:
        kind, follow_topic = follow
        # "how long till it's back" after an outage is the restoration question, whatever a
        # hesitant classifier made of it; a confident, different topic keeps its own answer.
        if follow_topic is topic or (follow_topic is previous and (topic is None or confidence < CONFIDENT)):
            topic, follow_up = follow_topic, kind
        elif kind is FollowUp.WHAT_IS_CCA and topic is None:
            topic, follow_up = follow_topic, kind
    if subtopic is None and follow_up is None and not off_domain(text):
        # CARE, FERA, Medical Baseline and payment arrangements are SCE billing questions, whatever
        # the classifier made of the sentence ("the CARE discount, do I ask the CCA?").
        if subtopic_of(text, Topic.BILLING) is Subtopic.ASSISTANCE_PROGRAMS and topic is not Topic.COVID_RELIEF:
            topic, subtopic = Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS
        elif topic is not None:
            subtopic = subtopic_of(text, topic)
    return topic, subtopic, follow_up


def answers_by_cue(tracker: Tracker) -> bool:
    """A message the classifier did not route that its words still route: a follow-up or a program."""
    _, subtopic, follow_up = question_of(tracker)
    return follow_up is not None or subtopic is Subtopic.ASSISTANCE_PROGRAMS


def _es(language: Language) -> bool:
    return language is Language.ES


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def changed_slots(tracker: Tracker, **values: Any) -> List[EventType]:
    """SlotSet events only for values that differ: fewer events per turn, less tracker work."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]


def _answering_party(routing: Routing) -> PartyInfo | None:
    return routing.primary.party if routing.primary else None


def follow_up_reply(kind: FollowUp, routing: Routing, language: Language) -> str | None:
    """The answer to a follow-up question, or None when the routing has no party to name."""
    party = _answering_party(routing)
    if kind is FollowUp.WHAT_IS_CCA:
        return t("followup.what_is_cca", language)
    if party is None:
        return None
    if kind in (FollowUp.RESTORATION, FollowUp.WHAT_TO_DO):
        web = f" ({party.outage_web})" if party.outage_web else ""
        return t(f"followup.{kind.value}", language, party=party.name, web=web, phone=party.outage_phone or party.phone)
    if kind is FollowUp.COST_TO_LEAVE:
        contact = contact_line(party, routing.topic, spanish=_es(language))
        return t("followup.cost_to_leave", language, party=party.label, contact=contact)
    if kind is FollowUp.STILL_PAY_SCE:
        cca = routing.cca.name if routing.cca else "your CCA"
        return t("followup.still_pay_sce", language, party=cca)
    return None


class ActionRouteInquiry(Action):
    """Route the current question, or flag that the service city is needed first."""

    def name(self) -> str:
        return "action_route_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return await route_and_answer(dispatcher, tracker)


async def route_and_answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Answer the latest message's question; shared by the routing, fallback and out-of-scope actions."""
    language = language_of(tracker.get_slot(Slot.LANGUAGE))
    topic, subtopic, follow_up = question_of(tracker)
    city = tracker.get_slot(Slot.CITY)
    cca = tracker.get_slot(Slot.CCA)
    if topic is None:
        dispatcher.utter_message(response="utter_noted_place", city=city or "")
        return [SlotSet(Slot.NEEDS_CITY, False), *changed_slots(tracker, **{Slot.CLARIFYING: False})]
    try:
        routing: Routing = await call_bounded(route, topic.value, place=city, cca=cca, subtopic=subtopic)
    except BackendUnavailable:
        dispatcher.utter_message(response="utter_service_trouble")
        return [
            *changed_slots(tracker, **{Slot.TOPIC: topic.value, Slot.PARTY: None, Slot.CLARIFYING: False}),
            SlotSet(Slot.NEEDS_CITY, False),
        ]

    if follow_up is FollowUp.SAFETY:
        # "should I move it?" about a downed wire: the safety instruction again, nothing else.
        dispatcher.utter_message(response="utter_safety_hazard")
        return [
            *changed_slots(tracker, **{Slot.TOPIC: topic.value, Slot.CLARIFYING: False}),
            SlotSet(Slot.NEEDS_CITY, False),
        ]
    second = second_question_of(tracker, topic) if follow_up is None else None
    if follow_up is FollowUp.WHAT_IS_CCA:  # answered without the city the topic would need
        reply = follow_up_reply(follow_up, routing, language) or ""
    elif routing.needs_city and not tracker.get_slot(Slot.CITY_UNKNOWN):
        # needs_city is always emitted: the rules branch on it right after this action. A second question
        # waits for the city (the answer to the city question is not a question itself).
        return [
            *changed_slots(
                tracker,
                **{Slot.TOPIC: topic.value, Slot.PARTY: None, Slot.SUBTOPIC: _value(subtopic), Slot.CLARIFYING: False},
            ),
            *keep_pending(second, tracker),
            SlotSet(Slot.NEEDS_CITY, True),
        ]
    else:
        reply = (follow_up and follow_up_reply(follow_up, routing, language)) or render(routing, spanish=_es(language))
    if digest(reply) == tracker.get_slot(Slot.LAST_REPLY) and routing.primary and routing.primary.party:
        # The same question again: say it shorter rather than repeat the block word for word.
        party = routing.primary.party
        reply = t("repeat", language, party=party.label, contact=contact_line(party, topic, spanish=_es(language)))
    dispatcher.utter_message(text=reply)

    if second is None and follow_up is None:
        second = pending_question_of(tracker, topic)
    if second is not None:
        await _answer_second(dispatcher, second[0], second[1], city, cca, language)

    place = routing.place.place.name if routing.place and routing.place.place else None
    await _record(tracker, topic, routing, place)
    # With a webhook for the party, offer a callback (docs/handoff.md); never after a safety answer.
    offer = [] if subtopic is Subtopic.HAZARD else offer_handoff(dispatcher, tracker, _answering_party(routing))
    return [
        *offer,
        *changed_slots(
            tracker,
            **{
                Slot.TOPIC: topic.value,
                Slot.PARTY: routing.party_kind,
                Slot.CCA: routing.cca.name if routing.cca else None,
                Slot.CITY: place if place else (None if routing.place is not None else city),
                Slot.CITY_UNKNOWN: False,
                Slot.SUBTOPIC: _value(subtopic),
                Slot.CLARIFYING: False,
                Slot.LAST_REPLY: digest(reply),
            },
        ),
        *([SlotSet(Slot.PENDING_QUESTION, None)] if tracker.get_slot(Slot.PENDING_QUESTION) else []),
        SlotSet(Slot.NEEDS_CITY, False),
    ]


def keep_pending(second: Tuple[Topic, str] | None, tracker: Tracker) -> List[EventType]:
    """Keep a second question until the first one is answered; a new question of the customer's drops an old one."""
    if second is not None:
        return [SlotSet(Slot.PENDING_QUESTION, {"name": second[0].value, "text": second[1]})]
    if tracker.get_slot(Slot.PENDING_QUESTION) and asks_its_own_question(tracker):
        return [SlotSet(Slot.PENDING_QUESTION, None)]
    return []


def asks_its_own_question(tracker: Tracker) -> bool:
    """Whether the latest message is a typed topic question (not a city, "I don't know" or a button)."""
    intent, _ = intent_of(tracker)
    return bool(user_text(tracker)) and intent in TOPIC_NAMES


def pending_question_of(tracker: Tracker, first: Topic | None) -> Tuple[Topic, str] | None:
    """The second question kept while the city was asked or a topic button shown, now the first is answered.

    Only when the latest message answers that question (a city, "I don't know", a button): a new question
    of the customer's own replaces the old ones.
    """
    pending = tracker.get_slot(Slot.PENDING_QUESTION) or {}
    if not isinstance(pending, dict) or asks_its_own_question(tracker):
        return None
    try:
        topic = Topic(pending.get("name"))
    except ValueError:
        return None
    return (topic, str(pending.get("text") or "")) if topic is not first else None


def second_question_of(tracker: Tracker, first: Topic | None) -> Tuple[Topic, str] | None:
    """A second question in the latest message: the NLU's clause classifier, else the keyword cues."""
    found = (tracker.latest_message or {}).get(SECOND_QUESTION) or {}
    try:
        topic = Topic(found.get("name"))
    except ValueError:
        return second_topic(user_text(tracker), first)
    return (topic, str(found.get("text") or "")) if topic is not first else None


def _value(subtopic: Subtopic | None) -> str | None:
    return subtopic.value if subtopic else None


async def _answer_second(
    dispatcher: CollectingDispatcher, topic: Topic, clause: str, city: str | None, cca: str | None, language: Language
) -> None:
    """The second question of a two-question message, answered after the first (never asks for a city)."""
    try:
        routing = await call_bounded(route, topic.value, place=city, cca=cca, subtopic=subtopic_of(clause, topic))
    except BackendUnavailable:
        return
    dispatcher.utter_message(text=f"{t('second_question', language)} {render(routing, spanish=_es(language))}")


async def _record(tracker: Tracker, topic: Topic, routing: Routing, place: str | None) -> None:
    _, confidence = intent_of(tracker)
    record = InquiryRecord(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        topic=topic.value,
        party=routing.party_kind,
        cca=routing.cca.name if routing.cca else None,
        place=place,
        confidence=confidence,
    )
    try:
        await call_bounded(record_inquiry, record)
    except BackendUnavailable:
        logger.error("inquiry for %s not recorded", tracker.sender_id[:40])
