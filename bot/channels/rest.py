"""A hardened REST input channel: validated, capped input and a reply on every turn.

Rasa's built-in ``rest`` channel answers 500 to a JSON body that is not an object, files a message
without ``sender`` under the shared conversation "default", passes control characters and lone
surrogates to NLU and the tracker store, lets one sender queue unbounded turns, and when the action
server is down or hangs (Rasa 3.6 waits up to 300 s for it, whatever endpoints.yml says) the customer
gets no reply at all. This channel keeps the same URL and payload (``POST /webhooks/rest/webhook`` with
``{"sender": ..., "message": ...}``) and adds:

* 4xx with a JSON ``error`` for malformed input: 400 (not a JSON object, missing/invalid sender, non-text
  or empty message), 413 (message over ``BOT_MAX_MESSAGE_CHARS``), 429 (too many turns of one
  conversation in flight on this server, ``BOT_MAX_INFLIGHT_PER_SENDER``).
* text cleanup: control characters and unpaired surrogates become spaces; emoji and right-to-left text pass.
* a turn budget (``BOT_TURN_TIMEOUT`` seconds) and a reply guarantee: a turn that fails, times out or
  produces no message gets the domain's ``utter_service_trouble`` (an apology plus SCE's general contact),
  and the failure is logged.

Use it in credentials.yml instead of ``rest:``::

    bot.channels.rest.GuardedRestInput:
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections import Counter
from typing import Any, Awaitable, Callable, Dict, List, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

SERVICE_TROUBLE_RESPONSE = "utter_service_trouble"
# Used only if the domain lacks the response; keep in step with domain.yml.
FALLBACK_SERVICE_TROUBLE = (
    "Sorry, I can't look that up right now. For help with your service, call Southern California Edison "
    "at 1-800-655-4555 (outages: 1-800-611-1911) or visit https://www.sce.com."
)
MAX_SENDER_CHARS = 128  # conversation ids are stored in indexed columns; UUIDs and e-mail-like ids fit
MAX_METADATA_BYTES = 4096
# C0/C1 control characters except tab and newline, and unpaired UTF-16 surrogates (JSON "\ud800" decodes to
# one; it cannot be encoded as UTF-8, so the tracker store and the action server call would fail on it).
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _env_number(name: str, default: float, minimum: float) -> float:
    try:
        return max(minimum, float(os.environ.get(name, "").strip() or default))
    except ValueError:
        logger.warning("ignoring %s=%r: not a number", name, os.environ.get(name))
        return default


class BadInput(ValueError):
    """The request cannot become a user message; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def clean_text(text: str) -> str:
    """Replace control characters and unpaired surrogates by spaces and trim.

    Args:
        text: The message as decoded from JSON.

    Returns:
        Text that NLU, the tracker store and the action server all accept.
    """
    return _UNSAFE_CHARS.sub(" ", text).strip()


def parse_request(body: bytes, max_chars: int) -> Tuple[str, str, Dict[str, Any] | None]:
    """Validate a webhook body.

    Args:
        body: The raw request body.
        max_chars: Longest accepted message, in characters.

    Returns:
        ``(sender, text, metadata)``; metadata is dropped unless it is a small JSON object.

    Raises:
        BadInput: With the HTTP status to answer.
    """
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(400, "the body must be a JSON object with 'sender' and 'message'") from exc
    if not isinstance(payload, dict):
        raise BadInput(400, "the body must be a JSON object with 'sender' and 'message'")
    sender = payload.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    # Without a sender Rasa files the message under one shared "default" conversation: never do that.
    if not isinstance(sender, str) or not sender.strip():
        raise BadInput(400, "'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        raise BadInput(400, f"'sender' must be at most {MAX_SENDER_CHARS} printable characters")
    message = payload.get("message")
    if not isinstance(message, str):
        raise BadInput(400, "'message' must be a string")
    if len(message) > max_chars:
        raise BadInput(413, f"'message' is longer than {max_chars} characters")
    text = clean_text(message)
    if not text:
        raise BadInput(400, "'message' is empty")
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict) or len(json.dumps(metadata, default=str)) > MAX_METADATA_BYTES:
        metadata = None
    return sender, text, metadata


class GuardedRestInput(InputChannel):
    """REST channel with input validation, per-conversation back-pressure and a reply on every turn."""

    @classmethod
    def name(cls) -> str:
        """Same name, hence same URL, as Rasa's ``rest`` channel: clients need no change."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> GuardedRestInput:
        """Build from credentials.yml; settings come from the environment (see the module docstring)."""
        return cls()

    def __init__(self) -> None:
        self.turn_timeout = _env_number("BOT_TURN_TIMEOUT", 10.0, 1.0)
        self.max_chars = int(_env_number("BOT_MAX_MESSAGE_CHARS", 2000, 1))
        self.max_inflight = int(_env_number("BOT_MAX_INFLIGHT_PER_SENDER", 3, 1))
        self._inflight: Counter = Counter()
        # One turn at a time per conversation in this process. Rasa's Redis lock store is not atomic
        # across concurrent requests (two turns could both read the tracker and one save be lost),
        # so the channel serialises a conversation's turns itself; the lock store still covers
        # turns arriving at different replicas.
        self._turn_locks: Dict[str, asyncio.Lock] = {}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes: ``GET /`` (health) and ``POST /webhook``."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_request(request.body or b"", self.max_chars)
            except BadInput as exc:
                return response.json({"error": str(exc)}, status=exc.status)
            if self._inflight[sender] >= self.max_inflight:
                # Turns of one conversation run one at a time (lock store); queueing more only delays them.
                return response.json(
                    {"error": "too many messages at once for this conversation"}, status=429,
                    headers={"Retry-After": "1"},
                )
            lock = self._turn_locks.setdefault(sender, asyncio.Lock())
            self._inflight[sender] += 1
            try:
                async with lock:
                    messages = await self._run_turn(on_new_message, sender, text, metadata)
            finally:
                self._inflight[sender] -= 1
                if self._inflight[sender] <= 0:
                    del self._inflight[sender]
                    self._turn_locks.pop(sender, None)
            if not messages:
                messages = [{"recipient_id": sender, "text": self._service_trouble(request)}]
            return response.json(messages)

        return webhook

    async def _run_turn(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        sender: str,
        text: str,
        metadata: Dict[str, Any] | None,
    ) -> List[Dict[str, Any]]:
        """Process one message within the turn budget; return what the bot said (empty on failure)."""
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
        try:
            # Cancelling releases the conversation lock; the turn is not stored, the customer may retry.
            await asyncio.wait_for(on_new_message(message), timeout=self.turn_timeout)
        except asyncio.TimeoutError:
            logger.error("turn for %s timed out after %.0fs (action server or database hanging?); "
                         "replied with %s", sender[:40], self.turn_timeout, SERVICE_TROUBLE_RESPONSE)
            return []
        except Exception:  # noqa: BLE001 - any failure inside Rasa must still give the customer a reply
            logger.exception("turn for %s failed; replied with %s", sender[:40], SERVICE_TROUBLE_RESPONSE)
            return []
        if not collector.messages:
            # Rasa logs a failed custom action and carries on silently; the customer must not be left waiting.
            logger.error("turn for %s produced no reply (action server down?); replied with %s",
                         sender[:40], SERVICE_TROUBLE_RESPONSE)
        return list(collector.messages)

    @staticmethod
    def _service_trouble(request: Request) -> str:
        """The apology text from the loaded model's domain, so wording lives in domain.yml only."""
        agent = getattr(request.app.ctx, "agent", None)
        domain = getattr(agent, "domain", None)
        variants = (getattr(domain, "responses", None) or {}).get(SERVICE_TROUBLE_RESPONSE) or []
        text = variants[0].get("text") if variants else None
        return text if isinstance(text, str) and text else FALLBACK_SERVICE_TROUBLE
