"""Resolve what a customer typed to a place (city or community) or a CCA in the role table.

Matching order: the whole text exactly (name or alias, case- and accent-insensitive), then
a known name inside a longer phrase, then a misspelling-tolerant comparison. Anything below
the fuzzy threshold is reported as unknown with suggestions, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Dict, Iterable, List, Tuple

from bot.repository import PartyInfo, PlaceInfo, RoleTable, ServicePeriod, role_table
from bot.text import MAX_INPUT_CHARS, fold_accents, normalize

FUZZY_ACCEPT = 0.84  # "santa monca", "fullertn", "cañada flintridge" pass; "santa ana"/"santa paula" stay apart
FUZZY_ACCEPT_SHORT = 0.9  # names under 8 letters: "venture" must not become Ventura, "downed" not Downey
FUZZY_SUGGEST = 0.68
_MAX_NGRAM = 5
_STOPWORDS = frozenset(
    "i im i m in at the my of we live city town our for is are on a an near area from to and or by it".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
# A known name inside a larger, unknown place is not that place: "Riverside County",
# "East Los Angeles" and "Santa Barbara County" must not resolve to the cities.
_QUALIFIERS_BEFORE = frozenset({"east", "west", "north", "south", "unincorporated"})
_QUALIFIERS_AFTER = frozenset({"county", "valley", "heights", "hills", "park"})


@dataclass(frozen=True)
class PlaceMatch:
    """Outcome of resolving text to a place, as of a date."""

    query: str
    place: PlaceInfo | None
    status: str  # cca | bundled | pending_cca | other_utility | unknown
    confidence: float
    matched: str | None = None
    suggestions: Tuple[str, ...] = ()
    service: ServicePeriod | None = None
    problem: str | None = None  # empty | too_long | not_found

    @property
    def known(self) -> bool:
        return self.place is not None


def _tokens(text: str) -> List[str]:
    return _TOKEN.findall(fold_accents(text))


def _ngrams(tokens: List[str]) -> Iterable[Tuple[str, str, bool]]:
    """(normalized, original, qualified) n-grams, longest first, skipping ones made only of stopwords.

    ``qualified`` is true when a neighbouring word makes the n-gram part of a larger place.
    """
    lowered = [t.lower() for t in tokens]
    for n in range(min(_MAX_NGRAM, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            window = tokens[i : i + n]
            if all(t in _STOPWORDS for t in lowered[i : i + n]):
                continue
            qualified = (i > 0 and lowered[i - 1] in _QUALIFIERS_BEFORE) or (
                i + n < len(tokens) and lowered[i + n] in _QUALIFIERS_AFTER
            )
            yield " ".join(window).lower(), " ".join(window), qualified


def _acceptable_short(key: str, original: str) -> bool:
    # Two- and three-letter aliases (LA, OC, HB) only count when typed in capitals.
    return len(key.replace(" ", "")) > 3 or original.isupper()


def _find(
    text: str, names: Dict[str, str], any_case: bool = False
) -> Tuple[str | None, float, str | None, Tuple[str, ...], str | None]:
    """Return (target, confidence, matched text, suggestions, problem) against a name index."""
    if not text or not text.strip():
        return None, 0.0, None, (), "empty"
    if len(text) > MAX_INPUT_CHARS:
        return None, 0.0, None, (), "too_long"
    whole = normalize(text)
    if whole in names and (any_case or _acceptable_short(whole, text.strip())):
        return names[whole], 1.0, text.strip(), (), None
    tokens = _tokens(text)
    for key, original, qualified in _ngrams(tokens):
        if key in names and _acceptable_short(key, original) and not qualified:
            return names[key], 0.95, original, (), None
    best: Tuple[float, str | None, str | None] = (0.0, None, None)
    scores: Dict[str, float] = {}
    for key, original, qualified in _ngrams(tokens):
        if len(key) < 4 or qualified:
            continue
        for name_key, target in names.items():
            if len(name_key) < 4 or abs(len(name_key) - len(key)) > max(3, len(name_key) // 3):
                continue
            ratio = SequenceMatcher(None, key, name_key).ratio()
            if ratio > scores.get(target, 0.0):
                scores[target] = ratio
            needed = FUZZY_ACCEPT if len(name_key) >= 8 else FUZZY_ACCEPT_SHORT
            if ratio >= needed and ratio > best[0]:
                best = (ratio, target, original)
    if best[1] is not None:
        return best[1], round(best[0] * 0.9, 3), best[2], (), None
    suggestions = tuple(t for t, s in sorted(scores.items(), key=lambda kv: -kv[1]) if s >= FUZZY_SUGGEST)[:3]
    return None, 0.0, None, suggestions, "not_found"


def resolve_place(text: str, on: dt.date | None = None, table: RoleTable | None = None) -> PlaceMatch:
    """Resolve a city or community name, e.g. ``resolve_place("santa monca")``."""
    table = table or role_table()
    on = on or dt.date.today()
    query = (text or "")[: MAX_INPUT_CHARS + 1]
    target, confidence, matched, suggestions, problem = _find(query, table.place_names)
    if target is None:
        return PlaceMatch(
            query=query, place=None, status="unknown", confidence=0.0, suggestions=suggestions, problem=problem
        )
    place = table.places[target]
    service = place.service_on(on)
    status = service.status if service else "unknown"
    return PlaceMatch(query=query, place=place, status=status, confidence=confidence, matched=matched, service=service)


def resolve_cca(text: str, table: RoleTable | None = None) -> PartyInfo | None:
    """Resolve a CCA by name, short name or alias ("OCPA", "clean power alliance")."""
    table = table or role_table()
    cca_names = {k: v for k, v in table.party_names.items() if table.parties[v].kind == "CCA"}
    # Acronyms are what people type for CCAs, in any case ("cpa", "3ce").
    target, _, _, _, _ = _find(text or "", cca_names, any_case=True)
    return table.parties[target] if target else None
