"""Rasa component: a message about another service is not routed outright; the customer is asked.

Placed after the FallbackClassifier: when a topic intent wins but the message names another
service and nothing electric (:func:`bot.relevance.off_domain`), the intent becomes
``nlu_fallback`` with the classifier's ranking kept, so ``action_clarify`` asks which topic it is,
with "something else" as a choice.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import StatelessComponent
from bot.relevance import off_domain

FALLBACK_INTENT = "nlu_fallback"
# Intents that route to a party; the guard leaves small talk and out_of_scope alone.
GUARDED = frozenset(
    {
        "billing",
        "outage",
        "generation",
        "covid_relief",
        "enrollment",
        "transmission",
        "become_cca",
        "complaint",
        "report_hazard",
    }
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DomainGuard(StatelessComponent):
    """Turns a routed intent into ``nlu_fallback`` when the message is about another service."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            text = message.get(TEXT) or ""
            if intent.get(INTENT_NAME_KEY) in GUARDED and not text.startswith("/") and off_domain(text):
                message.set(
                    INTENT,
                    {INTENT_NAME_KEY: FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY)},
                    add_to_output=True,
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
