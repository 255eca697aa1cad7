"""A spaCy EntityRuler built from the role table: places -> ``city``, CCA names -> ``cca``.

Needs no downloaded model: a blank English pipeline gives the tokenizer, and misspellings
are caught with spaCy's ``FUZZY`` token operator (one edit, two for words of ten letters or
more), only where a near miss is unlikely to be an everyday word.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Tuple

from spacy.language import Language

from bot.repository import RoleTable
from bot.text import COMMON_WORD_PLACES, normalize
from bot.text import strip_accents_keep_offsets as strip_accents

CITY = "city"
CCA = "cca"
Pattern = Dict[str, Any]


def blank_nlp() -> Language:
    import spacy

    return spacy.blank("en")


def _token_patterns(nlp: Language, phrase: str) -> Iterable[List[Dict[str, Any]]]:
    tokens = [t.text for t in nlp.make_doc(strip_accents(phrase)) if not t.is_space]
    if not tokens:
        return
    if len(tokens) == 1 and len(tokens[0]) <= 3:
        if tokens[0].isupper() or tokens[0][0].isdigit():  # "LA", "OC", "3CE": capitals only
            yield [{"ORTH": tokens[0]}]
        return
    if normalize(phrase) in COMMON_WORD_PLACES:
        # "watts", "orange", "corona": an everyday word, so only as written ("Watts"), never fuzzy
        yield [{"ORTH": t} for t in tokens]
        yield [{"ORTH": t.upper() if t.isalpha() else t} for t in tokens]
        return
    yield [{"LOWER": t.lower()} for t in tokens]
    # Fuzzy variants: everyday words sit one edit away from short city names ("downed" ~ Downey,
    # "carbon" ~ Carson, "venture" ~ Ventura), so a one-word name must be long to be fuzzy, and a
    # multi-word name keeps its first word exact ("santa monca" -> Santa Monica).
    fuzzy: List[Dict[str, Any]] = []
    for i, t in enumerate(tokens):
        low = t.lower()
        longest = 8 if len(tokens) == 1 else 5
        if (len(tokens) > 1 and i == 0) or len(t) < longest or not t.isalpha():
            fuzzy.append({"LOWER": low})
        else:
            fuzzy.append({"LOWER": {"FUZZY2" if len(t) >= 10 else "FUZZY1": low}})
    if any(isinstance(f["LOWER"], dict) for f in fuzzy):
        yield fuzzy


def build_patterns(table: RoleTable, nlp: Language | None = None) -> List[Pattern]:
    """EntityRuler patterns for every place, region (county) and CCA name and alias; ``id`` is the canonical name.

    A region is a ``city`` entity too: the city form then resolves it and asks which city it is.
    """
    nlp = nlp or blank_nlp()
    patterns: List[Pattern] = []
    seen = set()
    entries: List[Tuple[str, str, str]] = []
    for place in table.places.values():
        entries += [(CITY, place.name, alias) for alias in (place.name, *place.aliases)]
    for region in table.regions.values():
        entries += [(CITY, region.name, alias) for alias in (region.name, *region.aliases)]
    for party in table.ccas:
        names = [party.name, *party.aliases] + ([party.short_name] if party.short_name else [])
        entries += [(CCA, party.name, alias) for alias in names]
    for label, canonical, phrase in entries:
        for tokens in _token_patterns(nlp, phrase):
            key = (label, repr(tokens))
            if key in seen:
                continue
            seen.add(key)
            patterns.append({"label": label, "pattern": tokens, "id": canonical})
    return patterns


def build_ruler(patterns: List[Pattern]) -> Language:
    nlp = blank_nlp()
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp


def extract(nlp: Language, text: str) -> List[Dict[str, Any]]:
    """Entities as Rasa expects them; ``value`` is the canonical name from the role table."""
    doc = nlp(strip_accents(text))
    return [
        {
            "entity": ent.label_,
            "start": ent.start_char,
            "end": ent.end_char,
            "value": ent.ent_id_ or ent.text,
            "confidence_entity": 1.0 if ent.text.lower() in {ent.ent_id_.lower()} else 0.9,
        }
        for ent in doc.ents
        if not _inside_code(text, ent.start_char, ent.end_char)
    ]


def _inside_code(text: str, start: int, end: int) -> bool:
    """A name glued into a hyphenated code is part of the code: "TOU-D-PRIME" is a rate plan, not PRIME."""
    return (start > 0 and text[start - 1] == "-") or (
        end < len(text) and text[end] == "-" and text[end + 1 : end + 2].isalnum()
    )


# Words that may surround a place in a bare answer ("I'm in Irvine", "it's Santa Monica, CA").
FILLER_WORDS = frozenset(
    """i im i'm m am we we're were our my in at it its it's is the a an of city town county ca calif
    california live living located address service from near area here there um uh yes yeah ok okay
    please thanks thank you that's thats with customer part just currently zip code what about how and
    instead then if for or
    vivo en es soy de la el estoy ciudad perdon perdón quise decir digo mejor no si sí gracias""".split()
)


def is_bare_entity_answer(text: str, entities: List[Dict[str, Any]]) -> bool:
    """True when a message is only a place or CCA name plus filler words ("I'm in Irvine")."""
    if not entities:
        return False
    covered = [False] * len(text)
    for ent in entities:
        if ent.get("entity") in (CITY, CCA):
            for i in range(max(0, int(ent["start"])), min(len(text), int(ent["end"]))):
                covered[i] = True
    rest = "".join(" " if covered[i] else ch for i, ch in enumerate(text))
    words = [w.strip(".,!?;:'\"()-").lower() for w in rest.split()]
    return all(not w or w in FILLER_WORDS or w.isdigit() for w in words)
