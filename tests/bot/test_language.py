"""The conversation's language: clear English or Spanish decides, short or mixed messages do not."""

from __future__ import annotations

import pytest

from bot.language import Language, detect, requested_switch


@pytest.mark.parametrize(
    "text",
    [
        "se fue la luz en mi casa desde anoche",
        "¿quién me manda la factura?",
        "quien me manda la factura",
        "mi bill esta muy alto este mes",
        "como hago el opt out",
        "vivo en Santa Ana y no tengo luz",
    ],
)
def test_spanish_messages_are_spanish(text):
    assert detect(text) is Language.ES


@pytest.mark.parametrize(
    "text",
    [
        "my power is out since last night",
        "who supplies my electricity in El Monte",
        "when is my payment due",
        "why is my bill so high",
    ],
)
def test_english_messages_are_english(text):
    assert detect(text) is Language.EN


@pytest.mark.parametrize("text", ["ok", "Santa Monica", "hola", "I live in Los Angeles", "/billing", ""])
def test_short_or_place_only_messages_leave_the_language_alone(text):
    assert detect(text) is None


def test_place_names_are_masked_before_counting():
    text = "outage in La Habra de Las Palmas"
    assert detect(text, [(10, len(text))]) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [("English please", Language.EN), ("en español por favor", Language.ES), ("¿habla español?", Language.ES)],
)
def test_an_explicit_request_switches(text, language):
    assert requested_switch(text) is language
    assert detect(text) is language
