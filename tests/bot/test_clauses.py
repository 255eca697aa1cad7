"""The clause classifier: trained on the project's NLU data, it finds a second question and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.config import PROJECT_ROOT
from bot.cues import SECOND_QUESTION, clauses
from bot.nlu.clauses import ClauseQuestions


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClauseQuestions]:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("clauses")))
    resource = Resource("clauses")
    context = ExecutionContext(GraphSchema({}), "test")
    component = ClauseQuestions.create(ClauseQuestions.get_default_config(), storage, resource, context)
    data = RasaFileImporter(training_data_paths=[str(PROJECT_ROOT / "data" / "nlu")]).get_nlu_data()
    component.train(data)
    # What a server does: load the stored model, not reuse the object that trained it.
    yield ClauseQuestions.load(ClauseQuestions.get_default_config(), storage, resource, context)


def parse(component: ClauseQuestions, text: str, intent: str) -> dict | None:
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 0.9}})
    component.process([message])
    return message.get(SECOND_QUESTION)


@pytest.mark.parametrize(
    ("text", "intent", "second"),
    [
        ("my power is out and who do I pay my bill to", "outage", "billing"),
        ("the lights went out an hour ago. also, who runs the grid in California?", "outage", "transmission"),
        ("se fue la luz y también quiero saber por qué subió mi recibo", "outage", "billing"),
    ],
)
def test_a_second_question_is_found_with_its_clause(trained: ClauseQuestions, text: str, intent: str, second: str):
    found = parse(trained, text, intent)
    assert found is not None and found["name"] == second, found
    assert found["text"] in clauses(text, bare_and=True) and found["confidence"] >= 0.8


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("why is my bill so high", "billing"),  # one clause
        ("my bill went up and I want to know why", "billing"),  # "and", one question
        ("my power is out. it's been out since noon", "outage"),  # two sentences, one topic
        ("/billing", "billing"),  # a button payload
    ],
)
def test_no_second_question_in_a_one_question_message(trained: ClauseQuestions, text: str, intent: str):
    assert parse(trained, text, intent) is None
