"""A production-shaped stack for the tests in this directory, started once per session.

Two Rasa servers and one action server share a PostgreSQL tracker store and a Redis lock store, with
the role table (and the inquiry log) in PostgreSQL too, and the project's channels on the shared edge
(REST, socket.io, Slack with a stand-in for its Web API). Each run uses freshly created, uniquely named databases and
its own Redis key prefix, all removed afterwards. Without a reachable PostgreSQL or Redis the tests
are skipped with the reason, unless ``CI`` is set: then they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import redis
from prodkit import PAGE_ORIGIN, SLACK_SECRET, SLACK_TOKEN, TURN_TIMEOUT
from rasa.core.lock_store import RedisLockStore
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot.config import MODEL_PATH, in_ci
from bot.deploy import endpoints
from bot.deploy.credentials import write_credentials
from tooling.channel_clients import SlackApiStandIn
from tooling.rest_client import RasaClient
from tooling.servers import Stack, running_stack

MODEL = MODEL_PATH
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a reachable Redis; skips (fails under CI) when there is none."""
    url = os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {url.split('@')[-1]}: {exc.__class__.__name__}: {exc}"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return url


@dataclass
class Stores:
    """The shared stores of one test session."""

    role_db_url: str  # role table and inquiry log (the action server's DATABASE_URL)
    tracker_db_url: str
    redis_url: str
    lock_prefix: str

    def env(self) -> Dict[str, str]:
        return {
            "DATABASE_URL": self.role_db_url,
            "TRACKER_DB_URL": self.tracker_db_url,
            "REDIS_URL": self.redis_url,
            "LOCK_STORE_KEY_PREFIX": self.lock_prefix,
        }

    def lock_store(self) -> RedisLockStore:
        """Rasa's lock store on exactly the Redis database and prefix the servers use."""
        section = dict(endpoints.lock_store(self.env()) or {})
        section.pop("type")
        return RedisLockStore(host=section.pop("url"), **section)


@pytest.fixture(scope="session")
def stores(postgres_database, redis_url) -> Iterator[Stores]:
    from bot import db, seed

    with postgres_database() as role_db_url, postgres_database() as tracker_db_url:
        db.reset()
        seed.seed(url=role_db_url)
        db.reset()
        prefix = f"prodtest{uuid.uuid4().hex[:12]}"
        made = Stores(role_db_url, tracker_db_url, redis_url, prefix)
        try:
            yield made
        finally:
            client = made.lock_store().red
            keys = list(client.scan_iter(f"{prefix}:*"))
            if keys:
                client.delete(*keys)


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the model: a retraining elsewhere must not change it between restarts."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does it)")
    copy = tmp_path_factory.mktemp("model") / "assistant.tar.gz"
    shutil.copyfile(MODEL, copy)
    return copy


@pytest.fixture(scope="session")
def slack_api() -> Iterator[SlackApiStandIn]:
    """A stand-in for Slack's Web API that both Rasa instances post their Slack replies to."""
    with SlackApiStandIn() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def stack(
    stores: Stores, model: Path, slack_api: SlackApiStandIn, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Two Rasa servers and one action server on the shared stores, with the project's three channels.

    The credentials are the ones ``scripts/run.sh`` writes (REST, socket.io for ``PAGE_ORIGIN``, Slack
    pointed at the stand-in); the action server requires the stack's shared secret, and bodies are limited
    to 1 MB on every server, as in ``make run``.
    """
    log_dir = Path(tmp_path_factory.mktemp("production-stack"))
    credentials = log_dir / "credentials.yml"
    slack = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_URL": slack_api.url}
    assert write_credentials(credentials, {"WEB_ORIGINS": PAGE_ORIGIN, **slack}) == []
    env = {
        **stores.env(),
        **slack,
        "BOT_CREDENTIALS": str(credentials),
        "BOT_TURN_TIMEOUT": str(TURN_TIMEOUT),
        "SANIC_REQUEST_MAX_SIZE": "1000000",
        "SQL_POOL_SIZE": "5",
        "SQL_MAX_OVERFLOW": "5",
        "BOT_ENDPOINTS": "",  # always render from the stores above
    }
    with running_stack(
        log_dir, model=model, rasa_instances=2, extra_env=env, rasa_args=["--cors", PAGE_ORIGIN]
    ) as running:
        yield running


@pytest.fixture(scope="session")
def clients(stack: Stack) -> List[RasaClient]:
    """One client per Rasa instance."""
    return [RasaClient(server.url, stack.token, timeout=TURN_TIMEOUT + 30) for server in stack.rasa]


@pytest.fixture
def sender() -> str:
    return f"prod-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def role_db(stores: Stores) -> Iterator[Engine]:
    engine = create_engine(stores.role_db_url, future=True)
    yield engine
    engine.dispose()
