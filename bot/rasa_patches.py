"""One measured fix to Rasa 3.6 itself, applied in every Rasa process that loads this assistant's model.

**Action results validated with a prepared validator.** After every custom action (and every form
validation) Rasa checks the action server's reply with ``jsonschema.validate(result, spec)``, which first
validates ``spec`` against JSON Schema's meta-schema — every time. With jsonschema 4.17 (the newest Rasa
3.6 allows) that check was 60-100 ms of CPU per action call on this machine, two thirds of a routed turn
(``python -m bench.stages`` shows it under ``action_call``). The spec is a constant, so it is checked
once here and the reply is validated against it by a prepared validator: the same checks, the same
``ValidationError`` (with Rasa's own hint appended) for a reply that does not match.

:func:`install` is idempotent; :mod:`bot.nlu` calls it, because Rasa imports that package whenever it
loads the model (``rasa run``, ``rasa shell``, ``rasa test``, ``rasa interactive``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict

_INSTALLED = "_bot_prepared_validator"


def prepared_result_check(spec: Dict[str, Any], hint: str) -> Callable[[Any, Dict[str, Any]], bool]:
    """A drop-in for ``RemoteAction._validate_action_result`` that checks ``spec`` only once.

    Args:
        spec: The JSON schema of an action server reply.
        hint: Appended to a validation error's message, as Rasa does.

    Returns:
        ``check(self, result) -> True``, raising ``jsonschema.ValidationError`` like the original.
    """
    from jsonschema import validators
    from jsonschema.exceptions import best_match

    validator_class = validators.validator_for(spec)
    validator_class.check_schema(spec)  # once, instead of on every reply
    validator = validator_class(spec)

    def check(_action: Any, result: Dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))  # what jsonschema.validate raises
        if error is not None:
            error.message += hint
            raise error
        return True

    return check


def install() -> None:
    """Patch :class:`rasa.core.actions.action.RemoteAction` (once per process)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    if getattr(RemoteAction, _INSTALLED, False):
        return
    hint = (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    RemoteAction._validate_action_result = prepared_result_check(  # type: ignore[method-assign]
        RemoteAction.action_response_format_spec(), hint
    )
    setattr(RemoteAction, _INSTALLED, True)
