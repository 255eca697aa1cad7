"""The socket.io channel (the chat widget) on the shared edge, with server-issued session tokens.

Referenced in credentials as ``bot.channels.socketio.SocketIOInput``; the protocol is Rasa's (and
rasa-webchat's): ``session_request`` → ``session_confirm``, ``user_uttered`` → ``bot_uttered``. What differs
from Rasa 3.6's ``SocketIOInput`` and why:

* **Identity is issued, not chosen.** ``session_confirm`` carries a token ``<random>.<signature>``
  (:mod:`bot.channels.identity`) that the widget stores and sends back in ``session_request`` after a
  reload; only a genuine token rejoins its conversation (its room receives the replies). Anything else —
  a client-chosen id, another customer's conversation id, an all-zero id — gets a fresh token. Messages
  are accepted only with the token confirmed for that connection. The conversation id Rasa stores is
  ``web:<random>``, which the REST channel refuses as a sender.
* **Input rules, back-pressure and the reply guarantee of the edge** (:mod:`bot.channels.edge`): the
  same type checks, cleanup, length and metadata caps, in-flight limit per conversation and turn bound
  as REST, plus a per-connection rate limit (``BOT_SOCKET_BURST`` messages at once, refilled at
  ``BOT_SOCKET_PER_MINUTE``). A refused message is answered with an ``error_evt`` event (default
  ``message_refused``) to that connection only — ``{"error": <reason>, "status": <HTTP-like code>}`` —
  and nothing is stored. A turn that fails, times out or says nothing gets ``utter_service_trouble`` as
  a ``bot_uttered`` message. Packets over ``SANIC_REQUEST_MAX_SIZE`` (engine.io's ``maxPayload``) close
  the connection.
* **Replies arrive.** Rasa calls python-socketio's ``enter_room`` without ``await`` (a coroutine since
  python-socketio 5.10), so the socket never joined its room and every reply was lost; here it is awaited.
* **Only the page's origins may connect.** Rasa disables engine.io's origin check (so that Sanic-CORS
  alone writes CORS headers); a connection whose ``Origin`` is not in ``cors_allowed_origins`` is refused.
  Clients that send no ``Origin`` (not browsers) are accepted; they could forge it anyway.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Union

import rasa.core.channels.channel
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.edge import Edge, Refused, TokenBucket, check_metadata, check_text, log_refusal, shared_edge
from bot.channels.identity import SessionTokens, session_secret
from bot.config import env_number

logger = logging.getLogger(__name__)

DEFAULT_ERROR_EVT = "message_refused"


def parse_origins(value: Union[None, str, List[str]]) -> List[str] | None:
    """Normalise an origins setting; ``None`` means "any origin".

    Args:
        value: ``None``, ``"*"``, a comma-separated string or a list of origins.

    Returns:
        The allowed origins without trailing slashes, or ``None`` when every origin is allowed.
    """
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    origins = [item.strip().rstrip("/") for item in items if item and item.strip()]
    if not origins or "*" in origins:
        return None
    return origins


class CountingSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, counting what it sends (the edge needs to know if a turn was silent)."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        self.sent += 1
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class EdgeAsyncServer(AsyncServer):
    """python-socketio's server, answering an undecodable packet (say JSON nested 100 000 deep) with the
    edge's refusal instead of a logged traceback; the connection stays open."""

    on_malformed: Callable[[str], Awaitable[None]] | None = None
    edge_namespace: str = "/"

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, RecursionError):
            sid = self.manager.sid_from_eio_sid(eio_sid, self.edge_namespace)
            if self.on_malformed is not None and sid is not None:
                await self.on_malformed(sid)


@dataclass
class Connection:
    """What the server knows about one socket."""

    bucket: TokenBucket
    token: str | None = None
    conversation_id: str | None = None
    rooms: List[str] = field(default_factory=list)


class SocketIOInput(RasaSocketIOInput):
    """socket.io input channel (``bot.channels.socketio.SocketIOInput`` in credentials).

    Extra credentials: ``cors_allowed_origins``, a list (or comma-separated string) of page origins such
    as ``http://localhost:8080`` (unset or ``"*"`` allows any origin, as Rasa does), and ``error_evt``,
    the event a refused message is answered with (default ``message_refused``). Sessions are always
    server-issued; ``session_persistence`` only decides nothing any more (a reload keeps the conversation
    whenever the widget sends its token back).
    """

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Build the channel from its credentials section (see the class docstring)."""
        credentials = dict(credentials or {})
        origins = parse_origins(credentials.pop("cors_allowed_origins", None))
        error_evt = str(credentials.pop("error_evt", None) or DEFAULT_ERROR_EVT)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SocketIOInput)
        channel.allowed_origins = origins
        channel.error_evt = error_evt
        return channel

    def __init__(
        self,
        *args: Any,
        allowed_origins: List[str] | None = None,
        error_evt: str = DEFAULT_ERROR_EVT,
        edge: Edge | None = None,
        tokens: SessionTokens | None = None,
        **kwargs: Any,
    ) -> None:
        """Same arguments as Rasa's channel, plus ``allowed_origins`` (``None``: any origin), ``error_evt``,
        and for tests the ``edge`` and ``tokens`` to use (default: the process's edge, the configured secret)."""
        super().__init__(*args, **kwargs)
        self.allowed_origins = allowed_origins
        self.error_evt = error_evt
        self.edge = edge or shared_edge()
        self.tokens = tokens
        self._connections: Dict[str, Connection] = {}
        self._app: Any = None

    def origin_allowed(self, origin: str | None) -> bool:
        """Whether a connection with this ``Origin`` header may talk to the assistant."""
        if self.allowed_origins is None or not origin:
            return True
        return origin.rstrip("/") in self.allowed_origins

    def _jwt_ok(self, auth: Dict | None) -> bool:
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            return False
        return bool(rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The socket.io server and its handlers (see the module docstring)."""
        if self.tokens is None:
            self.tokens = SessionTokens(session_secret())
        tokens = self.tokens
        max_packet = int(env_number("SANIC_REQUEST_MAX_SIZE", 1_000_000, 1024))
        # cors_allowed_origins=[]: Sanic-CORS writes the CORS headers (both would duplicate them); origins
        # are checked in ``connect`` below instead.
        sio = EdgeAsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=max_packet)
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace or "/"
        channel = self.name()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        async def refuse(sid: str, conversation_id: str | None, refused: Refused) -> None:
            log_refusal(channel, conversation_id, refused)
            await sio.emit(
                self.error_evt, {"error": str(refused), "status": refused.status}, room=sid, namespace=namespace
            )

        async def malformed(sid: str) -> None:
            connection = self._connections.get(sid)
            await refuse(
                sid,
                connection.conversation_id if connection else None,
                Refused(400, "the packet is not JSON this server can read"),
            )

        sio.on_malformed, sio.edge_namespace = malformed, namespace

        async def connect(sid: str, environ: Dict, auth: Dict | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("Refused a socket.io connection from origin %r.", str(origin)[:100])
                return False
            if not self._jwt_ok(auth):
                return False
            request = environ.get("sanic.request")
            if self._app is None and request is not None:
                self._app = request.app
            self._connections[sid] = Connection(bucket=self.edge.socket_bucket())
            return True

        async def disconnect(sid: str, *_reason: Any) -> None:  # newer python-socketio passes a reason
            self._connections.pop(sid, None)

        async def session_request(sid: str, data: Any = None) -> None:
            connection = self._connections.get(sid)
            if connection is None:
                return
            if not connection.bucket.take():
                await refuse(sid, connection.conversation_id, Refused(429, "too many requests on this connection"))
                return
            presented = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = tokens.conversation_of(presented)
            token = presented
            if conversation_id is None:
                if presented is not None:
                    logger.info(
                        "socket.io session_request with a session id this server did not issue: "
                        "a new session was issued instead."
                    )
                token, conversation_id = tokens.issue()
            for room in connection.rooms:
                await sio.leave_room(sid, room, namespace=namespace)
            joined = sio.enter_room(sid, conversation_id, namespace=namespace)
            if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.10
                await joined
            connection.token, connection.conversation_id, connection.rooms = token, conversation_id, [conversation_id]
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Any = None) -> None:
            connection = self._connections.get(sid)
            if connection is None:
                return
            conversation_id = connection.conversation_id
            try:
                if not connection.bucket.take():
                    raise Refused(429, "too many messages on this connection")
                if not isinstance(data, dict):
                    raise Refused(400, "a message must be a JSON object with 'message' and 'session_id'")
                if conversation_id is None:
                    raise Refused(403, "no session: send session_request first")
                if data.get("session_id") != connection.token:
                    raise Refused(403, "the message's session_id is not this connection's session")
                text = check_text(data.get("message"), self.edge.settings.max_chars)
                metadata = check_metadata(
                    data.get(self.metadata_key or "metadata"), self.edge.settings.max_metadata_bytes
                )
                output = CountingSocketIOOutput(sio, self.bot_message_evt)
                message = UserMessage(text, output, conversation_id, input_channel=channel, metadata=metadata)

                async def apologise(apology: str) -> None:
                    await sio.emit(self.bot_message_evt, {"text": apology}, room=conversation_id, namespace=namespace)

                await self.edge.deliver(channel, on_new_message, message, lambda: output.sent, apologise, self._app)
            except Refused as exc:
                await refuse(sid, conversation_id, exc)

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        return blueprint
