"""Turn a :class:`~bot.routing.Routing` into the words the customer reads."""

from __future__ import annotations

from typing import List, Sequence

from bot.i18n import t, translate
from bot.language import Language
from bot.places import PlaceMatch, Problem
from bot.repository import PartyInfo, RoleTable, role_table
from bot.routing import Assignment, Routing
from bot.topics import PartyKind, Subtopic, Topic


def _outage_like(topic: Topic | None, subtopic: Subtopic | None) -> bool:
    return topic is Topic.OUTAGE or subtopic is Subtopic.HAZARD


def _lang(spanish: bool) -> Language:
    return Language.ES if spanish else Language.EN


def contact_line(
    party: PartyInfo, topic: Topic | None = None, subtopic: Subtopic | None = None, spanish: bool = False
) -> str:
    """Phone and web details; outage and hazard questions get the outage line, assistance the CARE line."""
    lang = _lang(spanish)
    parts: List[str] = []
    outage = _outage_like(topic, subtopic)
    if outage and party.outage_phone:
        parts.append(t("contact.outage_line", lang, phone=party.outage_phone))
        if party.outage_web:
            parts.append(t("contact.outage_map", lang, url=party.outage_web))
    else:
        if subtopic is Subtopic.ASSISTANCE_PROGRAMS and party.care_phone:
            parts.append(t("contact.care_line", lang, phone=party.care_phone))
        if party.phone:
            parts.append(t("contact.phone", lang, phone=party.phone))
    if spanish and party.spanish_phone:
        parts.append(t("contact.spanish", lang, phone=party.spanish_phone))
    if party.email:
        parts.append(t("contact.email", lang, email=party.email))
    if party.website and not (outage and party.outage_web):
        parts.append(party.website)
    if party.kind == PartyKind.CPUC.value and topic is Topic.BECOME_CCA and party.info_web:
        parts.append(t("contact.cca_guidance", lang, url=party.info_web))
    if not party.phone and party.contact_note:
        note = translate(party.contact_note, lang).rstrip(".")
        parts.append(note[0].lower() + note[1:] if note[:3] in ("Its", "No ") else note)
    if not parts:
        return t("contact.none", lang)
    return ", ".join(parts)


def _party_sentence(key: str, assignment: Assignment, routing: Routing, spanish: bool, **extra: str) -> str:
    party = assignment.party
    assert party is not None
    lang = _lang(spanish)
    return t(
        key,
        lang,
        party=party.label,
        contact=contact_line(party, routing.topic, routing.subtopic, spanish),
        reason=translate(assignment.reason, lang),
        **extra,
    )


def _about(routing: Routing, lang: Language) -> str:
    return t(f"about.{(routing.subtopic or routing.topic).value}", lang)


def render(routing: Routing, spanish: bool = False) -> str:
    """The answer for a decided routing, or the both-cases explanation when the CCA is unknown.

    One or two sentences plus the contact; then, on their own lines, at most a short clause for a
    mixed place or the IID caveat, and the notes (a former or coming CCA, the COVID-19 period).
    Every sentence comes from the language's catalogue (bot/locales); the seed's reasons and notes are
    translated there too.
    """
    lang = _lang(spanish)
    lines: List[str] = []
    place = routing.place.place.name if routing.place and routing.place.place else None
    about = _about(routing, lang)
    primary = routing.primary
    if primary is not None and primary.party is not None and primary.party_kind == PartyKind.UTILITY.value:
        utility = primary.party
        serves = ("probably_" if routing.probable else "") + ("serves_most" if routing.also_delivered_by else "serves")
        lines.append(
            _party_sentence(
                "reply.utility",
                primary,
                routing,
                spanish,
                utility=utility.short,
                serves=t(f"reply.{serves}", lang),
                place=place or t("reply.that_address", lang),
                about=about,
            )
        )
        if routing.secondary is not None and routing.secondary.party is not None:
            lines.append(_party_sentence("reply.also", routing.secondary, routing, spanish))
    elif primary is None:
        lines.append(t("reply.depends", lang, about=about))
        for kind, alt in routing.alternatives:
            who = t("reply.your_cca", lang) if alt.party is None else alt.party.label
            case = t("reply.case_cca" if kind == "cca" else "reply.case_not", lang)
            contact = f" ({contact_line(alt.party, routing.topic, routing.subtopic, spanish)})" if alt.party else ""
            reason = translate(alt.reason, lang)
            lines.append(t("reply.alternative", lang, case=case, who=who, contact=contact, reason=reason))
        lines.append(t("reply.bill_names", lang))
    else:
        where = t("reply.where", lang, place=place) if place else ""
        if place and routing.probable:
            where += t("reply.probable", lang)
        lines.append(_party_sentence("reply.for", primary, routing, spanish, about=about, where=where))
        if routing.secondary is not None:
            lines.append(_party_sentence("reply.also", routing.secondary, routing, spanish))
    if routing.delivery_note:
        note = translate(routing.delivery_note, lang)
        lines.append(t("reply.note", lang, note=f"{note[0].upper()}{note[1:]}"))
    lines.extend(translate(note, lang) for note in routing.notes)
    return "\n".join(lines)


SAFETY_KEYS = ("downed_line", "wire_on_vehicle", "electrical_injury_or_fire", "gas_smell")


def safety_guidance(key: str, table: RoleTable | None = None) -> str | None:
    """The seeded, sourced safety text: ``downed_line`` (100 feet, 911, then the outage line),
    ``wire_on_vehicle``, ``electrical_injury_or_fire`` or ``gas_smell`` (leave, 911 and the gas company)."""
    item = (table or role_table()).guidance.get(key)
    return item.text if item is not None and item.kind == "safety" else None


def person_contact(party: PartyInfo, topic: Topic | None = None, spanish: bool = False) -> str:
    """For "can I talk to a person at X": how to reach that party's people."""
    return t("person", _lang(spanish), party=party.label, contact=contact_line(party, topic, spanish=spanish))


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
