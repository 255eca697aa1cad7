"""Message catalogues: every key in both languages, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import catalogue, t
from bot.language import Language
from bot.topics import Topic


def _fields(text: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys():
    assert set(catalogue(Language.EN)) == set(catalogue(Language.ES))


@pytest.mark.parametrize("key", sorted(catalogue(Language.EN)))
def test_placeholders_match(key):
    assert _fields(catalogue(Language.EN)[key]) == _fields(catalogue(Language.ES)[key])


@pytest.mark.parametrize("topic", list(Topic))
def test_every_topic_has_a_button_label_in_both_languages(topic):
    assert t(f"topic.{topic.value}", Language.EN) != t(f"topic.{topic.value}", Language.ES)


def test_unknown_language_falls_back_to_english():
    assert t("topic.billing", "fr") == t("topic.billing", Language.EN)
