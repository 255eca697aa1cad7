"""Words that narrow a question: subtopics, follow-ups within a topic, and a second question.

The NLU model decides the topic; these cues refine the answer: "CARE" inside a billing question is
the assistance-programs answer, "how long till it's back" after an outage is the restoration
answer, and "…and also why is my bill so high" adds the billing answer. Each pattern covers English
and Spanish. Pure functions, no Rasa import.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import List, Pattern, Tuple

from bot.topics import Subtopic, Topic

_I = re.IGNORECASE

_SUBTOPIC_CUES: Tuple[Tuple[Subtopic, Tuple[Topic, ...], Pattern[str]], ...] = (
    (
        # CARE, FERA, Medical Baseline and payment help are SCE's for every customer, whatever the
        # classifier made of the sentence around them.
        Subtopic.ASSISTANCE_PROGRAMS,
        tuple(Topic),
        re.compile(
            # CARE, FERA and AMP only in capitals ("I take care of…" is not the program); the rest in any case.
            r"\bC\.?A\.?R\.?E\.?\b|\bFERA\b|\bAMP\b"
            r"|(?i:\b(care|fera)[ /-](program|discount|rate|application|enrollment)"
            r"|medical baseline|l[ií]nea base m[eé]dica|life[- ]support|oxygen|insulin|dialysis"
            r"|payment (arrangement|plan|extension)|arreglo de pago|plan de pagos|arrearage|debt forgiveness"
            r"|low[- ]income|bajos ingresos|discount program|descuento|disconnect(ion)? notice|shut[- ]?off notice"
            r"|aviso de (corte|desconexi[oó]n)|budget billing|level pay)",
        ),
    ),
    (
        Subtopic.NET_METERING,
        (Topic.BILLING, Topic.GENERATION, Topic.TRANSMISSION, Topic.OUTAGE),
        re.compile(
            r"net[- ]?meter|\bNEM\b|net billing|true[- ]?up|rooftop|solar panels?|my panels|paneles solares"
            r"|interconnect|interconexi[oó]n|\bbatter(y|ies)\b|bater[ií]a|export(ed)? (energy|power|solar)",
            _I,
        ),
    ),
    (
        Subtopic.RATE_APPROVAL,
        (Topic.BILLING, Topic.GENERATION, Topic.BECOME_CCA),
        re.compile(
            r"(who|which agency|what agency)\b.{0,20}\b(approves?|approved|regulates?|authori[sz]es?)\b"
            r".{0,30}\b(rates?|prices?|increases?)"
            r"|general rate case|\bGRC\b|rate (hike|increase)s? (approved|approval)|qui[eé]n aprueba.{0,30}tarifas",
            _I,
        ),
    ),
)


def subtopic_of(text: str, topic: Topic) -> Subtopic | None:
    """The subtopic the words of ``text`` point to inside ``topic``, if any."""
    for subtopic, topics, pattern in _SUBTOPIC_CUES:
        if topic in topics and pattern.search(text or ""):
            return subtopic
    return None


class FollowUp(str, Enum):
    """A follow-up question inside a topic, answered for itself rather than with the topic's block."""

    SAFETY = "safety"  # "should I move it?" about a downed wire: the safety instruction again
    RESTORATION = "restoration"
    WHAT_TO_DO = "what_to_do"
    COST_TO_LEAVE = "cost_to_leave"
    STILL_PAY_SCE = "still_pay_sce"
    WHAT_IS_CCA = "what_is_cca"


_FOLLOW_UP_CUES: Tuple[Tuple[FollowUp, Topic, Pattern[str]], ...] = (
    (
        FollowUp.SAFETY,
        Topic.OUTAGE,
        re.compile(
            r"\b(move|touch|pick up|push|drag|cut|grab|lift|step over)\b.{0,25}\b(it|wire|line|cable|them)\b"
            r"|should (i|we) call 911|is it (safe|dangerous)|llamo al 911"
            r"|\b(mover|tocar|levantar)(lo|la)\b|\b(mover|tocar|levantar)\b.{0,15}\b(cable|alambre)",
            _I,
        ),
    ),
    (
        FollowUp.RESTORATION,
        Topic.OUTAGE,
        re.compile(
            r"how long|when (will|is|does|do)\b.{0,25}\b(back|restored|on|fixed)|till (it'?s|its|the power'?s?) back"
            r"|until (it'?s|its|power is) back|restor|\beta\b"
            r"|cu[aá]nto (tiempo|tarda)|cu[aá]ndo (vuelve|regresa|volver[aá])",
            _I,
        ),
    ),
    (
        FollowUp.WHAT_TO_DO,
        Topic.OUTAGE,
        re.compile(r"\bwh?at (do|should|can) (i|we) do\b|\bnow what\b|qu[eé] (hago|debo hacer|puedo hacer)", _I),
    ),
    (
        FollowUp.COST_TO_LEAVE,
        Topic.ENROLLMENT,
        re.compile(
            r"\b(cost|fee|charge|penalt|pay)\w*\b.{0,40}\b(leav|opt|cancel|switch|exit|go back)"
            r"|(leav|opt|cancel|exit)\w*\b.{0,30}\b(cost|fee|charge|penalt)|cu[eé]sta.{0,30}salir|cuota.{0,30}salir",
            _I,
        ),
    ),
    (
        FollowUp.STILL_PAY_SCE,
        Topic.BILLING,
        re.compile(
            r"(still|keep)\b.{0,20}\b(pay|mail|send)\w*\b.{0,30}\b(edison|sce)"
            r"|(pay|mail|send)\w*.{0,25}\b(edison|sce)\b.{0,15}\bstill"
            r"|sigo pag\w+.{0,20}(edison|sce)",
            _I,
        ),
    ),
    (
        FollowUp.WHAT_IS_CCA,
        Topic.GENERATION,
        re.compile(
            r"what (even )?(is|'s) (a |an |the )?(cca|community choice)|what does cca (mean|stand for)"
            r"|qu[eé] es (un |el )?(cca|agregador)",
            _I,
        ),
    ),
)


def follow_up_of(text: str) -> Tuple[FollowUp, Topic] | None:
    """The follow-up ``text`` asks, with the topic it belongs to."""
    for follow_up, topic, pattern in _FOLLOW_UP_CUES:
        if pattern.search(text or ""):
            return follow_up, topic
    return None


# Words that name a topic on their own, for finding a second question in one message.
_TOPIC_CUES: Tuple[Tuple[Topic, Pattern[str]], ...] = (
    (
        Topic.OUTAGE,
        re.compile(
            r"power('s| is)? (out|off)|outage|no power|lights (are )?out|blackout|apag[oó]n|sin luz|no hay luz", _I
        ),
    ),
    (Topic.BILLING, re.compile(r"\bbill\b|\bbilled\b|charges?\b|payment|autopay|factura|recibo|\bcobr", _I)),
    (
        Topic.ENROLLMENT,
        re.compile(r"opt(ing)?[- ](out|in)\b|\bunenroll|cancel\w* (my )?(cca|service)|darme de baja|salirme", _I),
    ),
    (
        Topic.GENERATION,
        re.compile(
            r"renewable|green(er)? (power|energy)|where (does )?my (power|electricity) come|de d[oó]nde viene", _I
        ),
    ),
    (Topic.COVID_RELIEF, re.compile(r"covid|pandemic|coronavirus|pandemia", _I)),
    (Topic.TRANSMISSION, re.compile(r"flex alert|\bcaiso\b|grid operator|transmission grid|alerta flex", _I)),
)
_CLAUSE_BREAK = re.compile(r"(?<=[.?!])\s+|\s*;\s*|\s+(?:and also|also|plus|and then|y tambi[eé]n|adem[aá]s)\s+", _I)


# Key of the parse data (tracker.latest_message) where bot.nlu.clauses puts a second question it found.
SECOND_QUESTION = "second_question"
# A bare "and"/"y" also separates two questions ("my power is out and who sends my bill"); only the
# classifier of each clause (bot.nlu.clauses) uses it: the cues would find too many topics in a phrase.
_AND_BREAK = re.compile(r",?\s+(?:and|y)\s+", _I)


# What starts a clause without being part of its question ("Also, who runs the grid?").
_LEADING = re.compile(r"^(?:(?:and\s+)?also|plus|and|y\s+tambi[eé]n|tambi[eé]n|adem[aá]s|y)\b[\s,:;-]*", _I)


def clauses(text: str, bare_and: bool = False) -> List[str]:
    """The message's clauses: sentences, ";", "and also"/"plus"/"además" (and a bare "and"/"y" if asked)."""
    parts = [c.strip() for c in _CLAUSE_BREAK.split(text or "") if c and c.strip()]
    if bare_and:
        parts = [piece.strip() for part in parts for piece in _AND_BREAK.split(part) if piece and piece.strip()]
    parts = [_LEADING.sub("", part).strip() for part in parts]
    return [part for part in parts if part]


def second_topic(text: str, first: Topic | None) -> Tuple[Topic, str] | None:
    """A second question in the same message ("power is out and also why is my bill so high").

    Returns the other topic and the clause that asks it, when a clause other than the first names a
    different topic by its own words.
    """
    parts = clauses(text)
    if len(parts) < 2:
        return None
    for clause in parts[1:]:
        topics: List[Topic] = [topic for topic, pattern in _TOPIC_CUES if pattern.search(clause)]
        if len(topics) == 1 and topics[0] is not first:
            return topics[0], clause
    # The first clause may be the second question ("why is my bill so high? also my power is out").
    topics = [topic for topic, pattern in _TOPIC_CUES if pattern.search(parts[0])]
    if len(topics) == 1 and topics[0] is not first:
        return topics[0], parts[0]
    return None
