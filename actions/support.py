"""Out-of-scope redirects and hand-over to a person."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guard import BackendUnavailable, call_bounded
from actions.handoff import handling_party, has_routed_question, language, offer_handoff
from actions.routing import answers_by_cue, route_and_answer
from bot.handoff import EventKind, record_event
from bot.handoff.targets import usable_target
from bot.handoff.texts import say
from bot.i18n import language_of
from bot.language import Language
from bot.places import resolve_cca
from bot.replies import person_contact
from bot.repository import PartyInfo, RoleTable, role_table
from bot.slots import Slot
from bot.topics import OUT_OF_SCOPE, Topic


class ActionOutOfScope(Action):
    """Politely say what the assistant can help with; the inquiry is not routed."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        if answers_by_cue(tracker):
            # "wat do i do" after an outage is a follow-up, not small talk.
            return await route_and_answer(dispatcher, tracker)
        dispatcher.utter_message(response="utter_out_of_scope")
        return [
            SlotSet(Slot.TOPIC, OUT_OF_SCOPE),
            SlotSet(Slot.PARTY, None),
            SlotSet(Slot.NEEDS_CITY, False),
            SlotSet(Slot.CLARIFYING, False),
        ]


_NAMED_KINDS = (
    (re.compile(r"\b(sce|edison)\b", re.I), "SCE"),
    (re.compile(r"\bcpuc\b|public utilities commission|comisi[oó]n de servicios p[uú]blicos", re.I), "CPUC"),
    (re.compile(r"\bcaiso\b|independent system operator|grid operator", re.I), "CAISO"),
)


def named_party(tracker: Tracker, table: RoleTable) -> PartyInfo | None:
    """The party the latest message names: a CCA found by the gazetteer, or SCE, the CPUC or CAISO."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == Slot.CCA:
            found = resolve_cca(str(entity.get("value") or ""), table=table)
            if found is not None:
                return found
    text = str(tracker.latest_message.get("text") or "")
    for pattern, kind in _NAMED_KINDS:
        if pattern.search(text):
            return table.party_of_kind(kind)
    return None


class ActionRequestHuman(Action):
    """Give the phone number of the party handling the current question (SCE when none yet)."""

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[EventType]:
        try:
            table = await call_bounded(role_table)
        except BackendUnavailable:
            dispatcher.utter_message(response="utter_service_trouble")
            return []
        kind = tracker.get_slot(Slot.PARTY)
        cca_name = tracker.get_slot(Slot.CCA)
        # "a person at Clean Power Alliance" names the party; otherwise the one handling the question.
        party: PartyInfo = named_party(tracker, table) or handling_party(table, kind, cca_name)
        topic = tracker.get_slot(Slot.TOPIC)
        parsed = Topic(topic) if topic in {t.value for t in Topic} else None
        spanish = language_of(tracker.get_slot(Slot.LANGUAGE)) is Language.ES
        dispatcher.utter_message(text=person_contact(party, parsed, spanish=spanish))
        await call_bounded(
            record_event,
            tracker.sender_id,
            tracker.get_latest_input_channel(),
            EventKind.HUMAN_REQUEST,
            topic=topic,
            party=kind,
            place=tracker.get_slot("city"),
            cca=cca_name if kind == "CCA" else None,
        )
        # With a webhook for the party, offer to pass the routed question on (docs/handoff.md).
        if has_routed_question(tracker):
            return offer_handoff(dispatcher, tracker, party)
        if usable_target(party.key) is not None:
            dispatcher.utter_message(text=say("ask_question_first", language(tracker)))
        return [SlotSet("handoff_offered", False)] if tracker.get_slot("handoff_offered") else []
