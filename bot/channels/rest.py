"""The REST input channel on the shared edge: validated input and a reply on every turn.

Rasa's built-in ``rest`` channel answers 500 to a JSON body that is not an object (or nested too deeply),
files a message without ``sender`` under the shared conversation "default", passes control characters and
lone surrogates to NLU and the tracker store, lets one sender queue unbounded turns, and when the action
server is down or hangs (Rasa 3.6 waits up to 300 s for it, whatever endpoints.yml says) the customer gets
no reply at all. This channel keeps the same URL and payload (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``; a sender ``X`` is conversation ``X``) and applies the rules of
:mod:`bot.channels.edge`, shared with socket.io and Slack:

* 4xx with a JSON ``error``: 400 (not a JSON object, missing/invalid sender, non-text or empty message,
  metadata not an object), 403 (a sender in the widget's ``web:`` or Slack's ``slack:`` namespace),
  413 (message over ``BOT_MAX_MESSAGE_CHARS``, metadata over ``BOT_MAX_METADATA_BYTES``), 429 (too many
  turns of one conversation in flight, ``BOT_MAX_INFLIGHT_PER_SENDER``).
* text cleanup: control characters and unpaired surrogates become spaces; emoji and right-to-left text pass.
* a turn bound (``BOT_TURN_TIMEOUT``) and a reply guarantee: ``utter_service_trouble`` when a turn fails,
  times out or produces no message.

Use it in credentials.yml instead of ``rest:``::

    bot.channels.rest.GuardedRestInput:
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.edge import (
    Edge,
    Refused,
    check_metadata,
    check_rest_sender,
    check_text,
    log_refusal,
    parse_json,
    shared_edge,
)

BadInput = Refused  # the name this module used before the edge was shared


def parse_request(
    body: bytes, max_chars: int, max_metadata_bytes: int = 4096
) -> Tuple[str, str, Dict[str, Any] | None]:
    """Validate a webhook body.

    Args:
        body: The raw request body.
        max_chars: Longest accepted message, in characters.
        max_metadata_bytes: Largest accepted metadata object (compact JSON, bytes).

    Returns:
        ``(sender, text, metadata)``.

    Raises:
        Refused: With the HTTP status to answer.
    """
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise Refused(400, "the body must be a JSON object with 'sender' and 'message'")
    sender = check_rest_sender(payload.get("sender"))
    text = check_text(payload.get("message"), max_chars)
    metadata = check_metadata(payload.get("metadata"), max_metadata_bytes)
    return sender, text, metadata


class GuardedRestInput(InputChannel):
    """REST channel on the shared edge (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Same name, hence same URL, as Rasa's ``rest`` channel: clients need no change."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> GuardedRestInput:
        """Build from credentials.yml; settings come from the environment (see :mod:`bot.channels.edge`)."""
        return cls()

    def __init__(self, edge: Edge | None = None) -> None:
        self.edge = edge or shared_edge()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook``."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender = None
            try:
                sender, text, metadata = parse_request(
                    request.body or b"", self.edge.settings.max_chars, self.edge.settings.max_metadata_bytes
                )
                collector = CollectingOutputChannel()
                message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
                apology: List[str] = []

                async def apologise(text: str) -> None:
                    apology.append(text)

                await self.edge.deliver(
                    self.name(), on_new_message, message, lambda: len(collector.messages), apologise, request.app
                )
            except Refused as exc:
                log_refusal(self.name(), sender, exc)
                headers = {"Retry-After": "1"} if exc.status == 429 else None
                return response.json({"error": str(exc)}, status=exc.status, headers=headers)
            # What the bot said before something failed, then the apology.
            return response.json(list(collector.messages) + [{"recipient_id": sender, "text": t} for t in apology])

        return webhook
