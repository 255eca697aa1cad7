"""Write the effective Rasa credentials file for this run from ``credentials.yml`` and the environment.

Rasa expands ``${VAR}`` in credentials but fails on unset variables, so a Slack section cannot
sit in ``credentials.yml`` for everyone. This module copies the base file and

* adds ``cors_allowed_origins`` (from ``WEB_ORIGINS``, comma-separated) to the socket.io channel;
* adds ``bot.channels.slack.SlackInput`` only when ``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET``
  are both set, referring to them as ``${VAR}`` so no secret is written to disk (Rasa reads them
  from its environment at start-up). ``SLACK_CHANNEL`` and ``SLACK_API_URL`` are optional.

Usage: ``python -m bot.deploy.credentials --out var/credentials.yml``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from bot.channels.socketio import parse_origins
from bot.config import PROJECT_ROOT

SOCKETIO_KEYS = ("socketio", "bot.channels.socketio.SocketIOInput")
SLACK_CHANNEL = "bot.channels.slack.SlackInput"
SLACK_REQUIRED = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def slack_section(env: Mapping[str, str]) -> Tuple[Dict[str, Any] | None, str | None]:
    """The Slack credentials for ``env``, or ``None`` and the reason it is off.

    Returns:
        ``(section, None)`` when Slack is configured, ``(None, reason)`` otherwise; the reason is a
        warning only when the configuration is partial.
    """
    present = [name for name in SLACK_REQUIRED if env.get(name, "").strip()]
    if len(present) < len(SLACK_REQUIRED):
        missing = sorted(set(SLACK_REQUIRED) - set(present))
        return None, (f"Slack disabled: {', '.join(missing)} not set" if present else None)
    section: Dict[str, Any] = {
        "slack_token": "${SLACK_BOT_TOKEN}",
        "slack_signing_secret": "${SLACK_SIGNING_SECRET}",
        # Answer in the thread of the message, one conversation per user and thread.
        "use_threads": True,
        "conversation_granularity": "thread",
    }
    for key, name in (("slack_channel", "SLACK_CHANNEL"), ("slack_api_url", "SLACK_API_URL")):
        if env.get(name, "").strip():
            section[key] = "${" + name + "}"
    return section, None


def effective_credentials(base: Dict[str, Any], env: Mapping[str, str]) -> Tuple[Dict[str, Any], List[str]]:
    """Combine the base credentials with the environment.

    Args:
        base: The parsed ``credentials.yml`` (values are not env-expanded).
        env: The environment Rasa will run with.

    Returns:
        The credentials to write and human-readable warnings.
    """
    credentials = {name: (dict(section) if isinstance(section, dict) else section) for name, section in base.items()}
    warnings: List[str] = []
    origins = parse_origins(env.get("WEB_ORIGINS"))
    for key in SOCKETIO_KEYS:
        if key in credentials and origins is not None:
            credentials[key] = {**(credentials[key] or {}), "cors_allowed_origins": origins}
    slack, reason = slack_section(env)
    if slack is not None:
        credentials[SLACK_CHANNEL] = slack
    elif reason:
        warnings.append(reason)
    return credentials, warnings


def write_credentials(out: Path, env: Mapping[str, str], base: Path = PROJECT_ROOT / "credentials.yml") -> List[str]:
    """Write the effective credentials to ``out``; return warnings (e.g. a half-configured Slack)."""
    loaded = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    credentials, warnings = effective_credentials(loaded, env)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Generated from {base.name} by `python -m bot.deploy.credentials`; edit that file instead.\n"
    # Plain (unquoted) scalars: Rasa only expands ${VAR} in those.
    out.write_text(header + yaml.safe_dump(credentials, sort_keys=False, default_flow_style=False), encoding="utf-8")
    return warnings


def main(argv: List[str] | None = None) -> int:
    """Command line entry point."""
    import os

    parser = argparse.ArgumentParser(prog="python -m bot.deploy.credentials", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "var" / "credentials.yml")
    parser.add_argument("--base", type=Path, default=PROJECT_ROOT / "credentials.yml")
    args = parser.parse_args(argv)
    for warning in write_credentials(args.out, os.environ, args.base):
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
