"""Slot names shared by the domain, the actions, the evaluation and the tests (one home per name).

``inquiry_topic``, ``responsible_party``, ``cca`` and ``requested_slot`` == ``city`` are the
evaluation contract: outside evaluations read them from ``/conversations/<id>/tracker``.
"""

from __future__ import annotations


class Slot:
    """Names of the domain's slots; tests/test_domain_consistency.py checks them against domain.yml."""

    CITY = "city"
    CCA = "cca"
    CITY_UNKNOWN = "city_unknown"
    TOPIC = "inquiry_topic"
    PARTY = "responsible_party"
    NEEDS_CITY = "needs_city"
    CLARIFYING = "clarifying"  # the last reply asked "is this about X or Y?"
    SUBTOPIC = "subtopic"
    LANGUAGE = "language"
    CITY_ATTEMPTS = "city_attempts"
    LAST_REPLY = "last_reply"  # a digest of the last routed reply, so a follow-up is not answered word for word
    PENDING_QUESTION = "pending_question"  # a second question waiting for the city question or a click

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return tuple(v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str))
