"""Text normalisation shared by the resolver, the seed loader and the NLU gazetteer."""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 200  # a place name is short; longer text is scanned, never stored
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Casefold, strip accents and punctuation, collapse whitespace.

    "La Cañada-Flintridge" -> "la canada flintridge".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", ascii_only.casefold()).strip()
