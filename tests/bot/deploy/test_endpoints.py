"""The rendered endpoints file, read back by Rasa's own endpoints reader (what `rasa run` does)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from rasa.core.actions.constants import SELECTIVE_DOMAIN
from rasa.core.utils import AvailableEndpoints

from bot.config import PROJECT_ROOT
from bot.deploy import endpoints


def read_back(tmp_path: Path, env: Dict[str, str]) -> AvailableEndpoints:
    path = endpoints.write(tmp_path / "endpoints.yml", env, var_dir=tmp_path / "var")
    return AvailableEndpoints.read_endpoints(str(path))


def test_nothing_set_gives_sqlite_tracker_store_and_in_memory_locks(tmp_path):
    read = read_back(tmp_path, {})
    assert read.action is not None and read.action.url == "http://127.0.0.1:5055/webhook"
    assert read.tracker_store is not None and read.tracker_store.type == endpoints.TRACKER_STORE_TYPE
    assert read.tracker_store.kwargs == {"dialect": "sqlite", "db": str((tmp_path / "var" / "tracker.db").resolve())}
    assert read.action.headers == {}  # no ACTION_SERVER_SECRET: no header (plain `rasa run actions` works)
    assert read.lock_store is None
    assert (tmp_path / "var").is_dir()  # SQLite does not create the directory itself


def test_plain_rasa_endpoints_need_no_environment(tmp_path, monkeypatch):
    """`rasa shell`/`rasa run` in the root read endpoints.yml as is: a literal action URL, no ${VAR}."""
    monkeypatch.delenv("ACTION_ENDPOINT_URL", raising=False)
    plain = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    rendered = read_back(tmp_path, {})
    assert plain.action is not None and rendered.action is not None
    assert plain.action.url == rendered.action.url == endpoints.DEFAULT_ACTION_ENDPOINT_URL
    # Both send the domain only to the form validation actions, the only ones that read it.
    assert plain.action.kwargs.get(SELECTIVE_DOMAIN) is rendered.action.kwargs.get(SELECTIVE_DOMAIN) is True
    assert plain.tracker_store is None  # Rasa's in-memory store; the rendered file adds SQL
    assert plain.lock_store is None and rendered.lock_store is None


def test_postgres_url_becomes_rasa_keys_and_a_password_is_taken_literally(tmp_path):
    read = read_back(
        tmp_path,
        {
            "ACTION_ENDPOINT_URL": "http://actions:5055/webhook",
            # %40 is "@"; "${HOME}" must not be expanded by Rasa's env-var substitution.
            "TRACKER_DB_URL": "postgres://rasa:p%40ss${HOME}@db.internal:5433/rasa_trackers?sslmode=require",
        },
    )
    assert read.action is not None and read.action.url == "http://actions:5055/webhook"
    store = read.tracker_store
    assert store is not None and store.type == endpoints.TRACKER_STORE_TYPE and store.url == "db.internal"
    assert store.kwargs == {
        "dialect": "postgresql",
        "db": "rasa_trackers",
        "port": 5433,
        "username": "rasa",
        "password": "p@ss${HOME}",
        "query": {"sslmode": "require"},
    }


def test_password_override_and_login_db(tmp_path):
    read = read_back(
        tmp_path,
        {
            "TRACKER_DB_URL": "postgresql+psycopg2://rasa@db/rasa_trackers",
            "TRACKER_DB_PASSWORD": "from-a-secret",
            "TRACKER_DB_LOGIN_DB": "postgres",
        },
    )
    assert read.tracker_store is not None
    assert read.tracker_store.kwargs["dialect"] == "postgresql+psycopg2"
    assert read.tracker_store.kwargs["password"] == "from-a-secret"
    assert read.tracker_store.kwargs["login_db"] == "postgres"


def test_sqlite_url_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    read = read_back(tmp_path, {"TRACKER_DB_URL": "sqlite:///data/conversations.db"})
    assert read.tracker_store is not None
    assert read.tracker_store.kwargs == {"dialect": "sqlite", "db": str(tmp_path / "data" / "conversations.db")}


@pytest.mark.parametrize(
    ("url", "expected_host", "expected"),
    [
        ("redis://127.0.0.1:6379", "127.0.0.1", {"port": 6379, "db": 1}),
        ("redis://:s3cret@cache:6380/4", "cache", {"port": 6380, "db": 4, "password": "s3cret"}),
        (
            "rediss://bot:pw@cache/0",
            "cache",
            {"port": 6379, "db": 0, "username": "bot", "password": "pw", "use_ssl": True},
        ),
    ],
)
def test_redis_url_selects_the_redis_lock_store(tmp_path, url, expected_host, expected):
    read = read_back(tmp_path, {"REDIS_URL": url, "LOCK_STORE_KEY_PREFIX": "sce1"})
    assert read.lock_store is not None and read.lock_store.type == "redis"
    assert read.lock_store.url == expected_host
    assert read.lock_store.kwargs == {**expected, "key_prefix": "sce1"}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_URL": "http://cache:6379"}, "REDIS_URL must start with"),
        ({"REDIS_URL": "redis://cache:6379/one"}, "bad port or database"),
        ({"REDIS_URL": "redis://cache", "LOCK_STORE_KEY_PREFIX": "sce-prod"}, "alphanumeric"),
        ({"TRACKER_DB_URL": "postgresql://db.internal/"}, "names no database"),
        ({"TRACKER_DB_URL": "not a url"}, "not a database URL"),
        ({"TRACKER_DB_URL": "sqlite:////tmp/t.db", "TRACKER_DB_LOGIN_DB": "postgres"}, "PostgreSQL only"),
        ({"ACTION_ENDPOINT_URL": "actions:5055"}, "http(s) URL"),
        ({"ACTION_SERVER_SECRET": "short"}, "at least 16 characters"),
        ({"ACTION_SERVER_SECRET": "with a space in the secret"}, "without spaces"),
    ],
)
def test_bad_settings_are_rejected_with_the_reason(env, message):
    with pytest.raises(endpoints.EndpointsConfigError, match=re.escape(message)):
        endpoints.endpoints_config(env)


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    unset = ("TRACKER_DB_URL", "REDIS_URL", "ACTION_ENDPOINT_URL", "ACTION_SERVER_SECRET")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "bot.deploy.endpoints", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**clean, "BOT_VAR_DIR": str(tmp_path / "var"), **env},
        timeout=60,
    )


def test_cli_writes_an_owner_only_file_rasa_can_read(tmp_path):
    out = tmp_path / "endpoints.yml"
    done = run_cli(tmp_path, "--out", str(out), TRACKER_DB_URL="postgresql://rasa:pw@db/t", REDIS_URL="redis://r")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds database passwords
    read = AvailableEndpoints.read_endpoints(str(out))
    assert read.tracker_store is not None and read.tracker_store.kwargs["password"] == "pw"
    assert read.lock_store is not None and read.lock_store.type == "redis"


def test_cli_prints_to_stdout_and_fails_clearly_on_bad_settings(tmp_path):
    printed = run_cli(tmp_path)
    assert printed.returncode == 0 and "tracker_store" in printed.stdout and "lock_store" not in printed.stdout
    failed = run_cli(tmp_path, REDIS_URL="memcached://x")
    assert failed.returncode == 2 and "REDIS_URL must start with" in failed.stderr and failed.stdout == ""


def test_the_action_server_secret_is_sent_as_a_header_and_never_written(tmp_path, monkeypatch):
    secret = "s3cret-for-the-action-server-0123"
    path = endpoints.write(tmp_path / "endpoints.yml", {"ACTION_SERVER_SECRET": secret}, var_dir=tmp_path / "var")
    assert secret not in path.read_text() and "${ACTION_SERVER_SECRET}" in path.read_text()
    monkeypatch.setenv("ACTION_SERVER_SECRET", secret)  # Rasa resolves the reference from its environment
    read = AvailableEndpoints.read_endpoints(str(path))
    assert read.action is not None and read.action.headers == {"Authorization": f"Bearer {secret}"}


def test_the_bounded_tracker_store_is_what_rasa_loads(tmp_path):
    from rasa.core.tracker_store import TrackerStore

    from bot.channels.trackers import BoundedSQLTrackerStore

    read = read_back(tmp_path, {})
    store = TrackerStore.create(read.tracker_store)
    inner = getattr(store, "_tracker_store", store)
    inner = getattr(inner, "_tracker_store", inner)
    assert isinstance(inner, BoundedSQLTrackerStore)
    assert stat.S_IMODE((tmp_path / "var" / "tracker.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
