"""Settings read from the environment, with safe defaults for a local run.

Every number setting goes through :func:`env_number`, so a bad value fails the same clear way
everywhere instead of being silently replaced by a default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = PROJECT_ROOT / "seed"  # outside data/: Rasa reads every YAML under data/ as training data
EVAL_DIR = PROJECT_ROOT / "eval"
MODEL_PATH = PROJECT_ROOT / "models" / "assistant.tar.gz"
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))


class SettingError(ValueError):
    """An environment setting has a value the assistant cannot use."""


def env_number(name: str, default: float, minimum: float | None = None, env: Mapping[str, str] | None = None) -> float:
    """A number from the environment.

    Args:
        name: Variable name.
        default: Used when the variable is unset or blank.
        minimum: Smallest accepted value.
        env: Environment mapping (default ``os.environ``).

    Raises:
        SettingError: The value is not a number, or is below ``minimum``.
    """
    raw = (env if env is not None else os.environ).get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number, got {raw[:40]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingError(f"{name} must be a finite number, got {raw[:40]!r}")
    if minimum is not None and value < minimum:
        raise SettingError(f"{name} must be at least {minimum:g}, got {raw[:40]!r}")
    return value


def in_ci(env: Mapping[str, str] | None = None) -> bool:
    """True on a CI runner (``CI`` set to anything but a false value)."""
    return (env if env is not None else os.environ).get("CI", "").strip().lower() not in ("", "0", "false", "no")


def sqlalchemy_url(url: str) -> str:
    """``url`` with the Heroku-style ``postgres://`` scheme, which SQLAlchemy 1.4 rejects, renamed."""
    url = url.strip()
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


def database_url() -> str:
    """The role-table database: ``DATABASE_URL`` or a SQLite file under ``var/``."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return sqlalchemy_url(url)
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = VAR_DIR / "role_table.db"
    # The inquiry log and callback tickets live here: created readable by the owner only.
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return f"sqlite:///{path}"


def db_timeout_seconds() -> float:
    """Upper bound for one role-table query, so a slow database cannot hang a turn."""
    return env_number("BOT_DB_TIMEOUT", 3.0, minimum=0.1)
