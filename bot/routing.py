"""Routing rules: who is responsible for a topic, given the customer's place or CCA.

Pure Python over a :class:`~bot.repository.RoleTable` snapshot; no Rasa import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

from bot.places import PlaceMatch, resolve_cca, resolve_place
from bot.repository import PartyInfo, RoleTable, Rule, role_table
from bot.topics import Topic

# Which customer-kind rules apply, most specific first.
_CUSTOMER_CHAIN = {
    "cca": ("cca", "any"),
    "bundled": ("bundled", "any"),
    "pending": ("pending", "bundled", "any"),
    "unknown": ("any",),
    "outside": (),
}


@dataclass(frozen=True)
class Assignment:
    """One party's part in an answer: who, why, and the source of the why."""

    party_kind: str
    party: PartyInfo | None  # None only for "your CCA" while the CCA is not known
    reason: str
    source: str

    def to_dict(self) -> Dict[str, Any]:
        return {
            "party": self.party_kind,
            "name": self.party.name if self.party else None,
            "contact": self.party.contact_dict() if self.party else None,
            "reason": self.reason,
            "source": self.source,
        }


@dataclass(frozen=True)
class Routing:
    """The routing decision for one inquiry."""

    topic: Topic
    on: dt.date
    customer: str  # cca | bundled | pending | unknown | outside
    primary: Assignment | None
    secondary: Assignment | None = None
    needs_city: bool = False
    place: PlaceMatch | None = None
    cca: PartyInfo | None = None
    historical: bool = False
    notes: Tuple[str, ...] = ()
    alternatives: Tuple[Tuple[str, Assignment], ...] = field(default_factory=tuple)

    @property
    def party_kind(self) -> str | None:
        """SCE | CCA | CAISO | CPUC, or None (outside SCE territory, or undecided)."""
        return self.primary.party_kind if self.primary else None

    @property
    def outside_utility(self) -> str | None:
        if self.customer == "outside" and self.place and self.place.service:
            return self.place.service.utility
        return None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "topic": self.topic.value,
            "on": self.on.isoformat(),
            "customer": self.customer,
            "party": self.party_kind,
            "primary": self.primary.to_dict() if self.primary else None,
            "secondary": self.secondary.to_dict() if self.secondary else None,
            "needs_city": self.needs_city,
            "place": self.place.place.name if self.place and self.place.place else None,
            "place_status": self.place.status if self.place else None,
            "cca": self.cca.name if self.cca else None,
            "historical": self.historical,
            "outside_utility": self.outside_utility,
            "notes": list(self.notes),
            "alternatives": {kind: a.to_dict() for kind, a in self.alternatives},
        }


def _pick(rules: Tuple[Rule, ...], role: str, customer: str) -> Rule | None:
    for kind in _CUSTOMER_CHAIN[customer]:
        for rule in rules:
            if rule.role == role and rule.customer == kind:
                return rule
    return None


def _assign(rule: Rule, table: RoleTable, cca: PartyInfo | None) -> Assignment:
    party = cca if rule.party_kind == "CCA" else table.party_of_kind(rule.party_kind)
    return Assignment(rule.party_kind, party, rule.reason, rule.source)


def _customer_of_place(
    match: PlaceMatch, table: RoleTable, on: dt.date
) -> Tuple[str, PartyInfo | None, Tuple[str, ...]]:
    assert match.place is not None
    service, name = match.service, match.place.name
    notes = []
    for key in match.place.former_cca_keys(on):
        former = table.parties[key]
        until = _month(former.dissolved or _left(match, key))
        notes.append(f"{name} was served by {former.name} until {until}; it is back with SCE.")
    if service is None:
        return "unknown", None, tuple(notes)
    if service.status == "cca" and service.party_key:
        return "cca", table.parties[service.party_key], tuple(notes)
    if service.status == "pending_cca" and service.party_key:
        cca = table.parties[service.party_key]
        notes.append(
            f"{name} is set to join {cca.name} (service expected {service.expected}); until that starts, "
            "SCE supplies the generation. Your bill shows which one applies."
        )
        return "pending", cca, tuple(notes)
    if service.status == "other_utility":
        return "outside", None, tuple(notes)
    return "bundled", None, tuple(notes)


def _left(match: PlaceMatch, key: str) -> dt.date | None:
    assert match.place is not None
    ends = [s.valid_to for s in match.place.services if s.party_key == key and s.valid_to]
    return max(ends) if ends else None


def _month(day: dt.date | None) -> str:
    return day.strftime("%B %Y") if day else "recently"


def route(
    topic: str,
    place: str | None = None,
    cca: str | None = None,
    on: dt.date | None = None,
    table: RoleTable | None = None,
) -> Routing:
    """Decide who answers ``topic`` for a customer in ``place`` (or of ``cca``) on date ``on``.

    Raises:
        ValueError: ``topic`` is not one of :class:`Topic`.
    """
    parsed = Topic.parse(topic)
    table = table or role_table()
    on = on or dt.date.today()
    rules = table.rules.get(parsed.value, ())
    match = resolve_place(place, on=on, table=table) if place else None
    customer, the_cca = "unknown", None
    notes: Tuple[str, ...] = ()
    if match is not None and match.known:
        customer, the_cca, notes = _customer_of_place(match, table, on)
    elif cca:
        the_cca = resolve_cca(cca, table=table)
        if the_cca is not None:
            if the_cca.status == "dissolved":
                notes = (f"{the_cca.name} closed in {_month(the_cca.dissolved)}; its customers went back to SCE.",)
                customer, the_cca = "bundled", None
            else:
                customer = "cca"
    if match is not None and match.place is not None and cca and customer == "cca":
        named = resolve_cca(cca, table=table)
        if named is not None and the_cca is not None and named.key != the_cca.key:
            notes = notes + (
                f"The service address decides: {match.place.name} is served by {the_cca.name}, not {named.name}.",
            )

    historical = any(r.historical for r in rules)
    if customer == "outside":
        return Routing(parsed, on, customer, None, place=match, historical=historical, notes=notes)
    primary_rule = _pick(rules, "primary", customer)
    if primary_rule is None or (primary_rule.party_kind == "CCA" and the_cca is None):
        alternatives = tuple(
            (kind, _assign(rule, table, None))
            for kind in ("cca", "bundled")
            if (rule := _pick(rules, "primary", kind)) is not None
        )
        return Routing(
            parsed,
            on,
            customer,
            None,
            needs_city=True,
            place=match,
            historical=historical,
            notes=notes,
            alternatives=alternatives,
        )
    secondary_rule = _pick(rules, "secondary", customer)
    secondary = None
    if secondary_rule is not None and not (secondary_rule.party_kind == "CCA" and the_cca is None):
        secondary = _assign(secondary_rule, table, the_cca)
    return Routing(
        parsed,
        on,
        customer,
        _assign(primary_rule, table, the_cca),
        secondary=secondary,
        place=match,
        cca=the_cca,
        historical=historical,
        notes=notes,
    )
