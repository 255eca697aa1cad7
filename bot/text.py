"""Text normalisation shared by the resolver, the seed loader and the NLU gazetteer."""

from __future__ import annotations

import re
import unicodedata

MAX_INPUT_CHARS = 200  # a place name is short; longer text is scanned, never stored
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold_accents(text: str) -> str:
    """Compatibility-decompose and drop combining marks: "Cañada" -> "Canada", "ﬁ" -> "fi"."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def strip_accents_keep_offsets(text: str) -> str:
    """Drop combining marks only where that keeps every character offset (for entity spans)."""
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return stripped if len(stripped) == len(text) else text


def normalize(text: str) -> str:
    """Casefold, strip accents and punctuation, collapse whitespace.

    "La Cañada-Flintridge" -> "la canada flintridge".
    """
    return _NON_WORD.sub(" ", fold_accents(text).casefold()).strip()


# Place names that are also everyday words ("watts", "orange", "corona", "banning", "paramount"): inside a
# longer message they only count when capitalised, and the gazetteer never matches them fuzzily. A message
# that is nothing but the name ("orange") still resolves.
COMMON_WORD_PLACES = frozenset(
    """commerce orange highland watts palms mecca whitewater sugarloaf corona banning paramount summerland
    venice valencia silverado riverside crestline""".split()
) | frozenset(
    {
        "green valley",
        "green meadows",
        "golden hills",
        "sun village",
        "sun valley",
        "mission hills",
        "university park",
        "exposition park",
        "hyde park",
        "mid city",
    }
)
