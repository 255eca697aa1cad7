"""The routing action: who answers the customer's question, with contacts and the reason."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import BackendUnavailable, call_bounded
from bot.inquiries import InquiryRecord, record_inquiry
from bot.replies import render
from bot.routing import Routing, route
from bot.topics import TOPIC_NAMES

logger = logging.getLogger(__name__)


def latest_topic(tracker: Tracker) -> str | None:
    """The topic of the latest message, else the one still being discussed."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in TOPIC_NAMES:
        return str(intent)
    slot = tracker.get_slot("inquiry_topic")
    return slot if slot in TOPIC_NAMES else None


def changed_slots(tracker: Tracker, **values: Any) -> List[EventType]:
    """SlotSet events only for values that differ: fewer events per turn, less tracker work."""
    return [SlotSet(name, value) for name, value in values.items() if tracker.get_slot(name) != value]


def intent_confidence(tracker: Tracker) -> float | None:
    value = (tracker.latest_message.get("intent") or {}).get("confidence")
    return float(value) if isinstance(value, (int, float)) else None


class ActionRouteInquiry(Action):
    """Route the current question, or flag that the service city is needed first."""

    def name(self) -> str:
        return "action_route_inquiry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        topic = latest_topic(tracker)
        city = tracker.get_slot("city")
        cca = tracker.get_slot("cca")
        if topic is None:
            where = f" {city}" if city else ""
            dispatcher.utter_message(
                text=f"Thanks, noted{where}. What would you like to know? I can help with bills, outages, "
                "where your power comes from, opting in or out of a CCA, COVID-19 relief, the grid, or forming a CCA."
            )
            return [SlotSet("needs_city", False)]
        try:
            routing: Routing = await call_bounded(route, topic, place=city, cca=cca)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_service_trouble")
            return [*changed_slots(tracker, inquiry_topic=topic, responsible_party=None), SlotSet("needs_city", False)]

        if routing.needs_city and not tracker.get_slot("city_unknown"):
            # needs_city is always emitted: the rules branch on it right after this action.
            return [*changed_slots(tracker, inquiry_topic=topic, responsible_party=None), SlotSet("needs_city", True)]

        dispatcher.utter_message(text=render(routing))
        place = routing.place.place.name if routing.place and routing.place.place else None
        record = InquiryRecord(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            topic=topic,
            party=routing.party_kind,
            cca=routing.cca.name if routing.cca else None,
            place=place,
            confidence=intent_confidence(tracker),
        )
        try:
            await call_bounded(record_inquiry, record)
        except BackendUnavailable:
            logger.error("inquiry for %s not recorded", tracker.sender_id[:40])
        return [
            *changed_slots(
                tracker,
                inquiry_topic=topic,
                responsible_party=routing.party_kind,
                cca=routing.cca.name if routing.cca else None,
                city=place if place else (None if routing.place is not None else city),
                city_unknown=False,
            ),
            SlotSet("needs_city", False),
        ]
