"""Resolve what a customer typed to a place (city, community, neighbourhood), a region or a CCA.

Matching order: the whole text exactly (a place, then a county named alone: a *region*), then a
known name inside a longer phrase, then a ZIP code (offline postal data: ZIP -> city -> role table),
then a misspelling-tolerant comparison. A near miss is only ever *suggested* (``PlaceMatch.suggestion``),
never applied; a known name is never taken for a different place ("North Hollywood" is not West
Hollywood, "unincorporated Riverside County" is not the City of Riverside); a county alone asks for
the city. Case and accents do not matter ("Santa Mónica" = "Santa Monica").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Tuple

from bot.repository import PartyInfo, PlaceInfo, RegionInfo, RoleTable, ServicePeriod, role_table
from bot.text import COMMON_WORD_PLACES, MAX_INPUT_CHARS, fold_accents, normalize
from bot.topics import PartyKind, PlaceStatus

FUZZY_ACCEPT = 0.84  # a near miss worth suggesting alone: "santa monca", "fullertn", "cañada flintridge"
FUZZY_ACCEPT_SHORT = 0.9  # names under 8 letters: "venture" must not suggest Ventura, "downed" not Downey
FUZZY_SUGGEST = 0.68
_MAX_NGRAM = 5
_STOPWORDS = frozenset(
    "i im i m in at the my of we live city town our for is are on a an near area from to and or by it".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_ZIP = re.compile(r"(?<!\d)(\d{5})(?:-\d{4})?(?!\d)")
# A known name inside a larger, unknown place is not that place: "Riverside County",
# "East Los Angeles" and "Santa Barbara County" must not resolve to the cities.
_QUALIFIERS_BEFORE = frozenset({"east", "west", "north", "south", "unincorporated"})
_QUALIFIERS_AFTER = frozenset({"county", "valley", "heights", "hills", "park"})


class Problem:
    """Why a match has no place (``PlaceMatch.problem``)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"  # nothing known; ``suggestions`` may hold weaker candidates
    SUGGESTION = "suggestion"  # a near miss or a ZIP's place: confirm ``suggestion`` before using it
    REGION = "region"  # a county named alone: ask which city or community
    ZIP_OUTSIDE = "zip_outside"  # a real ZIP, not in California


@dataclass(frozen=True)
class PlaceMatch:
    """Outcome of resolving text to a place, as of a date."""

    query: str
    place: PlaceInfo | None
    status: str  # a PlaceStatus value
    confidence: float
    matched: str | None = None
    suggestions: Tuple[str, ...] = ()
    service: ServicePeriod | None = None
    problem: str | None = None  # a Problem value when ``place`` is None
    suggestion: str | None = None  # the one place to offer ("Did you mean Santa Monica?"); never applied
    region: RegionInfo | None = None  # a county named alone
    zip_code: str | None = None  # the ZIP the place was found by
    zip_city: str | None = None  # the ZIP's city as the postal data names it

    @property
    def known(self) -> bool:
        return self.place is not None

    @property
    def place_status(self) -> PlaceStatus:
        return PlaceStatus(self.status)


def _tokens(text: str) -> List[str]:
    return _TOKEN.findall(fold_accents(text))


def _ngram_spans(tokens: List[str]) -> Iterable[Tuple[str, str, bool, int, int]]:
    """(normalized, original, qualified, start, end) n-grams, longest first, skipping ones made only of
    stopwords. ``qualified`` is true when a neighbouring word makes the n-gram part of a larger place.
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
            yield " ".join(window).lower(), " ".join(window), qualified, i, i + n


def _ngrams(tokens: List[str]) -> Iterable[Tuple[str, str, bool]]:
    for key, original, qualified, _start, _end in _ngram_spans(tokens):
        yield key, original, qualified


def _acceptable_short(key: str, original: str) -> bool:
    # Two- and three-letter aliases (LA, OC, HB) only count when typed in capitals.
    return len(key.replace(" ", "")) > 3 or original.isupper()


def _acceptable_in_phrase(key: str, original: str) -> bool:
    """Inside a longer message a name that is also an everyday word must be capitalised ("in Orange")."""
    if not _acceptable_short(key, original):
        return False
    return key not in COMMON_WORD_PLACES or all(w[:1].isupper() for w in original.split())


@dataclass(frozen=True)
class _Found:
    target: str | None = None
    confidence: float = 0.0
    matched: str | None = None
    suggestions: Tuple[str, ...] = ()
    problem: str | None = None
    suggestion: str | None = None
    region: str | None = None


def _exact(text: str, names: Dict[str, str], any_case: bool) -> _Found | None:
    whole = normalize(text)
    if whole in names and (any_case or _acceptable_short(whole, text.strip())):
        return _Found(names[whole], 1.0, text.strip())
    return None


def _longer_near_miss(tokens: List[str], start: int, end: int, names: Dict[str, str], target: str) -> str | None:
    """Another known name that the match plus a neighbouring word nearly spells ("Westlake Vilage" is
    Westlake Village misspelt, not the Westlake neighbourhood)."""
    spans = [(start, end + 1), (start, end + 2), (start - 1, end), (start - 2, end)]
    for lo, hi in spans:
        if lo < 0 or hi > len(tokens):
            continue
        key = " ".join(tokens[lo:hi]).lower()
        for name_key, other in names.items():
            if other == target or abs(len(name_key) - len(key)) > 3:
                continue
            if SequenceMatcher(None, key, name_key).ratio() >= FUZZY_ACCEPT:
                return other
    return None


def _in_phrase(tokens: List[str], names: Dict[str, str], regions: Dict[str, str]) -> _Found | None:
    for key, original, qualified, start, end in _ngram_spans(tokens):
        if key in names and not qualified and _acceptable_in_phrase(key, original):
            longer = _longer_near_miss(tokens, start, end, names, names[key])
            if longer is not None:
                return _Found(suggestions=(longer, names[key]), problem=Problem.SUGGESTION, suggestion=longer)
            return _Found(names[key], 0.95, original)
        if key in regions and _acceptable_short(key, original):
            return _Found(region=regions[key], matched=original, problem=Problem.REGION)
    return None


def _fuzzy(tokens: List[str], names: Dict[str, str]) -> _Found:
    best: Tuple[float, str | None] = (0.0, None)
    scores: Dict[str, float] = {}
    by_size: Dict[int, List[Tuple[str, str]]] = {}
    for name_key, target in names.items():
        if len(name_key) >= 4:
            by_size.setdefault(len(name_key), []).append((name_key, target))
    for key, original, qualified in _ngrams(tokens):
        if len(key) < 4 or qualified or (len(tokens) > 1 and not _acceptable_in_phrase(key, original)):
            continue
        matcher = SequenceMatcher(None, b=key)  # the n-gram is preprocessed once, the names vary
        sizes = [s for s in by_size if abs(s - len(key)) <= max(3, s // 3)]
        for name_key, target in (item for s in sizes for item in by_size[s]):
            matcher.set_seq1(name_key)
            if matcher.real_quick_ratio() < FUZZY_SUGGEST or matcher.quick_ratio() < FUZZY_SUGGEST:
                continue
            ratio = matcher.ratio()
            if ratio > scores.get(target, 0.0):
                scores[target] = ratio
            needed = FUZZY_ACCEPT if len(name_key) >= 8 else FUZZY_ACCEPT_SHORT
            if ratio >= needed and ratio > best[0]:
                best = (ratio, target)
    ranked = tuple(t for t, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if s >= FUZZY_SUGGEST)[:3]
    if best[1] is not None:
        ranked = (best[1], *[t for t in ranked if t != best[1]])[:3]
        return _Found(suggestions=ranked, problem=Problem.SUGGESTION, suggestion=best[1])
    return _Found(suggestions=ranked, problem=Problem.NOT_FOUND)


def _find(text: str, names: Dict[str, str], any_case: bool = False) -> _Found:
    """Exact, in a phrase, then fuzzy, against a name index (places or parties)."""
    if not text or not text.strip():
        return _Found(problem=Problem.EMPTY)
    if len(text) > MAX_INPUT_CHARS:
        return _Found(problem=Problem.TOO_LONG)
    found = _exact(text, names, any_case) or _in_phrase(_tokens(text), names, {})
    return found or _fuzzy(_tokens(text), names)


# --- ZIP codes ---------------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def _zip_record(zip_code: str) -> Dict[str, Any] | None:
    import zipcodes  # postal data shipped inside the package: no network

    try:
        rows = zipcodes.matching(zip_code)
    except (ValueError, TypeError):
        return None
    return dict(rows[0]) if rows else None


def _service_key(place: PlaceInfo, on: dt.date) -> Tuple[Any, ...]:
    s = place.service_on(on)
    return (s.status, s.party_key, s.delivered_by, s.also_delivered_by) if s else ()


def _by_zip(zip_code: str, table: RoleTable, on: dt.date) -> Tuple[_Found, str | None]:
    """A ZIP's place when every known place sharing the ZIP is served alike; else the places to choose from."""
    record = _zip_record(zip_code)
    if record is None:
        return _Found(problem=Problem.NOT_FOUND), None
    city = str(record.get("city") or "")
    if record.get("state") != "CA":
        return _Found(problem=Problem.ZIP_OUTSIDE), f"{city}, {record.get('state')}"
    primary = table.place_names.get(normalize(city))
    others = [table.place_names.get(normalize(str(name))) for name in record.get("acceptable_cities") or []]
    known = list(dict.fromkeys(p for p in [primary, *others] if p))
    if primary and len({_service_key(table.places[p], on) for p in known}) == 1:
        return _Found(primary, 0.9, zip_code), city
    if known:
        return _Found(suggestions=tuple(known[:4]), problem=Problem.SUGGESTION, suggestion=known[0]), city
    return _Found(problem=Problem.NOT_FOUND), city


def resolve_place(text: str, on: dt.date | None = None, table: RoleTable | None = None) -> PlaceMatch:
    """Resolve a city, community, neighbourhood, county or ZIP code, e.g. ``resolve_place("91601")``."""
    table = table or role_table()
    on = on or dt.date.today()
    query = (text or "")[: MAX_INPUT_CHARS + 1]
    zip_code = zip_city = None
    if not query.strip():
        found = _Found(problem=Problem.EMPTY)
    elif len(query) > MAX_INPUT_CHARS:
        found = _Found(problem=Problem.TOO_LONG)
    else:
        tokens = _tokens(query)
        found = _exact(query, table.place_names, False) or _Found()
        if found.target is None:
            whole = normalize(query)
            if whole in table.region_names:
                found = _Found(region=table.region_names[whole], matched=query.strip(), problem=Problem.REGION)
            else:
                found = _in_phrase(tokens, table.place_names, table.region_names) or _Found()
        if found.target is None and found.region is None and found.suggestion is None:
            zip_match = _ZIP.search(query)
            if zip_match:
                zip_code = zip_match.group(1)
                found, zip_city = _by_zip(zip_code, table, on)
            else:
                found = _fuzzy(tokens, table.place_names)
    if found.target is None:
        region = table.regions.get(found.region) if found.region else None
        return PlaceMatch(
            query=query,
            place=None,
            status=PlaceStatus.UNKNOWN.value,
            confidence=0.0,
            matched=found.matched,
            suggestions=found.suggestions,
            problem=found.problem or Problem.NOT_FOUND,
            suggestion=found.suggestion,
            region=region,
            zip_code=zip_code,
            zip_city=zip_city,
        )
    place = table.places[found.target]
    service = place.service_on(on)
    status = service.status if service else PlaceStatus.UNKNOWN.value
    return PlaceMatch(
        query=query,
        place=place,
        status=status,
        confidence=found.confidence,
        matched=found.matched,
        service=service,
        zip_code=zip_code,
        zip_city=zip_city,
    )


def resolve_cca(text: str, table: RoleTable | None = None) -> PartyInfo | None:
    """Resolve a CCA by name, short name or alias ("OCPA", "clean power alliance")."""
    table = table or role_table()
    cca_names = {k: v for k, v in table.party_names.items() if table.parties[v].kind == PartyKind.CCA.value}
    # Acronyms are what people type for CCAs, in any case ("cpa", "3ce"); a near miss of a CCA's long
    # name ("Santa Barbra Clean Energy") is accepted: a CCA name is never an everyday phrase.
    found = _find(text or "", cca_names, any_case=True)
    key = found.target or found.suggestion
    return table.parties[key] if key else None


def resolve_party(text: str, table: RoleTable | None = None) -> PartyInfo | None:
    """Any party by name or alias: SCE, a CCA, CAISO, the CPUC, or another utility ("PG&E", "LADWP").

    For "can I talk to a person at X": ``replies.person_contact(resolve_party("X"))``.
    """
    table = table or role_table()
    found = _find(text or "", table.party_names, any_case=True)
    key = found.target or (found.suggestion if found.problem == Problem.SUGGESTION else None)
    return table.parties[key] if key else None
