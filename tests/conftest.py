"""Shared fixtures: throw-away SQLite and PostgreSQL databases, and a seeded role table on each.

PostgreSQL: ``POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``) names a
database we can connect to; every test database is created next to it and dropped afterwards.
Without a reachable server the PostgreSQL cases are skipped, unless ``CI`` is set: CI has one,
so there a missing server is a failure.
"""

from __future__ import annotations

import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, ContextManager, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The project is not pip-installed, and pytest puts tests/ first on sys.path, where tests/bot would
# shadow the real ``bot`` package as a namespace package: the project root must come first.
if sys.path[:1] != [str(PROJECT_ROOT)]:
    sys.path.insert(0, str(PROJECT_ROOT))

from bot.config import in_ci, sqlalchemy_url  # noqa: E402  (after the sys.path fix above)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _in_ci() -> bool:
    return in_ci()


def _admin_url() -> str:
    return sqlalchemy_url(os.environ.get("POSTGRES_URL", "").strip() or DEFAULT_POSTGRES_URL)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh, empty SQLite database file in the test's tmp_path."""
    return f"sqlite:///{tmp_path / 'role_table.db'}"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL of a reachable PostgreSQL admin database; skips (fails under CI) when there is none."""
    url = _admin_url()
    shown = make_url(url).render_as_string(hide_password=True)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()
        reason = f"PostgreSQL not reachable at {shown}: {exc.__class__.__name__}: {detail[0] if detail else ''}"
        if _in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@contextmanager
def _fresh_database(admin_url: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            from bot import db

            db.reset()  # the bot's process-wide engine may still hold connections to it
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name "
                        "AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_server) -> Callable[[], ContextManager[str]]:
    """Factory for longer-lived databases: ``with postgres_database() as url: ...``."""
    return lambda: _fresh_database(postgres_server)


@pytest.fixture
def postgres_url(postgres_database) -> Iterator[str]:
    """A fresh, uniquely named, empty PostgreSQL database, dropped at teardown."""
    with postgres_database() as url:
        yield url


def _reset_bot_state() -> None:
    from bot import db, repository

    db.reset()
    repository.invalidate_cache()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, monkeypatch) -> Iterator[str]:
    """A freshly seeded role-table database on each backend, also exported as ``DATABASE_URL``."""
    from bot import seed

    url = request.getfixturevalue(f"{request.param}_url")
    _reset_bot_state()
    seed.seed(url=url)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    _reset_bot_state()


@pytest.fixture
def table(db_url):
    """The role table loaded from the seeded ``db_url``."""
    from bot import repository

    return repository.load_role_table(db_url)
