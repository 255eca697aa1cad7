"""The inquiry topics the assistant routes, shared by NLU, actions and the evaluation."""

from __future__ import annotations

from enum import Enum


class Topic(str, Enum):
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


TOPIC_NAMES = tuple(t.value for t in Topic)
OUT_OF_SCOPE = "out_of_scope"
