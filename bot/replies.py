"""Turn a :class:`~bot.routing.Routing` into the words the customer reads."""

from __future__ import annotations

from typing import List, Sequence

from bot.places import PlaceMatch, Problem
from bot.repository import PartyInfo, RoleTable, role_table
from bot.routing import Assignment, Routing
from bot.topics import PartyKind, Subtopic, Topic

_TOPIC_PHRASES = {
    Topic.BILLING: "your bill",
    Topic.OUTAGE: "power outages",
    Topic.GENERATION: "where your electricity comes from and its generation rates",
    Topic.COVID_RELIEF: "COVID-19 payment relief",
    Topic.ENROLLMENT: "enrolling in or opting out of a CCA",
    Topic.TRANSMISSION: "the transmission grid",
    Topic.BECOME_CCA: "forming a Community Choice Aggregator",
}
_SUBTOPIC_PHRASES = {
    Subtopic.ASSISTANCE_PROGRAMS: "bill discounts and payment help (CARE, FERA, Medical Baseline)",
    Subtopic.NET_METERING: "rooftop solar and battery credits",
    Subtopic.RATE_APPROVAL: "who approves electricity rates",
    Subtopic.COMPLAINT: "a complaint",
    Subtopic.HAZARD: "a downed or damaged power line",
}

HELP_TOPICS = (
    "your bill, power outages, where your electricity comes from, COVID-19 payment relief, "
    "opting in or out of a CCA, the transmission grid, and forming a CCA"
)


def _outage_like(topic: Topic | None, subtopic: Subtopic | None) -> bool:
    return topic is Topic.OUTAGE or subtopic is Subtopic.HAZARD


def contact_line(
    party: PartyInfo, topic: Topic | None = None, subtopic: Subtopic | None = None, spanish: bool = False
) -> str:
    """Phone and web details; outage and hazard questions get the outage line, assistance the CARE line."""
    parts: List[str] = []
    outage = _outage_like(topic, subtopic)
    if outage and party.outage_phone:
        parts.append(f"outage line {party.outage_phone}")
        if party.outage_web:
            parts.append(f"outage map {party.outage_web}")
    else:
        if subtopic is Subtopic.ASSISTANCE_PROGRAMS and party.care_phone:
            parts.append(f"CARE/FERA line {party.care_phone}")
        if party.phone:
            parts.append(f"phone {party.phone}")
    if spanish and party.spanish_phone:
        parts.append(f"en español {party.spanish_phone}")
    if party.email:
        parts.append(f"email {party.email}")
    if party.website and not (outage and party.outage_web):
        parts.append(party.website)
    if party.kind == PartyKind.CPUC.value and topic is Topic.BECOME_CCA and party.info_web:
        parts.append(f"CCA guidance: {party.info_web}")
    if not party.phone and party.contact_note:
        note = party.contact_note.rstrip(".")
        parts.append(note[0].lower() + note[1:] if note[:3] in ("Its", "No ") else note)
    if not parts:
        return "we have no published phone or website for it on record; your city hall can put you in touch"
    return ", ".join(parts)


def _party_sentence(assignment: Assignment, routing: Routing, spanish: bool) -> str:
    party = assignment.party
    assert party is not None
    return f"{party.label} — {contact_line(party, routing.topic, routing.subtopic, spanish)}. {assignment.reason}"


def _about(routing: Routing) -> str:
    if routing.subtopic is not None:
        return _SUBTOPIC_PHRASES[routing.subtopic]
    return _TOPIC_PHRASES[routing.topic]


def render(routing: Routing, spanish: bool = False) -> str:
    """The answer for a decided routing, or the both-cases explanation when the CCA is unknown.

    One or two sentences plus the contact; then, on their own lines, at most a short clause for a
    mixed place or the IID caveat, and the notes (a former or coming CCA, the COVID-19 period).
    """
    lines: List[str] = []
    place = routing.place.place.name if routing.place and routing.place.place else None
    about = _about(routing)
    primary = routing.primary
    if primary is not None and primary.party is not None and primary.party_kind == PartyKind.UTILITY.value:
        utility = primary.party
        serves = "probably serves" if routing.probable else "serves"
        if routing.also_delivered_by is not None:
            serves += " most of"
        lines.append(
            f"{utility.short}, not SCE, {serves} {place or 'that address'}: for {about}, contact {utility.label} — "
            f"{contact_line(utility, routing.topic, routing.subtopic, spanish)}. {primary.reason}"
        )
        if routing.secondary is not None and routing.secondary.party is not None:
            lines.append(f"Also involved: {_party_sentence(routing.secondary, routing, spanish)}")
    elif primary is None:
        lines.append(f"Who handles {about} depends on whether your address is in a CCA:")
        for kind, alt in routing.alternatives:
            who = "your CCA" if alt.party is None else alt.party.label
            case = "If your city is in a CCA" if kind == "cca" else "If it is not"
            contact = f" ({contact_line(alt.party, routing.topic, routing.subtopic, spanish)})" if alt.party else ""
            lines.append(f"- {case}: {who}{contact}. {alt.reason}")
        lines.append("Your bill names your generation provider, and I can check a city for you any time.")
    else:
        where = f" in {place}" if place else ""
        if place and routing.probable:
            where += " (most likely served by SCE; your bill shows for sure)"
        lines.append(f"For {about}{where}, contact {_party_sentence(primary, routing, spanish)}")
        if routing.secondary is not None:
            lines.append(f"Also involved: {_party_sentence(routing.secondary, routing, spanish)}")
    if routing.delivery_note:
        note = routing.delivery_note
        lines.append(f"Note: {note[0].upper()}{note[1:]}; your bill shows which utility serves you.")
    lines.extend(routing.notes)
    return "\n".join(lines)


SAFETY_KEYS = ("downed_line", "wire_on_vehicle", "electrical_injury_or_fire", "gas_smell")


def safety_guidance(key: str, table: RoleTable | None = None) -> str | None:
    """The seeded, sourced safety text: ``downed_line`` (100 feet, 911, then the outage line),
    ``wire_on_vehicle``, ``electrical_injury_or_fire`` or ``gas_smell`` (leave, 911 and the gas company)."""
    item = (table or role_table()).guidance.get(key)
    return item.text if item is not None and item.kind == "safety" else None


def person_contact(party: PartyInfo, topic: Topic | None = None, spanish: bool = False) -> str:
    """For "can I talk to a person at X": how to reach that party's people."""
    return (
        f"To talk to a person, contact {party.label}: {contact_line(party, topic, spanish=spanish)}. "
        "I'm an automated assistant and can't transfer the chat myself."
    )


def _printable(query: str) -> str:
    # One printable line: the query is echoed back to chats and terminals.
    return " ".join("".join(ch if ch.isprintable() else " " for ch in query).split())[:60] or "that"


def _choices(names: Sequence[str]) -> str:
    names = list(names)
    return ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]


def unknown_place_message(query: str, suggestions: List[str]) -> str:
    text = f"I couldn't find “{_printable(query)}” among the cities and communities I know in SCE's territory."
    if suggestions:
        text += f" Did you mean {_choices(suggestions)}?"
    return text


def place_question(match: PlaceMatch) -> str:
    """What to ask when a place was not resolved: a county alone, a near miss, a ZIP, or nothing known."""
    if match.problem == Problem.REGION and match.region is not None:
        note = f" {match.region.note}" if match.region.note else ""
        return (
            f"{match.region.name} is served by more than one utility.{note} Which city or community is the address in?"
        )
    if match.zip_code and match.problem == Problem.ZIP_OUTSIDE:
        return (
            f"ZIP {match.zip_code} is {match.zip_city}, outside California; I only know places in and around "
            "SCE's territory. Which city or community is the service address in?"
        )
    if match.zip_code and len(match.suggestions) == 1:
        where = f" ({match.zip_city})" if match.zip_city else ""
        return f"ZIP {match.zip_code}{where} includes {match.suggestions[0]}: is the address in {match.suggestions[0]}?"
    if match.zip_code and match.suggestions:
        where = f" ({match.zip_city})" if match.zip_city else ""
        return f"ZIP {match.zip_code}{where} covers more than one place I know: is it {_choices(match.suggestions)}?"
    if match.zip_code:
        where = f" is {match.zip_city}, which" if match.zip_city else ""
        return f"ZIP {match.zip_code}{where} isn't among the places I know. Which city or community is the address in?"
    if match.problem == Problem.SUGGESTION and match.suggestion:
        return f"Did you mean {match.suggestion}?"
    return unknown_place_message(match.query, list(match.suggestions))
