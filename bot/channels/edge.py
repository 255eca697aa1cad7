"""The one edge every channel (REST, socket.io, Slack) passes a customer's message through.

Written once, used by the three channels:

* **Input rules** (:func:`check_text`, :func:`check_metadata`, :func:`parse_json`): the message must be a
  string of at most ``BOT_MAX_MESSAGE_CHARS`` characters (413 otherwise) that is not empty once control
  characters and unpaired surrogates are replaced by spaces (400); metadata must be a JSON object of at
  most ``BOT_MAX_METADATA_BYTES`` (413); JSON that is not UTF-8, malformed or nested too deeply for the
  decoder is a 400, never a 500.
* **Back-pressure** (:class:`ConversationGate`): at most ``BOT_MAX_INFLIGHT_PER_SENDER`` messages of one
  conversation queued or running in this process (429 beyond), and the turns of one conversation run
  one at a time. Sockets also get a per-connection rate limit (:class:`TokenBucket`).
* **A reply on every turn** (:meth:`Edge.deliver`): a turn is bounded by ``BOT_TURN_TIMEOUT``; when it
  fails, times out, a custom action fails inside it (Rasa logs that and carries on), or it says nothing,
  the customer gets the domain's ``utter_service_trouble`` (apology and SCE's general contact) through the
  channel it wrote on. A payload (``/intent{...}``, from a button or the widget) may be answered with
  silence by design; it gets the apology only when something failed.
* **The same log lines** for every channel: ``refused <channel> message for <conversation>: <status>
  <reason>``, ``turn for <conversation> timed out`` / ``failed`` / ``produced no reply``.

Conversation ids are namespaced by channel: the widget's are ``web:<id>`` and Slack's ``slack:<id>``, and
the REST channel refuses senders with those prefixes, so no REST caller can read or write them. A REST
sender ``X`` is conversation ``X``, as before.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import Counter
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Dict, Mapping

from bot.config import env_number

if TYPE_CHECKING:  # the action server imports this module too, and has no need to load Rasa
    from rasa.core.channels.channel import UserMessage

logger = logging.getLogger("bot.channels.edge")

SERVICE_TROUBLE_RESPONSE = "utter_service_trouble"
# Used only if the domain lacks the response; keep in step with domain.yml.
FALLBACK_SERVICE_TROUBLE = (
    "Sorry, I can't look that up right now. For help with your service, call Southern California Edison "
    "at 1-800-655-4555 (outages: 1-800-611-1911) or visit https://www.sce.com."
)
WEB_PREFIX = "web:"  # socket.io (the widget) conversations
SLACK_PREFIX = "slack:"  # Slack conversations
RESERVED_PREFIXES = (WEB_PREFIX, SLACK_PREFIX)
MAX_SENDER_CHARS = 128  # conversation ids are stored in indexed columns; UUIDs and e-mail-like ids fit
# C0/C1 control characters except tab and newline, and unpaired UTF-16 surrogates (JSON "\ud800" decodes to
# one; it cannot be encoded as UTF-8, so NLU, the tracker store and the action server call would fail on it).
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


class Refused(ValueError):
    """A message the edge does not pass on; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class EdgeSettings:
    """Limits of the edge, from the environment (``bot.config.env_number``; a bad value fails at start)."""

    turn_timeout: float = 10.0
    max_chars: int = 2000
    max_metadata_bytes: int = 4096
    max_inflight: int = 3
    socket_burst: int = 5
    socket_per_minute: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EdgeSettings:
        """Read ``BOT_TURN_TIMEOUT``, ``BOT_MAX_MESSAGE_CHARS``, ``BOT_MAX_METADATA_BYTES``,
        ``BOT_MAX_INFLIGHT_PER_SENDER``, ``BOT_SOCKET_BURST`` and ``BOT_SOCKET_PER_MINUTE``."""
        return cls(
            turn_timeout=env_number("BOT_TURN_TIMEOUT", cls.turn_timeout, 1.0, env),
            max_chars=int(env_number("BOT_MAX_MESSAGE_CHARS", cls.max_chars, 1, env)),
            max_metadata_bytes=int(env_number("BOT_MAX_METADATA_BYTES", cls.max_metadata_bytes, 0, env)),
            max_inflight=int(env_number("BOT_MAX_INFLIGHT_PER_SENDER", cls.max_inflight, 1, env)),
            socket_burst=int(env_number("BOT_SOCKET_BURST", cls.socket_burst, 1, env)),
            socket_per_minute=env_number("BOT_SOCKET_PER_MINUTE", cls.socket_per_minute, 1, env),
        )


def clean_text(text: str) -> str:
    """Replace control characters and unpaired surrogates by spaces and trim.

    Args:
        text: The message as decoded from JSON.

    Returns:
        Text that NLU, the tracker store and the action server all accept.
    """
    return _UNSAFE_CHARS.sub(" ", text).strip()


def check_text(value: Any, max_chars: int) -> str:
    """The customer's message, cleaned, or :class:`Refused`.

    Args:
        value: The ``message`` field as decoded from JSON (any type).
        max_chars: Longest accepted message, in characters (checked before any other work).

    Raises:
        Refused: 400 for a non-string or a message empty after cleanup, 413 for one over ``max_chars``.
    """
    if not isinstance(value, str):
        raise Refused(400, "'message' must be a string")
    if len(value) > max_chars:
        raise Refused(413, f"'message' is longer than {max_chars} characters")
    text = clean_text(value)
    if not text:
        raise Refused(400, "'message' is empty")
    return text


def check_metadata(value: Any, max_bytes: int) -> Dict[str, Any] | None:
    """Message metadata, or :class:`Refused`; absent (``None``) stays ``None``.

    Args:
        value: A JSON object, or a string holding one (Rasa's socket.io channel accepts both).
        max_bytes: Largest accepted size of its compact UTF-8 JSON encoding.

    Raises:
        Refused: 400 when it is not an object, 413 when it is larger than ``max_bytes``.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > max_bytes:
            raise Refused(413, f"'metadata' is larger than {max_bytes} bytes")
        value = parse_json(value.encode("utf-8", "surrogatepass"), "'metadata'")
    if not isinstance(value, dict):
        raise Refused(400, "'metadata' must be a JSON object")
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError, RecursionError) as exc:
        raise Refused(400, "'metadata' must be plain JSON") from exc
    if size > max_bytes:
        raise Refused(413, f"'metadata' is larger than {max_bytes} bytes")
    return value


def parse_json(body: bytes, what: str = "the body") -> Any:
    """Decode UTF-8 JSON; anything else (including nesting too deep for the decoder) is a 400.

    Raises:
        Refused: 400 with the reason.
    """
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refused(400, f"{what} must be UTF-8 JSON") from exc


def check_rest_sender(value: Any) -> str:
    """A REST caller's conversation id: printable, at most 128 characters, not a channel's namespace.

    Raises:
        Refused: 400 for a missing or malformed sender, 403 for one in the widget's or Slack's namespace.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    # Without a sender Rasa files the message under one shared "default" conversation: never do that.
    if not isinstance(value, str) or not value.strip():
        raise Refused(400, "'sender' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS or not value.isprintable():
        raise Refused(400, f"'sender' must be at most {MAX_SENDER_CHARS} printable characters")
    if value.strip().lower().startswith(RESERVED_PREFIXES):
        raise Refused(403, f"'sender' must not start with {' or '.join(RESERVED_PREFIXES)} (other channels' ids)")
    return value


def service_trouble_text(app: Any) -> str:
    """The apology from the loaded model's domain (``utter_service_trouble``), so wording lives in domain.yml.

    Args:
        app: The Sanic app of the Rasa server (``request.app``), or ``None``.
    """
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    domain = getattr(agent, "domain", None)
    variants = (getattr(domain, "responses", None) or {}).get(SERVICE_TROUBLE_RESPONSE) or []
    text = variants[0].get("text") if variants else None
    return text if isinstance(text, str) and text else FALLBACK_SERVICE_TROUBLE


def shown(conversation_id: str) -> str:
    """A conversation id as it appears in logs (bounded, printable)."""
    return ascii(conversation_id[:48])[1:-1]


_last_logged: Dict[tuple, float] = {}
_suppressed: Counter = Counter()
LOG_EVERY_SECONDS = 10.0


def log_refusal(channel: str, conversation_id: str | None, refused: Refused) -> None:
    """The one log line for a refused message, whatever the channel.

    A flood (say 200 messages in 10 ms on one socket) logs one line per channel, conversation and status
    every 10 seconds, with the number of refusals it stands for, so a client cannot fill the disk.
    """
    key = (channel, conversation_id, refused.status)
    now = time.monotonic()
    if now - _last_logged.get(key, -LOG_EVERY_SECONDS) < LOG_EVERY_SECONDS:
        _suppressed[key] += 1
        return
    if len(_last_logged) > 10_000:
        _last_logged.clear()
        _suppressed.clear()
    _last_logged[key] = now
    more = _suppressed.pop(key, 0)
    logger.warning(
        "refused %s message for %s: %d %s%s",
        channel,
        shown(conversation_id or "?"),
        refused.status,
        refused,
        f" (and {more} more since the last line)" if more else "",
    )


class TokenBucket:
    """A per-connection rate limit: ``burst`` messages at once, refilled at ``per_minute``."""

    def __init__(self, burst: int, per_minute: float, now: float | None = None) -> None:
        self.capacity = float(burst)
        self.rate = per_minute / 60.0
        self.tokens = float(burst)
        self.updated = time.monotonic() if now is None else now

    def take(self, now: float | None = None) -> bool:
        """Spend one token; ``False`` (and nothing spent) when the bucket is empty."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


class ConversationGate:
    """Per-process admission and ordering of turns, keyed by conversation id."""

    def __init__(self, max_inflight: int) -> None:
        self.max_inflight = max_inflight
        self._inflight: Counter = Counter()
        # One turn at a time per conversation in this process. Rasa's Redis lock store is not atomic
        # across concurrent requests (two turns could both read the tracker and one save be lost), so the
        # edge serialises a conversation's turns itself; the lock store still covers other replicas.
        self._locks: Dict[str, asyncio.Lock] = {}

    def inflight(self, conversation_id: str) -> int:
        """Messages of the conversation queued or running now."""
        return int(self._inflight[conversation_id])

    @asynccontextmanager
    async def turn(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold the conversation's turn slot; :class:`Refused` (429) when too many are in flight."""
        if self._inflight[conversation_id] >= self.max_inflight:
            # Turns of one conversation run one at a time; queueing more only delays them.
            raise Refused(429, "too many messages at once for this conversation")
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._inflight[conversation_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._inflight[conversation_id] -= 1
            if self._inflight[conversation_id] <= 0:
                del self._inflight[conversation_id]
                self._locks.pop(conversation_id, None)


class Edge:
    """Admission, the turn bound and the reply guarantee; one instance per Rasa process (:func:`shared_edge`)."""

    def __init__(self, settings: EdgeSettings | None = None) -> None:
        self.settings = settings or EdgeSettings.from_env()
        self.gate = ConversationGate(self.settings.max_inflight)

    def socket_bucket(self) -> TokenBucket:
        """A fresh per-connection rate limit."""
        return TokenBucket(self.settings.socket_burst, self.settings.socket_per_minute)

    async def deliver(
        self,
        channel: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: UserMessage,
        replies: Callable[[], int],
        apologise: Callable[[str], Awaitable[Any]],
        app: Any = None,
    ) -> bool:
        """Run one turn within the bound; apologise through the channel when it fails or is silent.

        Args:
            channel: Channel name for the logs.
            on_new_message: Rasa's handler.
            message: The validated message (its ``sender_id`` is the conversation id).
            replies: How many messages the bot has sent on this turn so far.
            apologise: Sends the apology text to the customer.
            app: The Rasa Sanic app (for the domain's apology text).

        Returns:
            Whether the turn itself answered.

        Raises:
            Refused: 429 when the conversation already has too many messages in flight (nothing is run).
        """
        async with self.gate.turn(message.sender_id):
            answered = await self._run(channel, on_new_message, message, replies)
        if not answered:
            try:
                await apologise(service_trouble_text(app))
            except Exception:  # noqa: BLE001 - the channel itself failing must not crash the handler
                logger.exception("could not send the apology to %s on %s", shown(message.sender_id), channel)
        return answered

    async def _run(
        self,
        channel: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        message: UserMessage,
        replies: Callable[[], int],
    ) -> bool:
        conversation = shown(message.sender_id)
        watch_action_failures()
        state = _TurnState()
        _current_turn.set(state)  # in this task's context: the turn's task inherits it
        try:
            # Cancelling releases the conversation lock; the turn is not stored, the customer may retry.
            await asyncio.wait_for(on_new_message(message), timeout=self.settings.turn_timeout)
        except asyncio.TimeoutError:
            logger.error(
                "turn for %s on %s timed out after %.0fs (action server or database hanging?); replied with %s",
                conversation,
                channel,
                self.settings.turn_timeout,
                SERVICE_TROUBLE_RESPONSE,
            )
            return False
        except Exception:  # noqa: BLE001 - any failure inside Rasa must still give the customer a reply
            logger.exception(
                "turn for %s on %s failed; replied with %s", conversation, channel, SERVICE_TROUBLE_RESPONSE
            )
            return False
        finally:
            _current_turn.set(None)
        said = replies()
        if said == 0 and (state.action_failed or not is_payload(message.text)):
            # Rasa logs a failed custom action and carries on silently; the customer must not be left waiting.
            # (A button or widget payload may be answered by design with silence, unless an action failed.)
            logger.error(
                "turn for %s on %s produced no reply (action server down?); replied with %s",
                conversation,
                channel,
                SERVICE_TROUBLE_RESPONSE,
            )
            return False
        if state.action_failed:
            logger.error(
                "turn for %s on %s: a custom action failed after %d message(s); replied with %s",
                conversation,
                channel,
                said,
                SERVICE_TROUBLE_RESPONSE,
            )
            return False
        return True


def is_payload(text: str | None) -> bool:
    """Whether a message is a payload a button or the widget sent (``/intent{...}``), not typed text."""
    return bool(text) and str(text).startswith("/")


@dataclass
class _TurnState:
    action_failed: bool = False


_current_turn: ContextVar[_TurnState | None] = ContextVar("bot_edge_turn", default=None)
# Rasa's processor catches an exception of a custom action (action server down, refusing, answering
# garbage), logs it with this text and carries on without the action's events.
_ACTION_FAILURE = "Encountered an exception while running action"


class _ActionFailureWatch(logging.Filter):
    """Marks the current turn as failed when Rasa's processor logs a failed custom action."""

    def filter(self, record: logging.LogRecord) -> bool:
        state = _current_turn.get()
        if state is not None and record.levelno >= logging.ERROR and _ACTION_FAILURE in str(record.msg):
            state.action_failed = True
        return True


def watch_action_failures() -> None:
    """Install the watch on Rasa's processor logger (once)."""
    processor = logging.getLogger("rasa.core.processor")
    if not any(isinstance(f, _ActionFailureWatch) for f in processor.filters):
        processor.addFilter(_ActionFailureWatch())


_shared: Edge | None = None


def shared_edge() -> Edge:
    """The process-wide edge: every channel of one Rasa process shares its limits and conversation gate."""
    global _shared
    if _shared is None:
        _shared = Edge()
    return _shared
