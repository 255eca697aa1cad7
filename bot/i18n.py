"""Message catalogues: the words the actions and replies say, one YAML file per language.

Translators edit ``bot/locales/<lang>.yml`` without touching code; domain responses carry their
Spanish text as a slot-conditioned variation in domain.yml. tests/bot/test_i18n.py fails when a
key exists in one catalogue and not the other, or when their placeholders differ.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

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

    walk("", {k: v for k, v in raw.items() if k != TRANSLATIONS})
    return flat


TRANSLATIONS = "translations"  # catalogue section: English text (from the seed) -> the language's text


@functools.cache
def _translations(language: Language) -> Tuple[Dict[str, str], List[Tuple[re.Pattern, str]]]:
    raw = yaml.safe_load((LOCALES_DIR / f"{language.value}.yml").read_text(encoding="utf-8")) or {}
    exact: Dict[str, str] = {}
    templates: List[Tuple[re.Pattern, str]] = []
    for source, target in (raw.get(TRANSLATIONS) or {}).items():
        if "{" in source:
            # "{utility} only delivers it" also matches the sentence routing formatted from it.
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(source))
            templates.append((re.compile(f"^{pattern}$"), str(target)))
        else:
            exact[source] = str(target)
    return exact, templates


def translate(text: str, language: Language | str | None) -> str:
    """``text`` from the seed (a reason, a note) in ``language``; unchanged when no translation exists."""
    lang = language if isinstance(language, Language) else language_of(language)
    if lang is DEFAULT or not text:
        return text
    exact, templates = _translations(lang)
    if text in exact:
        return exact[text]
    for pattern, target in templates:
        found = pattern.match(text)
        if found:  # the filled-in parts too, where the catalogue has them ("late 2026")
            return target.format(**{name: exact.get(value, value) for name, value in found.groupdict().items()})
    return text


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
