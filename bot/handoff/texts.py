"""What the assistant says during a hand-off: the ``handoff`` section of the message catalogues.

The words live in ``bot/locales/<lang>.yml`` with every other message (one place for a translator); this
module only names the section.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import catalogue, t
from bot.language import DEFAULT

SECTION = "handoff"


def say(key: str, language: Any = "en", **values: Any) -> str:
    """The hand-off text ``key`` in ``language`` (English when unknown), with ``values`` filled in."""
    return t(f"{SECTION}.{key}", language, **values)


def topic_phrase(topic: str | None, language: Any = "en") -> str:
    """How the confirmation names the topic ("your bill"); the topic's own words when it has none."""
    if not topic:
        return say("not_given", language)
    key = f"{SECTION}.topic.{topic}"
    return t(key, language) if key in catalogue(DEFAULT) else topic.replace("_", " ")
