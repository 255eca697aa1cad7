"""Safety first and a conversation that listens (issue 16), through the REST channel of a real stack.

Each test is a finding from customers' trials: the quoted messages plus variants written apart from them.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest

from tooling.rest_client import RasaClient

pytestmark = pytest.mark.servers


def texts(replies: List[Dict[str, Any]]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}"


# The safety instruction's key phrases, word for word (domain.yml, utter_safety_hazard).
STAY_AWAY = "Stay at least 100 feet away"
CALL_911 = "Call 911 now"
STAY_IN_CAR = "stay inside until crews say it's safe"


@pytest.mark.parametrize(
    "message",
    [
        "there's a power line down in the street in front of my house and it's sparking",
        "a live wire is hanging low next to the school, should I call 911?",
        "sparks coming off the wire that fell in my backyard",
        "the transformer on the pole is on fire",
    ],
)
def test_dangerous_wires_get_the_safety_instruction_before_the_routing(client: RasaClient, message):
    sender = new_sender()
    replies = client.send(sender, message)
    first = replies[0]["text"]
    assert STAY_AWAY in first and CALL_911 in first
    assert "1-800-611-1911" in texts(replies)
    slots = client.slots(sender)
    assert (slots["inquiry_topic"], slots["responsible_party"]) == ("outage", "SCE")


@pytest.mark.parametrize(
    "message", ["a power line fell on my car and I'm still inside it", "wire came down on our truck with us in it"]
)
def test_a_wire_on_a_car_says_stay_inside(client: RasaClient, message):
    replies = client.send(new_sender(), message)
    assert STAY_IN_CAR in replies[0]["text"]


def test_moving_the_wire_is_answered_with_safety_not_out_of_scope(client: RasaClient):
    sender = new_sender()
    client.send(sender, "there's a power line down in the street in front of my house and it's sparking")
    replies = client.send(sender, "should i move it off the sidewalk?")
    assert "never try to move it" in texts(replies)
    assert "outside what I can help with" not in texts(replies)


@pytest.mark.parametrize("message", ["I smell gas near my meter", "it smells like rotten eggs by the stove"])
def test_a_gas_smell_sends_to_911_and_the_gas_company(client: RasaClient, message):
    replies = client.send(new_sender(), message)
    reply = texts(replies)
    assert "911" in reply and "gas company" in reply and "leave the area" in reply
    assert "1-800-611-1911" not in reply


def test_spanish_hazard_gets_the_spanish_instruction(client: RasaClient):
    replies = client.send(new_sender(), "hay un cable caído en la calle y está echando chispas")
    assert "Aléjese por lo menos 100 pies" in replies[0]["text"] and "911" in replies[0]["text"]


def test_outage_follow_ups_are_answered_for_what_was_asked(client: RasaClient):
    sender = new_sender()
    first = texts(client.send(sender, "power out"))
    restoration = texts(client.send(sender, "how long till its back"))
    todo = texts(client.send(sender, "wat do i do"))
    again = texts(client.send(sender, "when will it come back??"))
    assert "restoration" in restoration and "forming" not in restoration
    assert "While the power is out" in todo
    assert "restoration" in again
    assert first != restoration != todo != again  # no block repeated word for word in a row
    assert client.slots(sender)["inquiry_topic"] == "outage"


def test_the_same_question_twice_is_not_answered_word_for_word(client: RasaClient):
    sender = new_sender()
    first = texts(client.send(sender, "who do I call about my bill"))
    second = texts(client.send(sender, "who do I call about my bill"))
    assert first != second and "Southern California Edison" in second


def test_enrollment_follow_ups(client: RasaClient):
    sender = new_sender()
    client.send(sender, "I want to opt out of Clean Power Alliance")
    cost = texts(client.send(sender, "will it cost me anything to leave?"))
    pay = texts(client.send(sender, "do I still mail my check to Edison?"))
    cca = texts(client.send(sender, "what even is a CCA?"))
    assert "60 days" in cost and "Clean Power Alliance" in cost
    assert "one bill from SCE" in pay
    assert "Community Choice Aggregator (CCA) is a public agency" in cca


def test_two_questions_in_one_message_are_both_answered(client: RasaClient):
    replies = texts(client.send(new_sender(), "my power is out and also why is my bill so high"))
    assert "1-800-611-1911" in replies and "your bill" in replies


def test_a_city_in_the_first_message_is_used(client: RasaClient):
    sender = new_sender()
    client.send(sender, "I live in Anaheim, where does my power come from?")
    slots = client.slots(sender)
    assert slots["city"] == "Anaheim" and slots.get("requested_slot") != "city"


def test_a_correction_changes_the_city_of_the_question(client: RasaClient):
    sender = new_sender()
    client.send(sender, "who supplies my electricity in Santa Monica")
    assert client.slots(sender)["cca"] == "Clean Power Alliance of Southern California"
    client.send(sender, "oops no, Claremont")
    slots = client.slots(sender)
    assert slots["city"] == "Claremont" and slots["inquiry_topic"] == "generation"


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("how do I sign up for CARE", "1-800-798-5723"),
        ("I'm insulin dependent and need Medical Baseline", "1-800-798-5723"),
    ],
)
def test_assistance_programs_go_to_sce_even_in_a_cca_city(client: RasaClient, message, number):
    sender = new_sender()
    replies = texts(client.send(sender, f"{message}, I live in Santa Monica"))
    assert "Southern California Edison" in replies and number in replies
    assert client.slots(sender)["responsible_party"] == "SCE"


@pytest.mark.parametrize("message", ["I want to COMPLAIN", "who do i complain to, the CPUC?"])
def test_complaints_name_the_party_then_the_cpuc_consumer_affairs_branch(client: RasaClient, message):
    reply = texts(client.send(new_sender(), message))
    assert "1-800-649-7570" in reply and "forming" not in reply.lower()


def test_a_rate_plan_name_is_not_a_cca(client: RasaClient):
    sender = new_sender()
    client.send(sender, "what is the TOU-D-PRIME rate plan")
    slots = client.slots(sender)
    assert slots["inquiry_topic"] == "billing" and slots["cca"] is None


def test_no_consecutive_identical_replies_across_a_long_conversation(client: RasaClient):
    sender = new_sender()
    said: List[str] = []
    for message in [
        "power out",
        "power out",
        "how long",
        "why is my bill so high",
        "why is my bill so high",
        "where does my electricity come from",
        "Irvine",
        "where does my electricity come from",
    ]:
        said.extend(r.get("text") or "" for r in client.send(sender, message))
    assert all(a != b for a, b in zip(said, said[1:], strict=False)), said
