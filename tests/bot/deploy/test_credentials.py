"""Effective credentials from the environment, and the small pieces the channels are built from."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.utils.io import read_config_file

from bot.channels.socketio import SocketIOInput, parse_origins
from bot.deploy.credentials import SLACK_CHANNEL, write_credentials

SOCKETIO = "bot.channels.socketio.SocketIOInput"


def test_without_slack_variables_there_is_no_slack_channel(tmp_path: Path) -> None:
    out = tmp_path / "credentials.yml"
    assert write_credentials(out, {}) == []
    credentials = read_config_file(out)
    assert set(credentials) == {"bot.channels.rest.GuardedRestInput", SOCKETIO}
    assert credentials[SOCKETIO]["session_persistence"] is True
    assert "cors_allowed_origins" not in credentials[SOCKETIO]


def test_slack_is_configured_from_the_environment_without_writing_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-secret",
        "SLACK_SIGNING_SECRET": "shh",
        "SLACK_CHANNEL": "C123",
        "WEB_ORIGINS": "http://localhost:8080, http://127.0.0.1:8080/",
    }
    out = tmp_path / "credentials.yml"
    assert write_credentials(out, env) == []
    assert "xoxb-secret" not in out.read_text() and "shh" not in out.read_text()

    for name, value in env.items():  # Rasa expands the ${VAR} references from its environment
        monkeypatch.setenv(name, value)
    credentials = read_config_file(out)
    assert credentials[SLACK_CHANNEL] == {
        "slack_token": "xoxb-secret",
        "slack_signing_secret": "shh",
        "use_threads": True,
        "conversation_granularity": "thread",
        "slack_channel": "C123",
    }
    assert credentials[SOCKETIO]["cors_allowed_origins"] == ["http://localhost:8080", "http://127.0.0.1:8080"]


def test_half_a_slack_configuration_is_reported_not_used(tmp_path: Path) -> None:
    out = tmp_path / "credentials.yml"
    assert write_credentials(out, {"SLACK_BOT_TOKEN": "xoxb-x"}) == ["Slack disabled: SLACK_SIGNING_SECRET not set"]
    assert SLACK_CHANNEL not in read_config_file(out)


def test_origins() -> None:
    assert parse_origins(None) is None and parse_origins("*") is None and parse_origins("") is None
    assert parse_origins(["http://a:1/", " http://b:2"]) == ["http://a:1", "http://b:2"]
    channel = SocketIOInput.from_credentials({"session_persistence": True, "cors_allowed_origins": "http://a:1"})
    assert isinstance(channel, SocketIOInput)
    assert channel.origin_allowed("http://a:1") and channel.origin_allowed(None)
    assert not channel.origin_allowed("http://evil.example")
