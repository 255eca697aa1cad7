"""Cues that refine an answer: subtopics, follow-ups within a topic, a second question."""

from __future__ import annotations

import pytest

from bot.cues import FollowUp, follow_up_of, second_topic, subtopic_of
from bot.topics import Subtopic, Topic


@pytest.mark.parametrize(
    ("text", "topic", "expected"),
    [
        ("how do I enroll in CARE", Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS),
        ("I'm on oxygen, can I get Medical Baseline?", Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS),
        ("I need a payment arrangement", Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS),
        ("FERA application", Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS),
        ("quiero el descuento CARE", Topic.BILLING, Subtopic.ASSISTANCE_PROGRAMS),
        ("how do net metering credits work with my rooftop solar", Topic.BILLING, Subtopic.NET_METERING),
        ("who handles battery interconnection", Topic.TRANSMISSION, Subtopic.NET_METERING),
        ("who approves SCE's rate increases", Topic.BILLING, Subtopic.RATE_APPROVAL),
    ],
)
def test_subtopics(text, topic, expected):
    assert subtopic_of(text, topic) is expected


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I take care of my mother's bill", Topic.BILLING),  # "care" is not CARE
        ("who sets the price of the energy I buy", Topic.GENERATION),  # the CCA, not a rate approval
        ("does my power come from solar", Topic.GENERATION),
        ("why is my bill so high", Topic.BILLING),
    ],
)
def test_no_subtopic(text, topic):
    assert subtopic_of(text, topic) is None


@pytest.mark.parametrize(
    ("text", "kind", "topic"),
    [
        ("how long till its back", FollowUp.RESTORATION, Topic.OUTAGE),
        ("when will it come back??", FollowUp.RESTORATION, Topic.OUTAGE),
        ("wat do i do", FollowUp.WHAT_TO_DO, Topic.OUTAGE),
        ("will it cost me anything to leave?", FollowUp.COST_TO_LEAVE, Topic.ENROLLMENT),
        ("do I still mail my check to Edison?", FollowUp.STILL_PAY_SCE, Topic.BILLING),
        ("what even is a CCA?", FollowUp.WHAT_IS_CCA, Topic.GENERATION),
        ("¿cuánto tiempo tarda en volver la luz?", FollowUp.RESTORATION, Topic.OUTAGE),
    ],
)
def test_follow_ups(text, kind, topic):
    assert follow_up_of(text) == (kind, topic)


def test_two_questions_in_one_message():
    assert second_topic("my power is out and also why is my bill so high", Topic.OUTAGE) == (
        Topic.BILLING,
        "why is my bill so high",
    )
    found = second_topic("why is my bill so high? also my power is out", Topic.BILLING)
    assert found is not None and found[0] is Topic.OUTAGE


def test_one_question_has_no_second_topic():
    assert second_topic("my power is out since this morning", Topic.OUTAGE) is None
    assert second_topic("my bill is high. can you explain the charges?", Topic.BILLING) is None


@pytest.mark.parametrize("text", ["should i move it off the sidewalk?", "can I touch it", "¿puedo moverlo?"])
def test_touching_or_moving_a_wire_is_the_safety_follow_up(text):
    assert follow_up_of(text) == (FollowUp.SAFETY, Topic.OUTAGE)


@pytest.mark.parametrize(
    "text", ["I want to move to Irvine", "move my service to a new address", "quiero quitar el cargo"]
)
def test_moving_house_is_not_the_safety_follow_up(text):
    assert follow_up_of(text) is None
