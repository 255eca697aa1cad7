"""The prepared validator of action-server replies checks what Rasa's own check does."""

from __future__ import annotations

from typing import Any, Dict

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu  # noqa: F401  (installs the patch, as loading the model does)
from bot import rasa_patches

VALID_REPLIES = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "city", "value": "Irvine"}], "responses": [{"text": "Call SCE."}]},
    {},
]
INVALID_REPLIES = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"responses": ["a text, not an object"]},
    ["not", "an", "object"],
]


def original_check(result: Any) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


def test_installed_when_the_nlu_package_is_imported() -> None:
    assert getattr(RemoteAction, rasa_patches._INSTALLED)
    rasa_patches.install()  # idempotent
    assert getattr(RemoteAction, rasa_patches._INSTALLED)


@pytest.mark.parametrize("reply", VALID_REPLIES)
def test_a_valid_reply_passes_both_checks(reply: Dict[str, Any]) -> None:
    original_check(reply)
    assert RemoteAction("action_route_inquiry", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", INVALID_REPLIES)
def test_an_invalid_reply_fails_both_checks_with_rasas_hint(reply: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        original_check(reply)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_route_inquiry", None)._validate_action_result(reply)
