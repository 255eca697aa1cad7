"""Rasa's Slack connector on the shared edge: retry-safe across replicas, with a reply on every turn.

Referenced in credentials as ``bot.channels.slack.SlackInput`` (webhook ``/webhooks/slack/webhook``).
Differences from Rasa 3.6's stock ``SlackInput``:

* **A Slack retry never produces a second reply, whatever ``X-Slack-Retry-Reason`` says and whichever
  replica it reaches.** The stock connector only drops retries whose reason is in ``errors_ignore_retry``
  (``http_timeout``) and answers ``http_error`` / ``too_many_requests`` / ``unknown_error`` retries again.
  Here each message is handled once, keyed by channel and message ``ts`` (:func:`delivery_key`; that also
  collapses the ``message`` and ``app_mention`` events Slack sends for one mention). With ``REDIS_URL``
  set the key is claimed with ``SET NX EX`` in Redis, so all replicas agree; otherwise (or while Redis
  fails) in this process. A retry of a message nobody saw (the first delivery was lost) is handled.
* **The edge's rules** (:mod:`bot.channels.edge`): the text is cleaned and capped like every channel's,
  turns of a conversation are limited and serialised, each turn is bounded by ``BOT_TURN_TIMEOUT``, and a
  turn that fails, times out or says nothing gets ``utter_service_trouble`` in the thread. A message over
  the length cap or beyond the in-flight limit gets a short notice instead of a turn.
* **Conversation ids are ``slack:<user>_<channel>_<thread>``**, a namespace the REST channel refuses.
* ``slack_api_url`` (credential; default Slack's) is where replies are posted, so tests and proxies can
  stand in for ``https://slack.com/api/``; the stock ``SlackBot`` hard-codes it.
* The ``url_verification`` handshake answers ``{"challenge": ...}`` as Slack documents it (the stock
  connector answers a bare JSON string).
* Replies omit ``as_user``, which Slack only accepts from classic apps; a bot token posts as the bot anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, Mapping

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.edge import SLACK_PREFIX, Edge, Refused, check_text, log_refusal, parse_json, shared_edge

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Slack retries a delivery up to three times within about five minutes; keep keys well past that.
DEDUP_TTL_SECONDS = 3600.0
DEDUP_MAX_KEYS = 10_000
DEFAULT_KEY_PREFIX = "sceassistant"
NOTICES = {
    413: "Sorry, that message is too long for me. Please keep it under {max_chars} characters.",
    429: "One moment please: I'm still answering your previous messages.",
}


class SeenKeys:
    """A bounded, thread-safe set of recently seen keys with a time to live."""

    def __init__(self, ttl: float = DEDUP_TTL_SECONDS, max_keys: int = DEDUP_MAX_KEYS) -> None:
        """Keep each key for ``ttl`` seconds and at most ``max_keys`` keys (oldest dropped first)."""
        self.ttl = ttl
        self.max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str, now: float | None = None) -> bool:
        """Record ``key``; return whether it was new (not seen within the time to live)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - self.ttl:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            return True


class DeliveryLedger:
    """Which Slack deliveries were already claimed: in Redis when configured (shared by replicas), else here.

    Args:
        redis_url: ``REDIS_URL``; ``None`` keeps the ledger in this process.
        prefix: Key prefix (``LOCK_STORE_KEY_PREFIX``, so deployments sharing a Redis stay apart).
        ttl: Seconds a key is kept.
    """

    def __init__(self, redis_url: str | None, prefix: str = DEFAULT_KEY_PREFIX, ttl: float = DEDUP_TTL_SECONDS):
        self.redis_url = redis_url
        self.prefix = prefix
        self.ttl = ttl
        self.local = SeenKeys(ttl)
        self._redis: Any = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DeliveryLedger:
        """From ``REDIS_URL`` and ``LOCK_STORE_KEY_PREFIX``."""
        env = os.environ if env is None else env
        return cls(
            env.get("REDIS_URL", "").strip() or None, env.get("LOCK_STORE_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX
        )

    def redis_key(self, key: str) -> str:
        """The Redis key that claims ``key``."""
        return f"{self.prefix}:slack-delivery:{key}"

    async def first_time(self, key: str) -> bool:
        """Claim ``key``; ``True`` for exactly one caller (per Redis, or per process without it)."""
        if self.redis_url:
            try:
                if self._redis is None:
                    import redis.asyncio

                    self._redis = redis.asyncio.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2)
                claimed = await self._redis.set(self.redis_key(key), "1", nx=True, ex=int(self.ttl))
                return bool(claimed)
            except Exception as exc:  # noqa: BLE001 - Redis down must not stop Slack: fall back to this process
                logger.warning(
                    "Slack de-duplication in Redis failed (%s: %s); using this process's memory",
                    type(exc).__name__,
                    exc,
                )
        return self.local.first_time(key)


def delivery_key(request: Request) -> str | None:
    """Identify the Slack message behind a request, the same for every retry of it.

    Args:
        request: A signed Slack Events API (JSON) or interactivity (form) request.

    Returns:
        ``msg:channel:ts`` of the message (``action:user:action_ts`` for a button click), the event id as
        a fallback, or ``None`` when the request carries none of them.
    """
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            body = parse_json(request.body or b"{}")
            event = body.get("event") or {}
            if event.get("channel") and event.get("ts"):
                return f"msg:{event['channel']}:{event['ts']}"
            return f"event:{body['event_id']}" if body.get("event_id") else None
        if content_type.startswith("application/x-www-form-urlencoded"):
            payload = json.loads(request.form["payload"][0])
            action = (payload.get("actions") or [{}])[0]
            user = (payload.get("user") or {}).get("id")
            if user and action.get("action_ts"):
                return f"action:{user}:{action['action_ts']}"
    except (KeyError, IndexError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        logger.debug(f"No delivery key in Slack request: {exc}")
    return None


class SlackBot(RasaSlackBot):
    """Output channel posting to a configurable Slack Web API URL, counting its posts."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = DEFAULT_SLACK_API_URL,
    ) -> None:
        """Like Rasa's ``SlackBot``, plus ``api_url``: the Web API base URL (trailing slash added)."""
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url.rstrip("/") + "/", proxy=proxy)
        self.sent = 0

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)
        self.sent += 1
        await super()._post_message(channel, **kwargs)


class SlackInput(RasaSlackInput):
    """Slack input channel; see the module docstring for what differs from Rasa's."""

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Build the channel from Rasa's Slack credentials plus ``slack_api_url``."""
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            credentials.get("slack_token") or "",
            slack_channel=credentials.get("slack_channel") or None,
            proxy=credentials.get("proxy"),
            slack_retry_reason_header=credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            slack_retry_number_header=credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            use_threads=bool(credentials.get("use_threads", False)),
            slack_signing_secret=credentials.get("slack_signing_secret") or "",
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            slack_api_url=credentials.get("slack_api_url") or DEFAULT_SLACK_API_URL,
        )

    def __init__(
        self,
        *args: Any,
        slack_api_url: str = DEFAULT_SLACK_API_URL,
        edge: Edge | None = None,
        ledger: DeliveryLedger | None = None,
        **kwargs: Any,
    ) -> None:
        """Rasa's ``SlackInput`` arguments plus ``slack_api_url`` (and, for tests, ``edge`` and ``ledger``)."""
        super().__init__(*args, **kwargs)
        self.slack_api_url = slack_api_url
        self.edge = edge or shared_edge()
        self.ledger = ledger or DeliveryLedger.from_env()
        # Repeats are recognised by the ledger, whatever their reason; the stock reason filter would also
        # drop the retry of a message whose first delivery never arrived.
        self.errors_ignore_retry = ()
        self._app: Any = None

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        """Reply channel for one message: the event's channel, in its thread when ``use_threads``."""
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.slack_api_url)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: Dict | None,
    ) -> Any:
        """Acknowledge at once; hand a verified user message to the edge once across all replicas."""
        retry_num = request.headers.get(self.retry_num_header or "x-slack-retry-num")
        key = delivery_key(request)
        if key is not None and not await self.ledger.first_time(key):
            reason = request.headers.get(self.retry_reason_header or "x-slack-retry-reason")
            logger.info(f"Ignoring repeated Slack delivery {key} (retry {retry_num}, reason {reason}).")
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if retry_num:
            logger.info(f"Slack retry #{retry_num} of a message not seen before: processing it.")
        self._app = request.app
        metadata = metadata or {}
        output = self.get_output_channel(
            metadata.get("out_channel"), metadata.get("thread_id") if self.use_threads else None
        )
        conversation_id = SLACK_PREFIX + (sender_id or "")
        # Slack wants an answer within 3 s and retries otherwise: the turn runs after the acknowledgement.
        task = asyncio.create_task(self._handle(on_new_message, text, conversation_id, metadata, output))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")

    async def _handle(
        self,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Any,
        conversation_id: str,
        metadata: Dict[str, Any],
        output: OutputChannel,
    ) -> None:
        assert isinstance(output, SlackBot)
        recipient = metadata.get("out_channel") or self.slack_channel or ""
        try:
            cleaned = check_text(text, self.edge.settings.max_chars)
            message = UserMessage(cleaned, output, conversation_id, input_channel=self.name(), metadata=metadata)

            async def apologise(apology: str) -> None:
                await output.send_text_message(recipient, apology)

            await self.edge.deliver(self.name(), on_new_message, message, lambda: output.sent, apologise, self._app)
        except Refused as exc:
            log_refusal(self.name(), conversation_id, exc)
            notice = NOTICES.get(exc.status)
            if notice:
                try:
                    await output.send_text_message(recipient, notice.format(max_chars=self.edge.settings.max_chars))
                except Exception:  # noqa: BLE001 - Slack unreachable: nothing more to do than log it
                    logger.exception("could not post a notice to Slack")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's Slack blueprint, answering Slack's URL verification as documented."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def url_verification(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if not request.headers.get("content-type", "").startswith("application/json"):
                return None
            try:
                body = parse_json(request.body or b"{}")
            except Refused:
                return None  # Rasa's handler checks the signature, then answers 400 to the body
            if not isinstance(body, dict) or body.get("type") != "url_verification":
                return None
            if not self.is_request_from_slack_authentic(request):
                return response.text("Invalid Slack signature.", status=HTTPStatus.BAD_REQUEST)
            return response.json({"challenge": body.get("challenge", "")})

        return blueprint
