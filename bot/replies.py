"""Turn a :class:`~bot.routing.Routing` into the words the customer reads."""

from __future__ import annotations

from typing import List

from bot.repository import PartyInfo
from bot.routing import Assignment, Routing
from bot.topics import Topic

_TOPIC_PHRASES = {
    Topic.BILLING: "your bill",
    Topic.OUTAGE: "power outages",
    Topic.GENERATION: "where your electricity comes from and its generation rates",
    Topic.COVID_RELIEF: "COVID-19 payment relief",
    Topic.ENROLLMENT: "enrolling in or opting out of a CCA",
    Topic.TRANSMISSION: "the transmission grid",
    Topic.BECOME_CCA: "forming a Community Choice Aggregator",
}

HELP_TOPICS = (
    "your bill, power outages, where your electricity comes from, COVID-19 payment relief, "
    "opting in or out of a CCA, the transmission grid, and forming a CCA"
)


def contact_line(party: PartyInfo, topic: Topic | None = None) -> str:
    """Phone and web details; outage questions get SCE's outage line."""
    parts: List[str] = []
    if topic is Topic.OUTAGE and party.outage_phone:
        parts.append(f"outage line {party.outage_phone}")
        if party.outage_web:
            parts.append(f"outage map {party.outage_web}")
    elif party.phone:
        parts.append(f"phone {party.phone}")
    if party.email:
        parts.append(f"email {party.email}")
    if party.website and not (topic is Topic.OUTAGE and party.outage_web):
        parts.append(party.website)
    if party.kind == "CPUC" and topic is Topic.BECOME_CCA and party.info_web:
        parts.append(f"CCA guidance: {party.info_web}")
    if not parts:
        return "we have no published phone or website for it on record; your city hall can put you in touch"
    return ", ".join(parts)


def _party_sentence(assignment: Assignment, topic: Topic) -> str:
    party = assignment.party
    assert party is not None
    return f"{party.label} — {contact_line(party, topic)}. {assignment.reason}"


def render(routing: Routing) -> str:
    """The answer for a decided routing, or the both-cases explanation when the CCA is unknown."""
    topic = routing.topic
    lines: List[str] = []
    place = routing.place.place.name if routing.place and routing.place.place else None
    if routing.customer == "outside":
        utility = routing.outside_utility or "its own municipal utility"
        lines.append(
            f"{place} is not served by SCE, so neither SCE nor a Community Choice Aggregator handles it. "
            f"The electric utility there is {utility}; please contact them about {_TOPIC_PHRASES[topic]}."
        )
    elif routing.primary is None:
        lines.append(f"Who handles {_TOPIC_PHRASES[topic]} depends on whether your address is in a CCA:")
        for kind, alt in routing.alternatives:
            who = "your CCA" if alt.party is None else alt.party.label
            case = "If your city is in a CCA" if kind == "cca" else "If it is not"
            contact = f" ({contact_line(alt.party, topic)})" if alt.party else ""
            lines.append(f"- {case}: {who}{contact}. {alt.reason}")
        lines.append("Your SCE bill names your generation provider, and I can check a city for you any time.")
    else:
        where = f" in {place}" if place else ""
        lines.append(f"For {_TOPIC_PHRASES[topic]}{where}, contact {_party_sentence(routing.primary, topic)}")
        if routing.secondary is not None:
            lines.append(f"Also involved: {_party_sentence(routing.secondary, topic)}")
    if routing.historical:
        lines.append(
            "Note: that COVID-19 relief was announced in 2020 as temporary and is not current policy; "
            "SCE can tell you which payment help is available today."
        )
    lines.extend(routing.notes)
    return "\n".join(lines)


def unknown_place_message(query: str, suggestions: List[str]) -> str:
    # One printable line: the query is echoed back to chats and terminals.
    shown = " ".join("".join(ch if ch.isprintable() else " " for ch in query).split())[:60] or "that"
    text = f"I couldn't find “{shown}” among the cities and communities I know in SCE's territory."
    if suggestions:
        text += (
            " Did you mean "
            + ", ".join(suggestions[:-1])
            + (" or " if len(suggestions) > 1 else "")
            + suggestions[-1]
            + "?"
        )
    return text
