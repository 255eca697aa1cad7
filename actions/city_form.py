"""Validation for the city form: accept known places, re-ask unknown ones with suggestions."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guard import BackendUnavailable, call_bounded
from bot.places import resolve_cca, resolve_place
from bot.replies import unknown_place_message

LEAVING_INTENTS = frozenset({"goodbye", "deny"})
LEAVING_CONFIDENCE = 0.8


class ValidateCityForm(FormValidationAction):
    """Resolve the city against the role table before the routing action runs."""

    def name(self) -> str:
        return "validate_city_form"

    async def required_slots(
        self, domain_slots: List[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[str]:
        # "I don't know" ends the form (both cases get explained); so does naming an active CCA.
        if tracker.get_slot("city_unknown"):
            return []
        cca = tracker.get_slot("cca")
        if cca and not tracker.get_slot("city"):
            try:
                party = await call_bounded(resolve_cca, cca)
            except BackendUnavailable:
                party = None
            if party is not None and party.status == "active":
                return []
        return [slot for slot in domain_slots if slot != "city_unknown"]

    async def validate_city(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = slot_value if isinstance(slot_value, str) else ""
        try:
            match = await call_bounded(resolve_place, text)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_service_trouble")
            return {"city": None, "city_unknown": True}
        if match.known and match.place is not None:
            return {"city": match.place.name}
        intent = tracker.latest_message.get("intent") or {}
        if intent.get("name") in LEAVING_INTENTS and float(intent.get("confidence") or 0) >= LEAVING_CONFIDENCE:
            # "never mind" / "bye": stop asking; the routing action then explains both cases.
            return {"city": None, "city_unknown": True}
        suggestions = list(match.suggestions)
        dispatcher.utter_message(
            text=unknown_place_message(text, suggestions),
            buttons=[{"title": s, "payload": f'/inform{{"city": "{s}"}}'} for s in suggestions]
            + [{"title": "I don't know", "payload": "/dont_know"}],
        )
        return {"city": None}
