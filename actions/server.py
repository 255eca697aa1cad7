"""The hardened action server: ``python -m actions.server`` (what ``make run`` and the tests start).

rasa-sdk's server (``rasa run actions``) listens on 0.0.0.0 without authentication, answers CORS
preflights from any origin and runs ``text/plain`` bodies (so any web page can post to it), and its 500
bodies echo the request. This one runs the same actions (rasa-sdk's executor, same ``/webhook``,
``/health`` and ``/actions`` routes, same responses to Rasa) and:

* binds ``ACTION_SERVER_HOST`` (default ``127.0.0.1``; ``--host`` overrides), port ``--port`` (default
  ``ACTION_PORT`` or 5055);
* when ``ACTION_SERVER_SECRET`` is set, requires ``Authorization: Bearer <secret>`` on ``/webhook`` and
  ``/actions`` (401 otherwise). Rasa sends it: ``bot.deploy.endpoints`` adds the header to
  ``action_endpoint`` when the variable is set, and ``scripts/run.sh`` always sets it (generating
  ``var/action_server_secret``, mode 0600, if needed);
* accepts only ``application/json`` bodies (415 otherwise; ``Content-Encoding: deflate`` as Rasa's
  ``COMPRESS_ACTION_SERVER_REQUEST`` sends it, decompressed within the request size limit), no CORS;
* answers errors with a short fixed text, never the request, and logs no request body.

Plain ``rasa run actions`` keeps working for development (no secret is needed while
``ACTION_SERVER_SECRET`` is unset on the Rasa side).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
import traceback
import zlib
from typing import Any, Dict

from rasa_sdk import utils as sdk_utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.edge import Refused, parse_json
from bot.config import env_number

logger = logging.getLogger("actions.server")

SECRET_ENV = "ACTION_SERVER_SECRET"
HOST_ENV = "ACTION_SERVER_HOST"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
MAX_BODY_BYTES = 1_000_000  # Sanic's REQUEST_MAX_SIZE when SANIC_REQUEST_MAX_SIZE is unset here


def _error(status: int, message: str, **extra: Any) -> HTTPResponse:
    return response.json({"error": message, **extra}, status=status)


def authorized(request: Request, secret: str | None) -> bool:
    """Whether the request carries ``Authorization: Bearer <secret>`` (always true without a secret)."""
    if not secret:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode("utf-8"), secret.encode("utf-8"))


def is_json(request: Request) -> bool:
    """Whether the body is declared as JSON (``application/json``, parameters such as charset allowed)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


def read_action_call(request: Request, max_bytes: int) -> Dict[str, Any]:
    """The action call in the body, or :class:`Refused`.

    Raises:
        Refused: 400 for a body that is not a JSON object naming the action and carrying a tracker, 413 for
            a deflated body that inflates beyond ``max_bytes``.
    """
    body = request.body or b""
    if request.headers.get("content-encoding", "").lower() == "deflate":
        inflater = zlib.decompressobj()
        try:
            body = inflater.decompress(body, max_bytes + 1)
        except zlib.error as exc:
            raise Refused(400, "the body is not valid deflate data") from exc
        if len(body) > max_bytes or inflater.unconsumed_tail:
            raise Refused(413, "the inflated body is too large")
    call = parse_json(body)
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        raise Refused(400, "the body must be an action call with 'next_action'")
    if not isinstance(call.get("tracker"), dict) or not isinstance(call.get("domain", {}), dict):
        raise Refused(400, "the action call needs a 'tracker' object")
    return call


def create_app(actions_package: str = "actions", secret: str | None = None) -> Sanic:
    """The action server's Sanic app.

    Args:
        actions_package: Package whose actions are registered.
        secret: Shared secret Rasa must present; ``None`` or empty: no authentication (development).
    """
    app = Sanic("sce_action_server", configure_logging=False)
    executor = ActionExecutor()
    executor.register_package(actions_package)
    max_bytes = int(env_number("SANIC_REQUEST_MAX_SIZE", MAX_BODY_BYTES, 1024))

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if not authorized(request, secret):
            logger.warning("refused an action call without the shared secret from %s", request.ip)
            return _error(401, "unauthorized")
        if not is_json(request):
            return _error(415, "the body must be application/json")
        try:
            call = read_action_call(request, max_bytes)
        except Refused as exc:
            return _error(exc.status, str(exc))
        sdk_utils.check_version_compatibility(call.get("version"))
        try:
            result = await executor.run(call)
        except ActionExecutionRejection as exc:
            logger.debug(exc)
            # Rasa reads "action_name" from a 400 to report the rejection; it is one of our action names.
            return _error(400, "the action rejected the call", action_name=exc.action_name)
        except ActionNotFoundException:
            logger.error("action call for an unknown action")
            return _error(404, "unknown action")
        return response.json(result)

    @app.get("/actions")
    async def actions(request: Request) -> HTTPResponse:
        if not authorized(request, secret):
            return _error(401, "unauthorized")
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(SanicException)
    async def http_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = int(getattr(exc, "status_code", 500) or 500)
        return _error(status, "request refused" if status < 500 else "internal error")

    @app.exception(Exception)
    async def internal_error(request: Request, exc: Exception) -> HTTPResponse:
        # The request (tracker, slots, the customer's words) is neither echoed nor logged; an exception's
        # message may quote it, so only its type and where it was raised are.
        where = "".join(traceback.format_tb(exc.__traceback__, limit=-8))
        logger.error("action server error on %s: %s\n%s", request.path[:80], type(exc).__name__, where)
        return _error(500, "internal error")

    return app


def main(argv: list | None = None) -> int:
    """Command line: ``python -m actions.server [--host H] [--port P] [--actions PACKAGE]``."""
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get(HOST_ENV, "").strip() or DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=int(env_number("ACTION_PORT", DEFAULT_PORT, 1)))
    parser.add_argument("--actions", default="actions")
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)-7s %(name)s - %(message)s")
    secret = os.environ.get(SECRET_ENV, "").strip() or None
    if secret is None:
        logger.warning(
            "%s is not set: the action server accepts calls from anyone who can reach %s:%d",
            SECRET_ENV,
            args.host,
            args.port,
        )
    app = create_app(args.actions, secret)
    logger.info(
        "Action server listening on http://%s:%d (shared secret %s)",
        args.host,
        args.port,
        "required" if secret else "off",
    )
    app.run(args.host, args.port, workers=sdk_utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
