"""The inquiry topics the assistant routes, shared by NLU, actions, the role table and the evaluation."""

from __future__ import annotations

from enum import Enum


class Topic(str, Enum):
    """What a question is about; the value is the NLU intent and the ``inquiry_topic`` slot."""

    BILLING = "billing"
    OUTAGE = "outage"
    GENERATION = "generation"
    COVID_RELIEF = "covid_relief"
    ENROLLMENT = "enrollment"
    TRANSMISSION = "transmission"
    BECOME_CCA = "become_cca"

    @classmethod
    def parse(cls, value: str | None) -> Topic:
        """Topic from its name; raises ``ValueError`` listing the valid names."""
        try:
            return cls(str(value or "").strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValueError(f"unknown topic {str(value)[:40]!r}; choose one of: {names}") from None


class Subtopic(str, Enum):
    """A narrower question inside a topic whose answer (party or wording) differs from the topic's.

    The ``inquiry_topic`` slot keeps the parent :class:`Topic` (the evaluation contract); the role
    table may hold responsibilities for a subtopic, which then win over the parent topic's.
    """

    ASSISTANCE_PROGRAMS = "assistance_programs"  # CARE, FERA, Medical Baseline, payment arrangements
    NET_METERING = "net_metering"  # rooftop solar and batteries: credits, interconnection
    RATE_APPROVAL = "rate_approval"  # who approves SCE's rates: the CPUC
    COMPLAINT = "complaint"  # the party first, then the CPUC's Consumer Affairs Branch
    HAZARD = "hazard"  # downed or sparking wires: safety first, then SCE's outage line

    @property
    def parent(self) -> Topic:
        return _PARENT[self]


_PARENT = {
    Subtopic.ASSISTANCE_PROGRAMS: Topic.BILLING,
    Subtopic.NET_METERING: Topic.BILLING,
    Subtopic.RATE_APPROVAL: Topic.BILLING,
    Subtopic.COMPLAINT: Topic.BILLING,
    Subtopic.HAZARD: Topic.OUTAGE,
}

TOPIC_NAMES = tuple(t.value for t in Topic)
# Intents that are answered as a topic: a hazard report routes as an outage, a complaint as a bill.
AS_TOPIC = {"report_hazard": Topic.OUTAGE.value, "complaint": Topic.BILLING.value}
OUT_OF_SCOPE = "out_of_scope"


# --- the role table's vocabulary: one word per idea, shared by the seed, routing and replies ---------


class PlaceStatus(str, Enum):
    """Who supplies a place's generation over a period (``place_services.status``)."""

    CCA = "cca"  # a CCA buys the power; the delivering utility (SCE or, e.g., PG&E) delivers it
    BUNDLED = "bundled"  # no CCA: SCE supplies and delivers
    PENDING_CCA = "pending_cca"  # approved to join a CCA, not served by it yet: SCE until then
    OTHER_UTILITY = "other_utility"  # another utility (LADWP, IID, ...) supplies and delivers: not SCE territory
    UNKNOWN = "unknown"  # no place, or no service on that date


class CustomerKind(str, Enum):
    """Which responsibility rows apply to a customer; the same words as :class:`PlaceStatus`."""

    ANY = "any"
    CCA = "cca"
    BUNDLED = "bundled"
    PENDING_CCA = "pending_cca"
    OTHER_UTILITY = "other_utility"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, status: PlaceStatus) -> CustomerKind:
        return cls(status.value)


class PartyKind(str, Enum):
    """Who a customer can be sent to. ``UTILITY`` is any electric utility other than SCE."""

    SCE = "SCE"
    CCA = "CCA"
    CAISO = "CAISO"
    CPUC = "CPUC"
    UTILITY = "UTILITY"
    TOPIC = "TOPIC"  # responsibilities only: "the party that answers the topic itself" (complaints)

    @property
    def responsible(self) -> bool:
        """One of the four parties the assistant routes to (the ``responsible_party`` slot)."""
        return self in (PartyKind.SCE, PartyKind.CCA, PartyKind.CAISO, PartyKind.CPUC)


class Role(str, Enum):
    PRIMARY = "primary"  # route the customer here
    SECONDARY = "secondary"  # also involved


class Confidence(str, Enum):
    CONFIRMED = "confirmed"  # a source names the place with that utility
    PROBABLE = "probable"  # only an indirect source: say so and point to the bill
