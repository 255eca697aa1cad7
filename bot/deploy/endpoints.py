"""Render the effective Rasa endpoints file (action server, tracker store, lock store) from the environment.

Rasa expands ``${VARS}`` in ``endpoints.yml`` but has no defaults and fails on unset variables, and a
store's settings (dialect, host, port, database, user, password) are separate keys there. So the file
Rasa reads is rendered from a few URL-style variables instead::

    python -m bot.deploy.endpoints --out var/endpoints.yml   # or: python -m bot.deploy.endpoints > var/endpoints.yml

With nothing set the result is a SQLite tracker store in ``var/`` (Rasa's SQL store with bounded
sessions, :mod:`bot.channels.trackers`) and Rasa's in-memory lock store (one Rasa process only).
Variables:

``ACTION_ENDPOINT_URL``
    Action server webhook (default ``http://127.0.0.1:5055/webhook``).
``ACTION_SERVER_SECRET``
    When set, Rasa sends ``Authorization: Bearer <secret>`` with every action call (the hardened action
    server, ``python -m actions.server``, then requires it). The file refers to it as
    ``${ACTION_SERVER_SECRET}``, which Rasa resolves from its environment: the secret is never written.
``TRACKER_DB_URL``
    SQLAlchemy URL of the tracker store, e.g. ``postgresql://rasa:secret@db:5432/rasa_trackers``
    (``postgres://`` is accepted) or ``sqlite:////abs/path.db``. ``TRACKER_DB_PASSWORD`` overrides the
    URL's password; ``TRACKER_DB_LOGIN_DB`` names a database Rasa logs in to first to create the
    tracker database if it does not exist yet (PostgreSQL only).
``REDIS_URL``
    ``redis://[[user]:password@]host[:port][/db]`` (``rediss://`` for TLS) switches the lock store to
    Redis, which more than one Rasa replica or Sanic worker requires. ``LOCK_STORE_KEY_PREFIX``
    (alphanumeric) separates deployments sharing one Redis database.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, Mapping
from urllib.parse import unquote, urlsplit

import yaml
from rasa.core.actions.constants import SELECTIVE_DOMAIN
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import VAR_DIR, sqlalchemy_url

DEFAULT_ACTION_ENDPOINT_URL = "http://127.0.0.1:5055/webhook"
ACTION_SECRET_ENV = "ACTION_SERVER_SECRET"
TRACKER_STORE_TYPE = "bot.channels.trackers.BoundedSQLTrackerStore"
DEFAULT_TRACKER_DB = "tracker.db"  # under BOT_VAR_DIR (default var/)
RASA_DEFAULT_REDIS_DB = 1  # Rasa's RedisLockStore default, kept so an unset /db changes nothing


class EndpointsConfigError(ValueError):
    """An environment setting cannot be turned into a valid endpoints file."""


class EnvReference(str):
    """A value Rasa must expand from its environment (``${VAR}``): written as a plain YAML scalar."""


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def action_endpoint(env: Mapping[str, str]) -> Dict[str, Any]:
    """The ``action_endpoint`` section.

    Args:
        env: Environment variables.

    Returns:
        ``{"url": ...}`` from ``ACTION_ENDPOINT_URL`` (or the local default action server), selective domain
        (Rasa then sends its domain only to the ``validate_*`` form actions, which read it: every other call
        is 13 KB smaller), plus the ``Authorization`` header referring to ``ACTION_SERVER_SECRET`` when set.
    """
    url = _get(env, "ACTION_ENDPOINT_URL") or DEFAULT_ACTION_ENDPOINT_URL
    if urlsplit(url).scheme not in ("http", "https"):
        raise EndpointsConfigError(f"ACTION_ENDPOINT_URL must be an http(s) URL, got {url!r}")
    section: Dict[str, Any] = {"url": url, SELECTIVE_DOMAIN: True}
    secret = _get(env, ACTION_SECRET_ENV)
    if secret is not None:
        if len(secret) < 16 or any(c.isspace() for c in secret) or "$" in secret:
            raise EndpointsConfigError(f"{ACTION_SECRET_ENV} must be at least 16 characters, without spaces or '$'")
        section["headers"] = {"Authorization": EnvReference("Bearer ${" + ACTION_SECRET_ENV + "}")}
    return section


def tracker_store(env: Mapping[str, str], var_dir: Path = VAR_DIR) -> Dict[str, Any]:
    """The ``tracker_store`` section: Rasa's SQL tracker store.

    Args:
        env: Environment variables (``TRACKER_DB_URL``, ``TRACKER_DB_PASSWORD``, ``TRACKER_DB_LOGIN_DB``).
        var_dir: Directory of the default SQLite file.

    Returns:
        Keys of ``rasa.core.tracker_store.SQLTrackerStore``, with the type of its bounded subclass.

    Raises:
        EndpointsConfigError: The URL cannot be parsed or names no database.
    """
    raw = _get(env, "TRACKER_DB_URL")
    if raw is None:
        db = str(Path(var_dir).resolve() / DEFAULT_TRACKER_DB)
        return {"type": TRACKER_STORE_TYPE, "dialect": "sqlite", "db": db}
    raw = sqlalchemy_url(raw)
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise EndpointsConfigError(f"TRACKER_DB_URL is not a database URL: {exc}") from exc
    if not url.database:
        raise EndpointsConfigError("TRACKER_DB_URL names no database")
    login_db = _get(env, "TRACKER_DB_LOGIN_DB")
    if login_db and url.get_backend_name() != "postgresql":
        raise EndpointsConfigError("TRACKER_DB_LOGIN_DB works with PostgreSQL only")
    if url.get_backend_name() == "sqlite":
        # Rasa builds "sqlite:///<db>"; an absolute path keeps it independent of the working directory.
        return {"type": TRACKER_STORE_TYPE, "dialect": url.drivername, "db": str(Path(url.database).resolve())}
    section: Dict[str, Any] = {
        "type": TRACKER_STORE_TYPE,
        "dialect": url.drivername,
        "url": url.host or "localhost",
        "db": url.database,
    }
    if url.port:
        section["port"] = int(url.port)
    if url.username:
        section["username"] = url.username
    password = _get(env, "TRACKER_DB_PASSWORD") or url.password
    if password:
        section["password"] = str(password)
    if login_db:
        section["login_db"] = login_db
    if url.query:
        section["query"] = {k: v if isinstance(v, str) else ",".join(v) for k, v in url.query.items()}
    return section


def lock_store(env: Mapping[str, str]) -> Dict[str, Any] | None:
    """The ``lock_store`` section: Redis when ``REDIS_URL`` is set, else ``None`` (Rasa's in-memory store).

    Args:
        env: Environment variables (``REDIS_URL``, ``LOCK_STORE_KEY_PREFIX``).

    Returns:
        Keys of ``rasa.core.lock_store.RedisLockStore``, or ``None``.

    Raises:
        EndpointsConfigError: Wrong scheme, bad port or database, or a non-alphanumeric prefix (Rasa would
            silently ignore it and share the default key space).
    """
    raw = _get(env, "REDIS_URL")
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("redis", "rediss"):
        raise EndpointsConfigError(f"REDIS_URL must start with redis:// or rediss://, got {parts.scheme or raw!r}")
    try:
        port = parts.port or 6379
        path = parts.path.strip("/")
        db = int(path) if path else RASA_DEFAULT_REDIS_DB
    except ValueError as exc:
        raise EndpointsConfigError(f"REDIS_URL has a bad port or database number: {exc}") from exc
    section: Dict[str, Any] = {"type": "redis", "url": parts.hostname or "localhost", "port": port, "db": db}
    if parts.username:
        section["username"] = unquote(parts.username)
    if parts.password:
        section["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        section["use_ssl"] = True
    prefix = _get(env, "LOCK_STORE_KEY_PREFIX")
    if prefix is not None:
        if not prefix.isalnum():
            raise EndpointsConfigError(f"LOCK_STORE_KEY_PREFIX must be alphanumeric, got {prefix!r}")
        section["key_prefix"] = prefix
    return section


def endpoints_config(env: Mapping[str, str] | None = None, var_dir: Path = VAR_DIR) -> Dict[str, Any]:
    """All sections of the effective endpoints file.

    Args:
        env: Environment variables; ``os.environ`` by default.
        var_dir: Directory of the default SQLite tracker store.

    Returns:
        The mapping Rasa reads from ``--endpoints``.
    """
    env = os.environ if env is None else env
    config: Dict[str, Any] = {"action_endpoint": action_endpoint(env), "tracker_store": tracker_store(env, var_dir)}
    locks = lock_store(env)
    if locks is not None:
        config["lock_store"] = locks
    return config


class _QuotingDumper(yaml.SafeDumper):
    """Quote every string: Rasa expands ``${...}`` in plain scalars, and a password may contain one."""


_QuotingDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
)
_QuotingDumper.add_representer(
    EnvReference, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="")
)


def render(env: Mapping[str, str] | None = None, var_dir: Path = VAR_DIR) -> str:
    """The effective endpoints file as YAML text.

    Args:
        env: Environment variables; ``os.environ`` by default.
        var_dir: Directory of the default SQLite tracker store.

    Returns:
        YAML for ``rasa run --endpoints``.
    """
    header = "# Rendered by `python -m bot.deploy.endpoints` from the environment; do not edit (see endpoints.yml).\n"
    return header + yaml.dump(endpoints_config(env, var_dir), Dumper=_QuotingDumper, sort_keys=False)


def write(path: Path, env: Mapping[str, str] | None = None, var_dir: Path = VAR_DIR) -> Path:
    """Write the rendered file, readable by its owner only (it may hold database passwords).

    Args:
        path: Destination file; its directory is created.
        env: Environment variables; ``os.environ`` by default.
        var_dir: Directory of the default SQLite tracker store (created too, SQLite will not create it).

    Returns:
        ``path``.
    """
    text = render(env, var_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    Path(var_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def main(argv: list | None = None) -> int:
    """CLI: print the rendered file, or write it with ``--out``."""
    parser = argparse.ArgumentParser(prog="python -m bot.deploy.endpoints", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write here (mode 0600) instead of printing")
    args = parser.parse_args(argv)
    try:
        if args.out:
            write(args.out)
        else:
            Path(VAR_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
            sys.stdout.write(render())
    except EndpointsConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    workers = _get(os.environ, "SANIC_WORKERS")
    if workers not in (None, "1") and _get(os.environ, "REDIS_URL") is None:
        print("warning: SANIC_WORKERS > 1 needs REDIS_URL (Rasa falls back to 1 worker)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
