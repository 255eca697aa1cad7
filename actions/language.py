"""Silent actions: the page's language (the slot is filled by the payload's entity), and "not routed"."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.slots import Slot
from bot.topics import OUT_OF_SCOPE


class ActionSetLanguage(Action):
    """Silent: ``/page_language{"language": "es"}`` already set the slot through its mapping."""

    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return []


class ActionNotRouted(Action):
    """Silent, after a domain answer that sends the customer elsewhere (a gas smell): no party is responsible."""

    def name(self) -> str:
        return "action_not_routed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return [SlotSet(Slot.TOPIC, OUT_OF_SCOPE), SlotSet(Slot.PARTY, None), SlotSet(Slot.NEEDS_CITY, False)]
