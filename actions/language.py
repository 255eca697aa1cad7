"""The widget's page language: the ``language`` slot is filled from the payload's entity; nothing is said."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionSetLanguage(Action):
    """Silent: ``/page_language{"language": "es"}`` already set the slot through its mapping."""

    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        return []
