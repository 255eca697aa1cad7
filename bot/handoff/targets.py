"""Where each party's callback requests go: ``seed/handoff_targets.yml`` plus the environment.

A target is usable when it has a URL (``https://``, or ``http://`` to a loopback address) and a
signing secret. ``HANDOFF_WEBHOOK_URL`` overrides every party's URL (pilot and tests) and is signed
with ``HANDOFF_WEBHOOK_SECRET``. A party without a usable target gets no callback offer: the
assistant gives its phone number, as it always did.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Set, Tuple
from urllib.parse import urlsplit

import yaml

from bot.config import SEED_DIR

logger = logging.getLogger(__name__)

OVERRIDE_URL_ENV = "HANDOFF_WEBHOOK_URL"
DEFAULT_SECRET_ENV = "HANDOFF_WEBHOOK_SECRET"
TARGETS_FILE_ENV = "HANDOFF_TARGETS_FILE"
DEFAULT_TARGETS_FILE = SEED_DIR / "handoff_targets.yml"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class TargetConfigError(ValueError):
    """The targets file is malformed."""


@dataclass(frozen=True)
class TargetSpec:
    """One party's entry in the targets file."""

    party_key: str
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None


@dataclass(frozen=True)
class Target:
    """A resolved destination for one party's tickets."""

    party_key: str
    url: str
    source: str  # where the URL came from: the file, an env variable name
    secret: bytes | None = field(default=None, repr=False)

    @property
    def usable(self) -> bool:
        return bool(self.secret) and url_problem(self.url) is None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot take tickets, or ``None`` when it can."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return "plain http is only allowed to localhost; use https"
    return None


def targets_file(env: Mapping[str, str] | None = None) -> Path:
    raw = (env if env is not None else os.environ).get(TARGETS_FILE_ENV, "").strip()
    return Path(raw) if raw else DEFAULT_TARGETS_FILE


_cache_lock = threading.Lock()
_cache: Dict[Tuple[str, float], Dict[str, TargetSpec]] = {}


def _parse(data: Any, path: Path) -> Dict[str, TargetSpec]:
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("targets"), dict):
        raise TargetConfigError(f"{path}: expected a mapping with version: 1 and targets: {{party key: ...}}")
    specs: Dict[str, TargetSpec] = {}
    for key, entry in data["targets"].items():
        entry = entry or {}
        if not isinstance(entry, dict) or set(entry) - {"url", "url_env", "secret_env"}:
            raise TargetConfigError(f"{path}: target {key!r} may only have url, url_env and secret_env")
        values = {name: entry.get(name) for name in ("url", "url_env", "secret_env")}
        if any(v is not None and not isinstance(v, str) for v in values.values()):
            raise TargetConfigError(f"{path}: target {key!r}: url, url_env and secret_env are strings or null")
        specs[str(key)] = TargetSpec(party_key=str(key), **values)
    return specs


def load_specs(path: Path | None = None) -> Dict[str, TargetSpec]:
    """The targets file, parsed; re-read when it changes. A missing file means no targets."""
    path = path or targets_file()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    key = (str(path), mtime)
    with _cache_lock:
        if key not in _cache:
            with path.open(encoding="utf-8") as fh:
                parsed = _parse(yaml.safe_load(fh), path)
            _cache.clear()
            _cache[key] = parsed
        return _cache[key]


def _secret(name: str | None, env: Mapping[str, str]) -> bytes | None:
    value = env.get(name, "").strip() if name else ""
    return value.encode("utf-8") if value else None


def target_for(party_key: str, env: Mapping[str, str] | None = None) -> Target | None:
    """The destination of ``party_key``'s tickets, or ``None`` when none is configured.

    The returned target may still be unusable (no secret, bad URL): check :attr:`Target.usable`.
    """
    env = env if env is not None else os.environ
    override = env.get(OVERRIDE_URL_ENV, "").strip()
    if override:
        return Target(party_key, override, OVERRIDE_URL_ENV, _secret(DEFAULT_SECRET_ENV, env))
    try:
        spec = load_specs(targets_file(env)).get(party_key)
    except (OSError, yaml.YAMLError, TargetConfigError) as exc:
        logger.error("hand-off targets unreadable: %s", exc)
        return None
    if spec is None:
        return None
    url, source = spec.url, "targets file"
    if spec.url_env and env.get(spec.url_env, "").strip():
        url, source = env[spec.url_env].strip(), spec.url_env
    if not url:
        return None
    secret = _secret(spec.secret_env, env) or _secret(DEFAULT_SECRET_ENV, env)
    return Target(party_key, url, source, secret)


def usable_target(party_key: str | None, env: Mapping[str, str] | None = None) -> Target | None:
    """The target of ``party_key`` if tickets can be sent there now; problems are logged."""
    if not party_key:
        return None
    target = target_for(party_key, env)
    if target is None:
        return None
    if not target.usable:
        problem = url_problem(target.url) or "no signing secret"
        if (party_key, problem) not in _warned:  # once per process, not on every turn
            _warned.add((party_key, problem))
            logger.warning("hand-off target of %s (%s) not used: %s", party_key, target.source, problem)
        return None
    return target


_warned: Set[Tuple[str, str]] = set()
