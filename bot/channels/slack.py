"""Rasa's Slack connector with a configurable Web API URL and retry-safe event handling.

Referenced in credentials as ``bot.channels.slack.SlackInput`` (webhook ``/webhooks/slack/webhook``).
Differences from Rasa 3.6's stock ``SlackInput``:

* ``slack_api_url`` (credential; default Slack's) is where replies are posted, so tests and
  proxies can stand in for ``https://slack.com/api/``; the stock ``SlackBot`` hard-codes it.
* A Slack retry never produces a second reply, whatever ``X-Slack-Retry-Reason`` says: the stock
  connector only drops retries whose reason is in ``errors_ignore_retry`` (``http_timeout``) and
  answers ``http_error`` / ``too_many_requests`` / ``unknown_error`` retries again. Here each
  message is processed once, keyed by channel and message ``ts``; that also collapses the
  ``message`` and ``app_mention`` events Slack sends for one mention. A retry of a message this
  process never saw (the first delivery was lost) is processed, so nothing is dropped either.
* The ``url_verification`` handshake answers ``{"challenge": ...}`` as Slack documents it (the
  stock connector answers a bare JSON string).
* Replies omit ``as_user``, which Slack only accepts from classic apps; a bot token posts as the
  bot anyway.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
# Slack retries a delivery up to three times within about five minutes; keep keys well past that.
DEDUP_TTL_SECONDS = 3600.0
DEDUP_MAX_KEYS = 10_000


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


def delivery_key(request: Request) -> str | None:
    """Identify the Slack message behind a request, the same for every retry of it.

    Args:
        request: A signed Slack Events API (JSON) or interactivity (form) request.

    Returns:
        ``channel:ts`` of the message (``user:action_ts`` for a button click), the event id as a
        fallback, or ``None`` when the request carries none of them.
    """
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            body = request.json or {}
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
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        logger.debug(f"No delivery key in Slack request: {exc}")
    return None


class SlackBot(RasaSlackBot):
    """Output channel posting to a configurable Slack Web API URL."""

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

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)
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

    def __init__(self, *args: Any, slack_api_url: str = DEFAULT_SLACK_API_URL, **kwargs: Any) -> None:
        """Rasa's ``SlackInput`` arguments plus ``slack_api_url``."""
        super().__init__(*args, **kwargs)
        self.slack_api_url = slack_api_url
        self.seen = SeenKeys()
        # Repeats are recognised by ``seen`` below, whatever their reason; the stock reason filter would
        # also drop the retry of a message whose first delivery never arrived.
        self.errors_ignore_retry = ()

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
        """Hand a verified user message to Rasa once; acknowledge repeats without a reply."""
        retry_num = request.headers.get(self.retry_num_header or "x-slack-retry-num")
        key = delivery_key(request)
        if key is not None and not self.seen.first_time(key):
            reason = request.headers.get(self.retry_reason_header or "x-slack-retry-reason")
            logger.info(f"Ignoring repeated Slack delivery {key} (retry {retry_num}, reason {reason}).")
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        if retry_num:
            logger.info(f"Slack retry #{retry_num} of a message not seen before: processing it.")
        return await super().process_message(request, on_new_message, text, sender_id, metadata)

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
                body = json.loads(request.body or b"{}")
            except ValueError:
                return None
            if not isinstance(body, dict) or body.get("type") != "url_verification":
                return None
            if not self.is_request_from_slack_authentic(request):
                return response.text("Invalid Slack signature.", status=HTTPStatus.BAD_REQUEST)
            return response.json({"challenge": body.get("challenge", "")})

        return blueprint
