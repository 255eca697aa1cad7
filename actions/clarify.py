"""When the classifier is unsure: ask which topic the question is about, or say what the assistant does."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import call_bounded
from actions.routing import answers_by_cue, keep_pending, route_and_answer, second_question_of
from bot.handoff import EventKind, record_event
from bot.i18n import language_of, t
from bot.slots import Slot
from bot.topics import AS_TOPIC, OUT_OF_SCOPE, TOPIC_NAMES

# Topic intents that fill the clarifying buttons: at most this many, each at least this likely.
MAX_OPTIONS = 3
MIN_CONFIDENCE = 0.08
# Intents that stand for a topic when they rank high.


def clarifying_options(ranking: List[Dict[str, Any]]) -> List[str]:
    """Topic intents worth offering, most likely first, when no out-of-domain intent leads.

    Returns an empty list when the message looks out of domain: the most likely intent (fallback
    aside) is not a topic, or no topic reaches :data:`MIN_CONFIDENCE`.
    """
    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    if not ranked:
        return []
    top = AS_TOPIC.get(str(ranked[0].get("name")), str(ranked[0].get("name")))
    if top not in TOPIC_NAMES:
        return []
    options: List[str] = []
    for row in ranked:
        name = AS_TOPIC.get(str(row.get("name")), str(row.get("name")))
        if name in TOPIC_NAMES and name not in options and float(row.get("confidence") or 0) >= MIN_CONFIDENCE:
            options.append(name)
    return options[:MAX_OPTIONS]


class ActionClarify(Action):
    """Low confidence: a follow-up in context is answered, a likely topic is confirmed with buttons."""

    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        if answers_by_cue(tracker):
            return await route_and_answer(dispatcher, tracker)
        language = language_of(tracker.get_slot(Slot.LANGUAGE))
        options = clarifying_options(tracker.latest_message.get("intent_ranking") or [])
        kind = EventKind.CLARIFICATION if options else EventKind.FALLBACK
        await call_bounded(record_event, tracker.sender_id, tracker.get_latest_input_channel(), kind)
        if not options:
            dispatcher.utter_message(response="utter_not_understood")
            return [SlotSet(Slot.TOPIC, OUT_OF_SCOPE), SlotSet(Slot.PARTY, None), SlotSet(Slot.NEEDS_CITY, False)]
        # Payloads are exactly "/<intent>": clicking one routes the question as that topic.
        buttons = [{"title": t(f"topic.{name}", language), "payload": f"/{name}"} for name in options]
        buttons.append({"title": t("topic.something_else", language), "payload": f"/{OUT_OF_SCOPE}"})
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        # A second question in the same message waits for the click (the clicked topic is the first).
        second = second_question_of(tracker, None)
        return [
            SlotSet(Slot.CLARIFYING, True),
            SlotSet(Slot.PARTY, None),
            *keep_pending(second, tracker),
            SlotSet(Slot.NEEDS_CITY, False),
        ]
