"""Rasa component: the second question of a two-question message, found by classifying each clause.

"My power is out and who sends my bill?" has one intent in Rasa's eyes. The keyword cues of
:func:`bot.cues.second_topic` only know the words they list; measured on two-question messages written
apart from the training data (docs/nlu_report.md), they found the second question in about half of them,
a classifier of each clause in most. Rasa's own multi-intent needs DIET and examples of every pair of
topics; this component instead trains a small classifier of its own (TF-IDF of words and character
n-grams, logistic regression) on the same NLU examples, splits a message into clauses
(:func:`bot.cues.clauses`, a bare "and"/"y" included) and sets ``second_question`` in the parse data —
``{"intent", "confidence", "text"}`` — when a clause is confidently about a topic other than the
message's. The routing action answers it after the first (``actions/routing.py``).
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.cues import SECOND_QUESTION, clauses
from bot.topics import AS_TOPIC, TOPIC_NAMES

logger = logging.getLogger(__name__)


def topic_of(intent: str | None) -> str | None:
    """The topic an intent routes as, or None for small talk and out-of-scope."""
    name = AS_TOPIC.get(str(intent), str(intent))
    return name if name in TOPIC_NAMES else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ClauseQuestions(GraphComponent):
    """Sets ``second_question`` when a clause of the message asks about another topic."""

    MODEL_FILE = "clauses.pkl"

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource, model: Any = None
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # 0.8: lower, clauses that only mention another topic ("my bill shows a CCA charge") are taken for
        # questions; higher, real second questions are missed (docs/nlu_report.md has the figures).
        return {"min_confidence": 0.8, "bare_and": True}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ClauseQuestions:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ClauseQuestions:
        try:
            with model_storage.read_from(resource) as path:
                model = pickle.loads((path / cls.MODEL_FILE).read_bytes())  # noqa: S301 - our own model file
        except (ValueError, FileNotFoundError):
            logger.warning("ClauseQuestions has no trained model; second questions are found by cues only")
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        examples = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples if m.get(TEXT)]
        texts, intents = [t for t, _ in examples], [i for _, i in examples]
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode", sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), strip_accents="unicode", sublinear_tf=True),
                ),
            ]
        )
        self._model = make_pipeline(features, LogisticRegression(max_iter=1000, C=10.0, random_state=42))
        self._model.fit(texts, intents)
        with self._model_storage.write_to(self._resource) as path:
            (path / self.MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    def classify(self, clause: str) -> Tuple[str | None, float]:
        """The topic a clause asks about (None when it is not a topic), with the classifier's confidence."""
        if self._model is None:
            return None, 0.0
        probabilities = self._model.predict_proba([clause])[0]
        best = int(probabilities.argmax())
        return topic_of(self._model.classes_[best]), float(probabilities[best])

    def second_question(self, text: str, intent: str | None) -> Dict[str, Any] | None:
        """The clause that asks about a topic other than the message's intent, latest clause first."""
        parts = clauses(text, bare_and=bool(self._config.get("bare_and", True)))
        if len(parts) < 2:
            return None
        first = topic_of(intent)
        # Later clauses first: the message's intent is usually what it starts with.
        for clause in [*parts[1:], parts[0]]:
            topic, confidence = self.classify(clause)
            if topic and topic != first and confidence >= float(self._config.get("min_confidence", 0.8)):
                return {INTENT_NAME_KEY: topic, "confidence": round(confidence, 3), TEXT: clause}
        return None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            found = self.second_question(text, (message.get(INTENT) or {}).get(INTENT_NAME_KEY))
            if found is not None:
                message.set(SECOND_QUESTION, found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
