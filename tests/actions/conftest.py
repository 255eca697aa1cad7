"""Actions run against a real, freshly seeded SQLite role table."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from rasa_sdk import Tracker

from bot import db, repository
from bot.seed import seed


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory) -> Path:
    """One seeded SQLite file per session; each test gets its own copy (seeding 300+ places takes seconds)."""
    path = tmp_path_factory.mktemp("seeded") / "roles.db"
    seed(url=f"sqlite:///{path}")
    db.reset()
    return path


@pytest.fixture
def role_db(tmp_path, monkeypatch, seeded_file) -> Iterator[str]:
    copy = tmp_path / "roles.db"
    shutil.copyfile(seeded_file, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    db.reset()
    repository.invalidate_cache()
    yield url
    db.reset()
    repository.invalidate_cache()


def make_tracker(
    intent: str | None = None,
    slots: Dict[str, Any] | None = None,
    entities: List[Dict[str, Any]] | None = None,
    confidence: float = 0.97,
    text: str = "",
    active_loop: str | None = None,
    sender: str = "test-conversation",
) -> Tracker:
    """A tracker as the action server receives it from Rasa."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": entities or [],
    }
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}]
    return Tracker(
        sender, slots or {}, latest, events, False, None, {"name": active_loop} if active_loop else {}, "action_listen"
    )
