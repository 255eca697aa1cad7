"""Serve this project's input channels in the test process, on a stand-in for Rasa's agent.

Rasa's own channel tests (tests/core/channels) build a Sanic app, register the channel the way
``rasa run`` does (``rasa.core.channels.channel.register``) and talk to it with Sanic's test client.
sanic-testing is not installed here, so :func:`serving` starts the same app on a free loopback port in
the running event loop instead; requests go through Sanic's real HTTP and WebSocket stack in
milliseconds, without a model.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, AsyncIterator, Awaitable, Callable, List

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

from tooling.servers import free_port

APOLOGY = "Sorry, I can't look that up right now. (test domain)"
# What sanic-testing sets: Sanic's start-up "touch-up" rewrites methods of its classes once per process;
# in test mode it starts from the originals each time, so several apps can start in one process.
Sanic.test_mode = True


@dataclass
class FakeAgent:
    """Stands in for ``rasa.core.agent.Agent``: records messages, answers with ``reply``.

    ``behaviour`` decides what a turn does: ``"echo"`` answers ``you said: <text>``, ``"silent"`` says
    nothing, ``"action_fails"`` says nothing and logs a failed custom action as Rasa's processor does,
    ``"reply_then_action_fails"`` answers and then logs that, ``"fail"`` raises, ``"hang"`` never finishes.
    """

    behaviour: str = "echo"
    received: List[UserMessage] = field(default_factory=list)
    domain: Any = field(
        default_factory=lambda: SimpleNamespace(responses={"utter_service_trouble": [{"text": APOLOGY}]})
    )
    on_message: Callable[[UserMessage], Awaitable[None]] | None = None

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.on_message is not None:
            await self.on_message(message)
        if self.behaviour == "hang":
            await asyncio.sleep(3600)
        if self.behaviour == "fail":
            raise RuntimeError("boom")
        if self.behaviour in ("echo", "reply_then_action_fails"):
            await message.output_channel.send_text_message(message.sender_id, f"you said: {message.text}")
        if self.behaviour in ("action_fails", "reply_then_action_fails"):
            # What Rasa's processor does when a custom action raises: log it and carry on without its events.
            try:
                raise ConnectionError("action server unreachable")
            except ConnectionError:
                logging.getLogger("rasa.core.processor").exception(
                    "Encountered an exception while running action 'action_route_inquiry'.Bot will continue, "
                    "but the actions events are lost."
                )


@asynccontextmanager
async def serve_app(app: Sanic) -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port in the running event loop; yield its base URL."""
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        for connection in list(server.connections):  # open WebSockets too, not only the listener
            connection.close()
        await asyncio.sleep(0.05)
        closing = server.close()
        if closing is not None:
            await closing
        await server.after_stop()


@asynccontextmanager
async def serving(channels: List[InputChannel], agent: FakeAgent) -> AsyncIterator[str]:
    """Run a Sanic app with ``channels`` under ``/webhooks/`` (as ``rasa run`` registers them); yield its URL."""
    app = Sanic(f"channels_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.ctx.agent = agent
    register(channels, app, route="/webhooks/")
    async with serve_app(app) as url:
        yield url
