"""Rasa component: a ``language`` entity when a message is clearly English or Spanish.

The ``language`` slot is filled from this entity, so the conversation's language changes only on
clear evidence (see :mod:`bot.language`); the widget's page language and the language buttons
arrive as ``/switch_language{"language": "es"}`` and fill the same slot.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language import detect
from bot.nlu.components import StatelessComponent

LANGUAGE_ENTITY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(StatelessComponent, EntityExtractorMixin):
    """Adds ``{"entity": "language", "value": "en" | "es"}`` to clearly English or Spanish messages."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = message.get(ENTITIES, [])
            if any(e.get("entity") == LANGUAGE_ENTITY for e in entities):
                continue  # given explicitly, e.g. /switch_language{"language": "es"}
            # Place and CCA names ("El Monte", "Los Alamitos") say nothing about the language.
            places = [(int(e["start"]), int(e["end"])) for e in entities if "start" in e and "end" in e]
            language = detect(text, places)
            if language is None:
                continue
            found = {"entity": LANGUAGE_ENTITY, "value": language.value, "start": 0, "end": len(text)}
            message.set(ENTITIES, entities + self.add_extractor_name([found]), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
