"""Two custom actions for the in-process action-server tests: one answers, one fails."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionHello(Action):
    def name(self) -> str:
        return "action_hello"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        dispatcher.utter_message(text=f"hello {tracker.sender_id}")
        return []


class ActionExplode(Action):
    def name(self) -> str:
        return "action_explode"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        raise RuntimeError(f"failed for {tracker.latest_message.get('text')}")
