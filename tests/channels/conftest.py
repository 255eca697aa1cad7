"""One real assistant for the channel tests, started the way ``scripts/run.sh`` starts it.

The stack gets the effective credentials written by :mod:`bot.deploy.credentials` (REST, socket.io
limited to the page origins, Slack pointed at a local stand-in for Slack's Web API), ``--cors`` for
the page origins and a 1 MB request limit. The demo page is served for it on a free port; one more port's
origin is allowed for the pages of test_embedding.py, which embed the kit from "another site". The stack has
its own seeded database, and one party, Orange County Power Authority, has a hand-off target: a loopback
receiver checking the signature (every other party keeps ``url: null``, so only conversations routed to
OCPA are offered a callback).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
from channels_support import (
    HANDOFF_PARTY,
    HANDOFF_SECRET,
    MAX_REQUEST_BYTES,
    MODEL,
    SLACK_SECRET,
    SLACK_TOKEN,
    ChannelStack,
    SlackApiStandIn,
)

from bot.deploy.credentials import write_credentials
from bot.deploy.webpage import PageConfig, serving
from bot.handoff.receiver import Receiver
from tooling.servers import free_port, running_stack, seeded_sqlite


@pytest.fixture(scope="session")
def handoff_receiver() -> Iterator[Receiver]:
    """The loopback receiver of ``HANDOFF_PARTY``'s callback requests; it checks their signature."""
    receiver = Receiver(secret=HANDOFF_SECRET.encode()).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def channels(tmp_path_factory: pytest.TempPathFactory, handoff_receiver: Receiver) -> Iterator[ChannelStack]:
    """Rasa + action server with this project's channel setup, the demo page, a Slack stand-in, a hand-off receiver."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does it)")
    work = Path(tmp_path_factory.mktemp("channels"))
    page_port = free_port()
    embed_port = free_port()  # a host page of another site embedding the kit (test_embedding.py)
    origins = [f"http://127.0.0.1:{page_port}", f"http://localhost:{page_port}", f"http://127.0.0.1:{embed_port}"]
    database_url = seeded_sqlite(work / "role_table.db")
    handoff_env = {
        "DATABASE_URL": database_url,
        "HANDOFF_WEBHOOK_URL": "",  # an override from the caller's environment would give every party a target
        "HANDOFF_TARGETS_FILE": "",  # the versioned seed/handoff_targets.yml
        f"HANDOFF_URL_{HANDOFF_PARTY.upper()}": handoff_receiver.url,
        f"HANDOFF_SECRET_{HANDOFF_PARTY.upper()}": HANDOFF_SECRET,
        "HANDOFF_POLL_SECONDS": "1",  # a ticket sent twice would show within a test's short wait
    }
    with SlackApiStandIn() as slack:
        env = {
            "WEB_ORIGINS": ",".join(origins),
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_URL": slack.url,
            "SANIC_REQUEST_MAX_SIZE": str(MAX_REQUEST_BYTES),
        }
        credentials = work / "credentials.yml"
        assert write_credentials(credentials, env) == []
        with running_stack(
            work / "logs",
            MODEL,
            extra_env={**env, **handoff_env, "BOT_CREDENTIALS": str(credentials)},
            rasa_args=["--cors", *origins],
        ) as stack:
            rasa_port = int(stack.url.rsplit(":", 1)[1])
            with serving("127.0.0.1", page_port, PageConfig(rasa_port=rasa_port)) as page_url:
                yield ChannelStack(
                    stack=stack,
                    page_url=page_url,
                    origins=origins,
                    slack=slack,
                    handoff=handoff_receiver,
                    database_url=database_url,
                    embed_port=embed_port,
                )


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def unique() -> str:
    """A short unique suffix for Slack ids and conversation ids."""
    return uuid.uuid4().hex[:10].upper()
