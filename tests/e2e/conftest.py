"""A real assistant for end-to-end tests: trained model, Rasa server and action server over HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from bot.config import MODEL_PATH
from tooling.rest_client import RasaClient
from tooling.servers import Stack, running_stack

MODEL = MODEL_PATH


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does it)")
    with running_stack(Path(tmp_path_factory.mktemp("stack-logs"))) as running:
        yield running


@pytest.fixture(scope="session")
def client(stack: Stack) -> RasaClient:
    return RasaClient(stack.url, stack.token)


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"
