"""Whole conversations through the REST channel of a running assistant (NLU, policies, actions, role table)."""

from __future__ import annotations

import pytest

from bot.inquiries import inquiries_for
from tooling.rest_client import RasaClient

pytestmark = pytest.mark.servers


def texts(replies):
    return " ".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize(
    "message,topic,party,expected_in_reply",
    [
        ("my lights went out twenty minutes ago", "outage", "SCE", "1-800-611-1911"),
        ("can I change the due date on my electric bill", "billing", "SCE", "Southern California Edison"),
        ("did Edison pause disconnections during the covid pandemic", "covid_relief", "SCE", "temporary"),
        (
            "who is in charge of the statewide high voltage grid",
            "transmission",
            "CAISO",
            "California Independent System Operator",
        ),
        (
            "our city council wants to launch a community choice aggregator",
            "become_cca",
            "CPUC",
            "Public Utilities Commission",
        ),
        ("I live in Irvine, who generates my electricity", "generation", "CCA", "1-866-262-7693"),
        ("how do I opt out of Desert Community Energy", "enrollment", "CCA", "1-855-357-9240"),
        ("I'm in Norco, is my electricity green", "generation", "SCE", "Western Community Energy"),
        ("my power is out in Pasadena", "outage", None, "not served by SCE"),
    ],
)
def test_first_message_is_routed(client: RasaClient, sender, message, topic, party, expected_in_reply):
    replies = client.send(sender, message)
    assert expected_in_reply in texts(replies)
    slots = client.slots(sender)
    assert (slots["inquiry_topic"], slots["responsible_party"]) == (topic, party)


def test_city_is_asked_with_a_dont_know_button_then_used(client: RasaClient, sender):
    ask = client.send(sender, "where does my electricity come from")
    assert "Which city" in texts(ask)
    assert {"title": "I don't know", "payload": "/dont_know"} in ask[-1]["buttons"]
    answer = client.send(sender, "santa monca")
    assert "Clean Power Alliance" in texts(answer) and "1-888-585-3788" in texts(answer)
    slots = client.slots(sender)
    assert slots["cca"] == "Clean Power Alliance of Southern California"
    assert slots["city"] == "Santa Monica"


def test_unknown_place_is_asked_again_then_dont_know_explains_both(client: RasaClient, sender):
    client.send(sender, "how can I opt out of my CCA")
    again = client.send(sender, "Springfield")
    assert "couldn't find" in texts(again)
    both = client.send(sender, "/dont_know")
    assert "If your city is in a CCA" in texts(both) and "1-800-655-4555" in texts(both)
    assert client.tracker(sender)["active_loop"] in ({}, {"name": None}) or not client.tracker(sender)[
        "active_loop"
    ].get("name")


def test_change_of_city_and_a_second_question(client: RasaClient, sender):
    client.send(sender, "who provides the power for my home")
    assert "Orange County Power Authority" in texts(client.send(sender, "Fullerton"))
    moved = client.send(sender, "what about Huntington Beach?")
    assert "Southern California Edison" in texts(moved) and "Orange County Power Authority until July 2024" in texts(
        moved
    )
    bill = client.send(sender, "why is my bill so high this month")
    assert "Southern California Edison" in texts(bill)
    assert client.slots(sender)["inquiry_topic"] == "billing"
    assert "welcome" in texts(client.send(sender, "thanks!")).lower()


def test_a_new_question_while_the_city_is_asked(client: RasaClient, sender):
    assert "Which city" in texts(client.send(sender, "is my power renewable"))
    outage = client.send(sender, "actually forget that, the power is out at my house")
    assert "1-800-611-1911" in texts(outage)
    assert client.slots(sender)["inquiry_topic"] == "outage"


@pytest.mark.parametrize("message", ["what's a good recipe for lasagna", "book me a table for two tonight"])
def test_out_of_scope_is_redirected(client: RasaClient, sender, message):
    reply = texts(client.send(sender, message))
    assert "outages" in reply and "forming a CCA" in reply
    assert client.slots(sender)["responsible_party"] is None


def test_request_human_after_a_cca_answer_gives_the_cca_number(client: RasaClient, sender):
    client.send(sender, "how do I leave Clean Power Alliance")
    assert "1-888-585-3788" in texts(client.send(sender, "I want to speak to a real person"))


def test_routed_inquiries_are_recorded(client: RasaClient, sender):
    client.send(sender, "I live in Irvine, who generates my electricity")
    client.send(sender, "there's a tree on the power line")
    rows = inquiries_for(sender)
    assert [(r.topic, r.party, r.place, r.channel) for r in rows] == [
        ("generation", "CCA", "Irvine", "rest"),
        ("outage", "SCE", "Irvine", "rest"),
    ]
