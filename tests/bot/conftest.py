"""Session-wide seeded role tables, one per backend, for the read-only tests (routing, places, CLI).

Seeding takes about a second; the routing matrix has hundreds of cases, so they share one seeded
database and one loaded :class:`~bot.repository.RoleTable` per backend instead of re-seeding.
Tests must not write to these databases (use ``db_url`` for that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest


def _seed(url: str) -> str:
    from bot import db, repository, seed

    db.reset()
    repository.invalidate_cache()
    seed.seed(url=url)
    db.reset()
    return url


@pytest.fixture(scope="session")
def seeded_sqlite_url(tmp_path_factory) -> Iterator[str]:
    from bot import db

    yield _seed(f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'role_table.db'}")
    db.reset()


@pytest.fixture(scope="session")
def seeded_postgres_url(postgres_database) -> Iterator[str]:
    with postgres_database() as url:
        yield _seed(url)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded_url(request) -> str:
    """A role-table database seeded once per session, on each backend."""
    return request.getfixturevalue(f"seeded_{request.param}_url")


@pytest.fixture(scope="session")
def shared_table(seeded_url):
    """The role table loaded once per backend from :func:`seeded_url`; pass it as ``table=``."""
    from bot import db, repository

    loaded = repository.load_role_table(seeded_url)
    db.reset()
    return loaded


@pytest.fixture
def seed_copy(tmp_path):
    """``seed_copy(edit_role_table=None, edit_responsibilities=None) -> Path``: a copy of seed/ with each
    file passed through ``edit(dict) -> dict | str``."""
    import shutil

    import yaml

    from bot import config

    def make(edit_role_table=None, edit_responsibilities=None) -> Path:
        target = tmp_path / "seed"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(config.SEED_DIR, target)
        for name, edit in (("role_table.yml", edit_role_table), ("responsibilities.yml", edit_responsibilities)):
            if edit is None:
                continue
            edited = edit(yaml.safe_load((target / name).read_text(encoding="utf-8")))
            text = edited if isinstance(edited, str) else yaml.safe_dump(edited, allow_unicode=True, sort_keys=False)
            (target / name).write_text(text, encoding="utf-8")
        return target

    return make
