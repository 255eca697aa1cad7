"""Helpers shared by the channel tests: constants, the running stack, Slack signing with the test secret.

A module with a unique name rather than ``conftest``: test modules import from it, and every test
directory has a ``conftest`` module. The clients themselves live in :mod:`tooling.channel_clients`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

from bot.config import MODEL_PATH, PROJECT_ROOT
from bot.handoff.receiver import Receiver
from tooling.channel_clients import RawSocket, SlackApiStandIn
from tooling.channel_clients import sign as sign_with
from tooling.servers import Stack

__all__ = [
    "ARTIFACTS",
    "HANDOFF_PARTY",
    "HANDOFF_SECRET",
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
# The one party whose callback requests go to the stack's loopback receiver, and the secret they are signed with.
HANDOFF_PARTY = "ocpa"
HANDOFF_SECRET = "channels-handoff-secret-0123"


@dataclass
class ChannelStack:
    """The running assistant, its demo page, the Slack stand-in and the hand-off receiver.

    ``embed_port``: a free port whose origin (``http://127.0.0.1:<port>``) the assistant allows, for a host
    page of another site that embeds the kit. ``handoff``: the loopback receiver of :data:`HANDOFF_PARTY`'s
    callback requests; ``database_url``: the stack's own role-table database, where tickets are stored.
    """

    stack: Stack
    page_url: str
    origins: List[str]
    slack: SlackApiStandIn
    handoff: Receiver
    database_url: str
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
