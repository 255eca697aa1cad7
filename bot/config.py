"""Settings read from the environment, with safe defaults for a local run."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
SEED_DIR = DATA_DIR / "seed"
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))


def database_url() -> str:
    """The role-table database: ``DATABASE_URL`` or a SQLite file under ``var/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Heroku-style URLs name the dialect "postgres", which SQLAlchemy 1.4 rejects.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'role_table.db'}"


def db_timeout_seconds() -> float:
    """Upper bound for one role-table query, so a slow database cannot hang a turn."""
    try:
        return max(0.1, float(os.environ.get("BOT_DB_TIMEOUT", "3")))
    except ValueError:
        return 3.0
