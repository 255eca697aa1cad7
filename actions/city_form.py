"""Validation for the city form: accept known places, offer a near miss as a question, stop after two misses."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import BackendUnavailable, call_bounded
from bot.handoff import EventKind, record_event
from bot.i18n import language_of, t
from bot.language import Language
from bot.places import resolve_cca, resolve_place
from bot.replies import place_question
from bot.slots import Slot

LEAVING_INTENTS = frozenset({"goodbye", "deny"})
LEAVING_CONFIDENCE = 0.8
# After this many answers that name no known place, stop asking: the routing action then gives the
# bill-based answer ("your SCE bill names your generation provider") with SCE's number.
MAX_UNKNOWN_ANSWERS = 2


class ValidateCityForm(FormValidationAction):
    """Resolve the city against the role table before the routing action runs."""

    def name(self) -> str:
        return "validate_city_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        # "I don't know" ends the form (both cases get explained); so does naming an active CCA.
        if tracker.get_slot(Slot.CITY_UNKNOWN):
            return []
        cca = tracker.get_slot(Slot.CCA)
        if cca and not tracker.get_slot(Slot.CITY):
            try:
                party = await call_bounded(resolve_cca, cca)
            except BackendUnavailable:
                party = None
            if party is not None and party.status == "active":
                return []
        return [slot for slot in domain_slots if slot != Slot.CITY_UNKNOWN]

    async def validate_city(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        language = language_of(tracker.get_slot(Slot.LANGUAGE))
        text = slot_value if isinstance(slot_value, str) else ""
        try:
            match = await call_bounded(resolve_place, text)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_service_trouble")
            return {Slot.CITY: None, Slot.CITY_UNKNOWN: True}
        if match.known and match.place is not None:
            return {Slot.CITY: match.place.name, Slot.CITY_ATTEMPTS: 0}
        intent = tracker.latest_message.get("intent") or {}
        if intent.get("name") in LEAVING_INTENTS and float(intent.get("confidence") or 0) >= LEAVING_CONFIDENCE:
            # "never mind" / "bye": stop asking; the routing action then explains both cases.
            return {Slot.CITY: None, Slot.CITY_UNKNOWN: True}
        dont_know = {"title": t("place.dont_know", language), "payload": "/dont_know"}
        spanish = language is Language.ES
        if match.region is not None:
            # "Orange County" alone: its cities differ, so ask which one (not counted as a miss).
            text_es = t("place.region", language, region=match.region.name)
            dispatcher.utter_message(text=text_es if spanish else place_question(match), buttons=[dont_know])
            return {Slot.CITY: None}
        offered = [match.suggestion] if match.suggestion else list(match.suggestions)
        if match.suggestion or match.zip_code:
            # A near miss or a ZIP code is a question, never applied silently.
            asked = t("place.did_you_mean", language, place=match.suggestion) if spanish and match.suggestion else None
            dispatcher.utter_message(text=asked or place_question(match), buttons=_place_buttons(offered, language))
            return {Slot.CITY: None}
        await call_bounded(record_event, tracker.sender_id, tracker.get_latest_input_channel(), EventKind.UNKNOWN_PLACE)
        attempts = int(tracker.get_slot(Slot.CITY_ATTEMPTS) or 0) + 1
        if attempts >= MAX_UNKNOWN_ANSWERS:
            return {Slot.CITY: None, Slot.CITY_UNKNOWN: True, Slot.CITY_ATTEMPTS: 0}
        dispatcher.utter_message(text=place_question(match), buttons=_place_buttons(offered, language))
        return {Slot.CITY: None, Slot.CITY_ATTEMPTS: float(attempts)}


def _place_buttons(places: List[str], language: Language) -> List[Dict[str, str]]:
    """One button per offered place (its payload fills the city slot), then "I don't know"."""
    label = "place.yes_place" if len(places) == 1 else None
    buttons = [
        {"title": t(label, language, place=name) if label else name, "payload": f'/inform{{"city": "{name}"}}'}
        for name in places
    ]
    return buttons + [{"title": t("place.dont_know", language), "payload": "/dont_know"}]
