"""Helpers shared by the channel tests: constants, the running stack, Slack signing with the test secret.

A module with a unique name rather than ``conftest``: test modules import from it, and every test
directory has a ``conftest`` module. The clients themselves live in :mod:`tooling.channel_clients`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

from bot.config import MODEL_PATH, PROJECT_ROOT
from tooling.channel_clients import RawSocket, SlackApiStandIn
from tooling.channel_clients import sign as sign_with
from tooling.servers import Stack

__all__ = [
    "ARTIFACTS",
    "MAX_REQUEST_BYTES",
    "MODEL",
    "SLACK_SECRET",
    "SLACK_TOKEN",
    "ChannelStack",
    "RawSocket",
    "SlackApiStandIn",
    "sign",
]

MODEL = MODEL_PATH
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
SLACK_TOKEN = "xoxb-test-token"
SLACK_SECRET = "test-signing-secret"
MAX_REQUEST_BYTES = 1_000_000


@dataclass
class ChannelStack:
    """The running assistant, its demo page and the Slack stand-in.

    ``embed_port``: a free port whose origin (``http://127.0.0.1:<port>``) the assistant allows, for a host
    page of another site that embeds the kit.
    """

    stack: Stack
    page_url: str
    origins: List[str]
    slack: SlackApiStandIn
    embed_port: int = 0

    @property
    def rasa_url(self) -> str:
        return self.stack.url

    @property
    def token(self) -> str:
        return self.stack.token


def sign(body: bytes, timestamp: int | None = None, secret: str = SLACK_SECRET) -> Dict[str, str]:
    """Headers of a request Slack signed with ``secret`` (the test stack's by default)."""
    return sign_with(body, timestamp, secret)
