"""Widget session tokens: the server issues them, only their holder may rejoin the conversation.

A widget conversation is identified by a token the server hands out in ``session_confirm``:
``<random>.<signature>``, where ``random`` is 128 random bits (32 hex digits) and ``signature`` the
HMAC-SHA256 of it under a server secret (base64url, 43 characters). rasa-webchat keeps that string in
``localStorage`` and sends it back in ``session_request`` after a reload and with every message, so
persistence works unchanged; a client-chosen id, someone else's conversation id or a forged token is
never honoured (the client gets a fresh token instead).

The conversation id Rasa stores is ``web:<random>`` — never the token itself — so neither the tracker
store, the inquiry log nor the logs hold what it takes to rejoin a conversation.

The secret comes from ``BOT_SESSION_SECRET``; if that is unset, one is generated once into
``$BOT_VAR_DIR/session_secret`` (mode 0600) and reused. Every Rasa replica must use the same secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Mapping, Tuple

from bot.channels.edge import WEB_PREFIX
from bot.config import VAR_DIR

logger = logging.getLogger(__name__)

SECRET_ENV = "BOT_SESSION_SECRET"
SECRET_FILE = "session_secret"
MIN_SECRET_CHARS = 16
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


def read_or_create_secret(path: Path) -> str:
    """The secret in ``path``; created (mode 0600, directory 0700) with 256 random bits if missing.

    Safe against several processes starting at once: the file is created exclusively, a loser reads
    the winner's secret.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the creator may not have written it yet
            value = path.read_text(encoding="utf-8").strip()
            if value:
                return value
            time.sleep(0.1)
        raise RuntimeError(f"{path} is empty") from None
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def session_secret(env: Mapping[str, str] | None = None, var_dir: Path | None = None) -> str:
    """``BOT_SESSION_SECRET``, or the generated one under ``var_dir``."""
    env = os.environ if env is None else env
    value = env.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise ValueError(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters")
        return value
    return read_or_create_secret(Path(var_dir or env.get("BOT_VAR_DIR") or VAR_DIR) / SECRET_FILE)


class SessionTokens:
    """Issue and verify widget session tokens under one secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"sce-assistant widget session\0" + secret.encode("utf-8")).digest()

    def _signature(self, random_part: str) -> str:
        digest = hmac.new(self._key, random_part.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def issue(self) -> Tuple[str, str]:
        """A new ``(token, conversation_id)``."""
        random_part = secrets.token_hex(16)
        return f"{random_part}.{self._signature(random_part)}", WEB_PREFIX + random_part

    def conversation_of(self, token: object) -> str | None:
        """The conversation id a genuine token stands for, or ``None`` for anything else."""
        if not isinstance(token, str):
            return None
        match = _TOKEN.match(token)
        if match is None:
            return None
        random_part, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(random_part)):
            return None
        return WEB_PREFIX + random_part
