"""Message catalogues: the words the actions and replies say, one YAML file per language.

Translators edit ``bot/locales/<lang>.yml`` without touching code; domain responses carry their
Spanish text as a slot-conditioned variation in domain.yml. tests/bot/test_i18n.py fails when a
key exists in one catalogue and not the other, or when their placeholders differ.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict

import yaml

from bot.language import DEFAULT, Language

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


@functools.cache
def catalogue(language: Language) -> Dict[str, str]:
    """All messages of one language, flattened to dotted keys ("topic.billing")."""
    raw = yaml.safe_load((LOCALES_DIR / f"{language.value}.yml").read_text(encoding="utf-8")) or {}
    flat: Dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", raw)
    return flat


def language_of(value: object) -> Language:
    """The slot value as a :class:`Language`; anything unknown is the default."""
    try:
        return Language(str(value))
    except ValueError:
        return DEFAULT


def t(key: str, language: Language | str | None = None, **values: Any) -> str:
    """The message ``key`` in ``language`` (English when missing there), with ``{placeholders}`` filled."""
    lang = language if isinstance(language, Language) else language_of(language)
    text = catalogue(lang).get(key) or catalogue(DEFAULT)[key]
    return text.format(**values) if values else text
