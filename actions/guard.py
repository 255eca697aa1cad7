"""Run blocking role-table work off the event loop, within a time bound."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Callable, TypeVar

from bot import config

logger = logging.getLogger(__name__)
T = TypeVar("T")


class BackendUnavailable(RuntimeError):
    """The role table did not answer in time or at all."""


async def call_bounded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a worker thread; give up after ``BOT_DB_TIMEOUT`` (+1 s for the thread hop)."""
    from bot.repository import RoleTableUnavailable

    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(
            loop.run_in_executor(None, functools.partial(fn, *args, **kwargs)), timeout=config.db_timeout_seconds() + 1
        )
    except asyncio.TimeoutError as exc:
        logger.error("role table timed out in %s", getattr(fn, "__name__", fn))
        raise BackendUnavailable("timeout") from exc
    except RoleTableUnavailable as exc:
        logger.error("role table unavailable: %s", exc)
        raise BackendUnavailable(str(exc)) from exc
