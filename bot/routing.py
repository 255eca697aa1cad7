"""Routing rules: who is responsible for a topic (or subtopic), given the customer's place or CCA.

Pure Python over a :class:`~bot.repository.RoleTable` snapshot; no Rasa import.

A place has two answers: who supplies the generation (its CCA, or SCE) and who *delivers* it (SCE,
or another utility such as PG&E in northern Santa Barbara County). A responsibility naming SCE goes
to the delivering utility where that is not SCE; a place no part of which SCE serves (LADWP's Los
Angeles, IID's Indio) goes to its utility for every topic. Such a utility is not one of the four
parties the assistant routes to, so :attr:`Routing.party_kind` is ``None`` for it (the
``responsible_party`` slot's "none"), while :attr:`Routing.primary` names it with its contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Tuple

from bot.places import PlaceMatch, resolve_cca, resolve_place
from bot.repository import PartyInfo, ResponsibilityInfo, RoleTable, role_table
from bot.topics import CustomerKind, PartyKind, PlaceStatus, Role, Subtopic, Topic

# Which customer-kind rows apply, most specific first.
_CUSTOMER_CHAIN: Dict[CustomerKind, Tuple[CustomerKind, ...]] = {
    CustomerKind.CCA: (CustomerKind.CCA, CustomerKind.ANY),
    CustomerKind.BUNDLED: (CustomerKind.BUNDLED, CustomerKind.ANY),
    CustomerKind.PENDING_CCA: (CustomerKind.PENDING_CCA, CustomerKind.BUNDLED, CustomerKind.ANY),
    CustomerKind.UNKNOWN: (CustomerKind.ANY,),
    CustomerKind.OTHER_UTILITY: (),
}
# Topics whose answer depends on who supplies the generation: notes about a former or coming CCA go there.
_SUPPLY_TOPICS = frozenset({Topic.GENERATION, Topic.ENROLLMENT, Topic.BILLING})


@dataclass(frozen=True)
class Assignment:
    """One party's part in an answer: who, why, and the source of the why."""

    party_kind: str  # a PartyKind value; UTILITY for a utility other than SCE
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
    customer: str  # a CustomerKind value: cca | bundled | pending_cca | other_utility | unknown
    primary: Assignment | None
    secondary: Assignment | None = None
    needs_city: bool = False
    place: PlaceMatch | None = None
    cca: PartyInfo | None = None
    historical: bool = False
    notes: Tuple[str, ...] = ()
    alternatives: Tuple[Tuple[str, Assignment], ...] = field(default_factory=tuple)
    subtopic: Subtopic | None = None
    delivering_utility: PartyInfo | None = None  # whose wires serve the place (None: no place known)
    also_delivered_by: PartyInfo | None = None  # a 'mixed' place's second utility
    delivery_note: str | None = None  # one short clause naming the mixed part or the IID caveat
    probable: bool = False  # the delivering utility rests on an indirect source: point to the bill

    @property
    def party_kind(self) -> str | None:
        """SCE | CCA | CAISO | CPUC, or None (another utility, or undecided): the ``responsible_party`` slot."""
        if self.primary is None or not PartyKind(self.primary.party_kind).responsible:
            return None
        return str(PartyKind(self.primary.party_kind).value)

    @property
    def outside_utility(self) -> str | None:
        """The utility that serves a place outside SCE's territory, by name."""
        if self.customer == CustomerKind.OTHER_UTILITY and self.delivering_utility is not None:
            return self.delivering_utility.label
        return None

    @property
    def other_delivery(self) -> bool:
        """Another utility, not SCE, delivers the power at the place (PG&E at Orcutt, LADWP in Los Angeles)."""
        return self.delivering_utility is not None and self.delivering_utility.kind != PartyKind.SCE.value

    @property
    def region(self) -> str | None:
        """A county named alone: the caller should ask which city."""
        return self.place.region.name if self.place and self.place.region else None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "topic": self.topic.value,
            "subtopic": self.subtopic.value if self.subtopic else None,
            "on": self.on.isoformat(),
            "customer": str(CustomerKind(self.customer).value),
            "party": self.party_kind,
            "primary": self.primary.to_dict() if self.primary else None,
            "secondary": self.secondary.to_dict() if self.secondary else None,
            "needs_city": self.needs_city,
            "place": self.place.place.name if self.place and self.place.place else None,
            "place_status": self.place.status if self.place else None,
            "region": self.region,
            "suggestion": self.place.suggestion if self.place else None,
            "cca": self.cca.name if self.cca else None,
            "delivering_utility": self.delivering_utility.name if self.delivering_utility else None,
            "also_delivered_by": self.also_delivered_by.name if self.also_delivered_by else None,
            "probable": self.probable,
            "historical": self.historical,
            "outside_utility": self.outside_utility,
            "notes": list(self.notes),
            "alternatives": {kind: a.to_dict() for kind, a in self.alternatives},
        }


def _pick(rules: Tuple[ResponsibilityInfo, ...], role: Role, customer: CustomerKind) -> ResponsibilityInfo | None:
    for kind in _CUSTOMER_CHAIN[customer]:
        for rule in rules:
            if rule.role is role and rule.customer is kind:
                return rule
    return None


@dataclass(frozen=True)
class _Context:
    table: RoleTable
    topic: Topic
    on: dt.date
    customer: CustomerKind
    cca: PartyInfo | None
    utility: PartyInfo  # the delivering utility (SCE when no place is known)
    place_name: str | None


def _template(ctx: _Context, key: str) -> Tuple[str, str]:
    item = ctx.table.guidance.get(f"delivering_utility_{key}")
    if item is None:  # an old seed: a plain sentence
        return f"{ctx.utility.short}, not SCE, delivers the power there.", ""
    text = item.text.format(
        utility=ctx.utility.short,
        place=ctx.place_name or "your area",
        cca=ctx.cca.label if ctx.cca else "the CCA",
    )
    return text, item.sources[0] if item.sources else ""


def _assign(rule: ResponsibilityInfo, ctx: _Context) -> Assignment | None:
    """The party for a row; None when the row needs the CCA and it is not known."""
    kind = rule.party_kind
    if kind is PartyKind.CCA:
        if ctx.cca is None:
            return None
        return Assignment(kind.value, ctx.cca, rule.reason.format(utility=ctx.utility.short), rule.source)
    if kind is PartyKind.SCE and ctx.utility.kind != PartyKind.SCE.value:
        reason, source = _template(ctx, "with_cca" if ctx.cca is not None else "without_cca")
        return Assignment(PartyKind.UTILITY.value, ctx.utility, reason, source or rule.source)
    if kind is PartyKind.TOPIC:
        base = _topic_primary(ctx)
        if base is None or base.party is None:
            return None
        return Assignment(base.party_kind, base.party, rule.reason, rule.source)
    return Assignment(kind.value, ctx.table.party_of_kind(kind.value), rule.reason, rule.source)


def _topic_primary(ctx: _Context) -> Assignment | None:
    rule = _pick(ctx.table.rules.get(ctx.topic.value, ()), Role.PRIMARY, ctx.customer)
    if rule is None or rule.party_kind is PartyKind.TOPIC:
        return None
    return _assign(rule, ctx)


def _former_and_pending_notes(match: PlaceMatch, table: RoleTable, on: dt.date) -> List[str]:
    assert match.place is not None
    name, notes = match.place.name, []
    for key in match.place.former_cca_keys(on):
        former = table.parties[key]
        until = _month(former.dissolved or _left(match, key))
        notes.append(f"{name} was served by {former.name} until {until}; it is back with SCE.")
    for change in match.place.pending:
        if change.expected_by < on:
            continue
        cca = table.parties[change.cca_key]
        if change.certainty == "approved":
            notes.append(
                f"{name} is set to join {cca.name} (service expected {change.expected}); until that starts, "
                "SCE supplies the generation. Your bill shows which one applies."
            )
        else:
            notes.append(
                f"{name} may join {cca.name} (possibly from {change.expected}); until then SCE supplies the generation."
            )
    return notes


def _customer_of_place(match: PlaceMatch, table: RoleTable) -> Tuple[CustomerKind, PartyInfo | None]:
    service = match.service
    if service is None:
        return CustomerKind.UNKNOWN, None
    status = PlaceStatus(service.status)
    if status in (PlaceStatus.CCA, PlaceStatus.PENDING_CCA) and service.party_key:
        return CustomerKind.of(status), table.parties[service.party_key]
    if status is PlaceStatus.OTHER_UTILITY:
        return CustomerKind.OTHER_UTILITY, None
    return CustomerKind.BUNDLED, None


def _left(match: PlaceMatch, key: str) -> dt.date | None:
    assert match.place is not None
    ends = [s.valid_to for s in match.place.services if s.party_key == key and s.valid_to]
    return max(ends) if ends else None


def _month(day: dt.date | None) -> str:
    return day.strftime("%B %Y") if day else "recently"


def _guidance_notes(table: RoleTable, topic: Topic, utility: PartyInfo) -> List[str]:
    """Dated periods for the topic, then today's notes (which quote SCE's lines: only where SCE delivers)."""
    notes = [g.text for g in table.guidance_for(topic.value, "period")]
    if utility.kind == PartyKind.SCE.value:
        notes += [g.text for g in table.guidance_for(topic.value, "note")]
    return notes


def route(
    topic: str,
    place: str | None = None,
    cca: str | None = None,
    on: dt.date | None = None,
    table: RoleTable | None = None,
    subtopic: str | Subtopic | None = None,
) -> Routing:
    """Decide who answers ``topic`` (narrowed by ``subtopic``) for a customer in ``place`` (or of ``cca``).

    ``place`` may be a city, community, neighbourhood or ZIP code. A subtopic uses its own rows of the
    role table when there are any, else the topic's.

    Raises:
        ValueError: ``topic`` is not one of :class:`Topic`, or ``subtopic`` not one of :class:`Subtopic`.
    """
    parsed = Topic.parse(topic)
    sub = Subtopic(str(getattr(subtopic, "value", subtopic)).strip().lower()) if subtopic else None
    table = table or role_table()
    on = on or dt.date.today()
    topic_rules = table.rules.get(parsed.value, ())
    rules = table.subtopic_rules.get(sub.value, ()) if sub else ()
    rules = rules or topic_rules
    historical = any(r.historical for r in topic_rules)
    sce = table.party_of_kind(PartyKind.SCE.value)

    match = resolve_place(place, on=on, table=table) if place else None
    customer, the_cca = CustomerKind.UNKNOWN, None
    notes: List[str] = []
    utility, also, clause, probable = sce, None, None, False
    if match is not None and match.known:
        assert match.place is not None
        customer, the_cca = _customer_of_place(match, table)
        if parsed in _SUPPLY_TOPICS:
            notes += _former_and_pending_notes(match, table, on)
        if match.service is not None:
            utility = table.parties[match.service.delivered_by]
            also = table.parties[match.service.also_delivered_by] if match.service.also_delivered_by else None
            clause = match.service.delivery_note
            probable = match.service.probable
    elif cca:
        the_cca = resolve_cca(cca, table=table)
        if the_cca is not None:
            if the_cca.status == "dissolved":
                notes.append(f"{the_cca.name} closed in {_month(the_cca.dissolved)}; its customers went back to SCE.")
                customer, the_cca = CustomerKind.BUNDLED, None
            else:
                customer = CustomerKind.CCA
    if match is not None and match.place is not None and cca and customer is CustomerKind.CCA:
        named = resolve_cca(cca, table=table)
        if named is not None and the_cca is not None and named.key != the_cca.key:
            notes.append(
                f"The service address decides: {match.place.name} is served by {the_cca.name}, not {named.name}."
            )
    if historical:
        notes += _guidance_notes(table, parsed, utility)
    place_name = match.place.name if match is not None and match.place is not None else None
    base = Routing(
        parsed,
        on,
        customer.value,
        None,
        place=match,
        historical=historical,
        notes=tuple(notes),
        subtopic=sub,
        delivering_utility=utility if match is not None and match.known else None,
        also_delivered_by=also,
        delivery_note=clause,
        probable=probable,
    )
    ctx = _Context(table, parsed, on, customer, the_cca, utility, place_name)

    if customer is CustomerKind.OTHER_UTILITY:
        reason, source = _template(ctx, "mixed" if also is not None else "without_cca")
        return replace(base, primary=Assignment(PartyKind.UTILITY.value, utility, reason, source))

    primary_rule = _pick(rules, Role.PRIMARY, customer)
    primary = _assign(primary_rule, ctx) if primary_rule is not None else None
    if primary is None:
        unknown = _Context(table, parsed, on, CustomerKind.UNKNOWN, None, sce, place_name)
        alternatives: List[Tuple[str, Assignment]] = []
        for kind in (CustomerKind.CCA, CustomerKind.BUNDLED):
            rule = _pick(rules, Role.PRIMARY, kind)
            if rule is None:
                continue
            if rule.party_kind is PartyKind.CCA:
                reason = rule.reason.format(utility=sce.short)
                alternatives.append((kind.value, Assignment(rule.party_kind.value, None, reason, rule.source)))
            elif (assigned := _assign(rule, unknown)) is not None:
                alternatives.append((kind.value, assigned))
        return replace(base, needs_city=True, alternatives=tuple(alternatives))
    secondary_rule = _pick(rules, Role.SECONDARY, customer)
    secondary = _assign(secondary_rule, ctx) if secondary_rule is not None else None
    if secondary is not None and primary.party is not None and secondary.party is primary.party:
        secondary = None
    return replace(base, primary=primary, secondary=secondary, cca=the_cca)
