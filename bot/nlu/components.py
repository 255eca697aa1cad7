"""Rasa graph components: a blank spaCy pipeline and the role-table gazetteer extractor."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.nlu.utils.spacy_utils import SpacyNLP as RasaSpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot import text
from bot.nlu import gazetteer

logger = logging.getLogger(__name__)


class StatelessComponent(GraphComponent):
    """A component with nothing to train or configure: Rasa's ``create`` needs no more than the class."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StatelessComponent:
        return cls()


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MODEL_LOADER, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(RasaSpacyNLP):
    """``SpacyNLP`` on ``spacy.blank(lang)``: spaCy's tokenizer with no model download.

    The class keeps the name ``SpacyNLP`` because Rasa wires ``SpacyTokenizer`` to its model
    provider by class name.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"case_sensitive": False, "lang": "en"}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyNLP:
        import spacy

        merged = {**cls.get_default_config(), **config}
        lang = merged["lang"]
        return cls(SpacyModel(model=spacy.blank(lang), model_name=f"blank:{lang}"), merged)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class RoleTableEntityRuler(GraphComponent, EntityExtractorMixin):
    """Extracts ``city`` and ``cca`` entities with an EntityRuler generated from the role table.

    The patterns are read from the database at training time and stored in the model, so a
    running server extracts entities without touching the database.
    """

    PATTERNS_FILE = "patterns.json"

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: List[Dict[str, Any]] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._patterns = patterns or []
        self._nlp: Language | None = None

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        """Rasa's cache key addition: the patterns the role table yields now, and the code that uses them.

        With this, ``rasa train`` retrains the ruler (and only what depends on it) when a place or
        party name changes in the database, and skips it when nothing did.
        """
        from bot.repository import load_role_table

        digest = hashlib.sha256(json.dumps(gazetteer.build_patterns(load_role_table()), sort_keys=True).encode())
        for module in (gazetteer, text):
            digest.update(Path(str(module.__file__)).read_bytes())
        return digest.hexdigest()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RoleTableEntityRuler:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RoleTableEntityRuler:
        try:
            with model_storage.read_from(resource) as path:
                patterns = json.loads((path / cls.PATTERNS_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("RoleTableEntityRuler has no stored patterns; no city/cca entities will be found")
            patterns = []
        return cls(config, model_storage, resource, patterns)

    def train(self, training_data: TrainingData) -> Resource:
        from bot.repository import load_role_table

        self._patterns = gazetteer.build_patterns(load_role_table())
        with self._model_storage.write_to(self._resource) as path:
            (path / self.PATTERNS_FILE).write_text(json.dumps(self._patterns), encoding="utf-8")
        return self._resource

    def _ruler(self) -> Language:
        if self._nlp is None:
            self._nlp = gazetteer.build_ruler(self._patterns)
        return self._nlp

    def process(self, messages: List[Message]) -> List[Message]:
        if not self._patterns:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = self.add_extractor_name(gazetteer.extract(self._ruler(), text))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BareAnswerIntent(GraphComponent):
    """Marks a message that is only a place or CCA name ("Menifee", "I'm in Irvine") as ``inform``.

    A bare place name carries no topic, but character n-grams of a city seen in one intent's
    examples can pull it there; answering the city question must never start a new topic.
    """

    def __init__(self, config: Dict[str, Any]) -> None:
        self._intent = config.get("intent", "inform")

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"intent": "inform"}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BareAnswerIntent:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not gazetteer.is_bare_entity_answer(text, message.get(ENTITIES, [])):
                continue
            message.set(INTENT, {"name": self._intent, "confidence": 1.0}, add_to_output=True)
            # The classifier's guesses stay listed but with no weight, so the fallback's
            # ambiguity check does not see two intents at full confidence.
            others = [
                {**r, "confidence": 0.0} for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != self._intent
            ]
            message.set(INTENT_RANKING_KEY, [{"name": self._intent, "confidence": 1.0}, *others], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
