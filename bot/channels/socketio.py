"""Rasa's socket.io channel, fixed for python-socketio 5.10+ and restricted to the web page's origins.

What this subclass changes in Rasa 3.6's ``SocketIOInput`` and why:

* **Session persistence works again.** Rasa calls ``sio.enter_room(...)`` without ``await``; since
  python-socketio 5.10 that is a coroutine, so the socket never joins its session's room and every
  bot reply (emitted to the room) is lost. The ``session_request`` handler here awaits it.
* **Origins are checked.** Rasa builds its server with ``cors_allowed_origins=[]`` so that
  Sanic-CORS, not python-engineio, writes the CORS headers (both would duplicate them). As a side
  effect engine.io checks no ``Origin`` at all: ``--cors`` limits what a browser may *read* from
  polling responses, but any web site could open a WebSocket to the assistant. A connection whose
  ``Origin`` is not one of ``cors_allowed_origins`` (credentials) is refused here. Clients that send
  no ``Origin`` (not browsers) are accepted as before; they could forge it anyway.
* **A socket only writes to its own conversation.** Rasa takes the conversation id from every
  message's ``session_id`` field, so a client could post into any conversation whose id it names.
  Here a socket's messages go to the session confirmed for it by ``session_request``, and a
  client-chosen session id is only honoured if it looks like the ids the server hands out.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)

# Session ids the server hands out: uuid4().hex. Anything else from a client gets a fresh id.
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


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


class SocketIOInput(RasaSocketIOInput):
    """socket.io input channel (``bot.channels.socketio.SocketIOInput`` in credentials).

    Extra credential: ``cors_allowed_origins``, a list (or comma-separated string) of page origins
    such as ``http://localhost:8080``; unset or ``"*"`` allows any origin, as Rasa does.
    """

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Build the channel from its credentials section (see the class docstring)."""
        credentials = dict(credentials or {})
        origins = parse_origins(credentials.pop("cors_allowed_origins", None))
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SocketIOInput)
        channel.allowed_origins = origins
        return channel

    def __init__(self, *args: Any, allowed_origins: List[str] | None = None, **kwargs: Any) -> None:
        """Same arguments as Rasa's channel, plus ``allowed_origins`` (``None``: any origin)."""
        super().__init__(*args, **kwargs)
        self.allowed_origins = allowed_origins
        self._sessions: Dict[str, str] = {}  # socket id -> confirmed session (conversation) id

    def origin_allowed(self, origin: str | None) -> bool:
        """Whether a connection with this ``Origin`` header may talk to the assistant."""
        if self.allowed_origins is None or not origin:
            return True
        return origin.rstrip("/") in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with the handlers described in the module docstring."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers.get(namespace, {}).get("connect")

        async def connect(sid: str, environ: Dict, auth: Dict | None = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning(f"Refused a socket.io connection from origin {origin!r}.")
                return False
            return True if rasa_connect is None else bool(await rasa_connect(sid, environ, auth))

        async def disconnect(sid: str, *_reason: Any) -> None:  # newer python-socketio passes a reason
            self._sessions.pop(sid, None)

        async def session_request(sid: str, data: Dict | None = None) -> None:
            requested = (data or {}).get("session_id")
            session_id = requested if isinstance(requested, str) and SESSION_ID.match(requested) else uuid.uuid4().hex
            self._sessions[sid] = session_id
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=namespace)
                if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.10
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Dict) -> None:
            if self.session_persistence:
                sender_id = self._sessions.get(sid)
                if sender_id is None or data.get("session_id") != sender_id:
                    logger.warning(f"Dropped a message from socket {sid} outside its confirmed session.")
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key, {})
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            output = SocketIOOutput(sio, self.bot_message_evt)
            await on_new_message(
                UserMessage(data.get("message", ""), output, sender_id, input_channel=self.name(), metadata=metadata)
            )

        sio.on("connect", connect, namespace=namespace)
        sio.on("disconnect", disconnect, namespace=namespace)
        sio.on("session_request", session_request, namespace=namespace)
        sio.on(self.user_message_evt, handle_message, namespace=namespace)
        return blueprint
