"""Callback requests through the whole assistant: REST channel, NLU, rules, the form, the action server,
the outbox and a real loopback receiver; and the action server killed between filing and delivery.

The model must include the hand-off domain (make train). ``HANDOFF_E2E_MODEL`` points to another model.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests

from bot.config import MODEL_PATH
from bot.handoff.models import ConversationEvent, HandoffTicket
from bot.handoff.receiver import Receiver
from tooling.handoff_checks import REFERENCE, for_reference, rows, signed_as_documented
from tooling.rest_client import RasaClient
from tooling.servers import Stack, running_stack, seeded_sqlite

pytestmark = pytest.mark.servers

SECRET = "e2e-handoff-secret-42"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver(secret=SECRET.encode()).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def role_db(tmp_path_factory) -> str:
    return seeded_sqlite(tmp_path_factory.mktemp("handoff-e2e") / "roles.db")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, receiver, role_db) -> Iterator[Stack]:
    model = Path(os.environ.get("HANDOFF_E2E_MODEL") or MODEL_PATH)
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `make train` first (make test does it)")
    extra = {
        "DATABASE_URL": role_db,
        "HANDOFF_WEBHOOK_URL": receiver.url,
        "HANDOFF_WEBHOOK_SECRET": SECRET,
        "HANDOFF_RETRY_BASE_SECONDS": "0.3",
        "HANDOFF_RETRY_MAX_SECONDS": "1",
        "HANDOFF_POLL_SECONDS": "1",
    }
    with running_stack(Path(tmp_path_factory.mktemp("handoff-stack")), model=model, extra_env=extra) as running:
        domain = requests.get(
            f"{running.url}/domain", params={"token": running.token}, headers={"Accept": "application/json"}, timeout=30
        ).json()
        if "handoff_form" not in domain.get("forms", {}):
            pytest.fail(f"{model} was trained before the hand-off domain: run `make train`")
        yield running


@pytest.fixture(scope="module")
def client(stack: Stack) -> RasaClient:
    return RasaClient(stack.url, stack.token)


@pytest.fixture
def sender() -> str:
    return f"handoff-{uuid.uuid4().hex[:12]}"


def texts(replies: List[Dict[str, Any]]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def payloads(replies: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def offer_accepted(client: RasaClient, sender: str, question: str, party_phrase: str) -> None:
    """Ask ``question``, ask for a person, get the offer naming ``party_phrase``, accept it."""
    client.send(sender, question)
    human = client.send(sender, "I want to speak to a real person")
    assert f"Would you like {party_phrase} to contact you?" in texts(human)
    assert payloads(human)[-2:] == ["/affirm", "/deny"]
    assert "What name should" in texts(client.send(sender, "/affirm"))


def test_sce_billing_callback_arrives_signed_and_once(client, receiver, role_db, stack, sender):
    offer_accepted(client, sender, "why did my bill double this month", "SCE")
    assert "What phone number or e-mail address" in texts(client.send(sender, "Maria Lopez"))
    again = texts(client.send(sender, "626-302-121"))
    assert "has 9 digits" in again and "What phone number or e-mail address" in again  # asked again
    summary = client.send(sender, "626-302-1212")
    assert "Here is what I'll send to Southern California Edison (SCE)" in texts(summary)
    assert "why did my bill double this month" in texts(summary) and payloads(summary) == ["/affirm", "/deny"]
    assert rows(role_db, HandoffTicket, sender) == []  # nothing stored before the confirmation
    done = texts(client.send(sender, "/affirm"))
    match = REFERENCE.search(done)
    assert match, done
    reference = match.group(1)
    wait_for(lambda: len(for_reference(receiver, reference)) == 1)
    time.sleep(2.5)  # more delivery passes: still once
    (record,) = for_reference(receiver, reference)
    assert record.status == 200 and signed_as_documented(record, SECRET.encode())
    body = record.json()
    assert body["party"] == {"kind": "SCE", "key": "sce", "name": "Southern California Edison"}
    assert (body["topic"], body["question"], body["channel"]) == (
        "billing",
        "why did my bill double this month",
        "rest",
    )
    assert body["customer"]["name"] == "Maria Lopez" and body["customer"]["phone"] == "626-302-1212"
    (ticket,) = rows(role_db, HandoffTicket, sender)
    assert (ticket.reference, ticket.status) == (reference, "delivered")
    kinds = sorted(e.kind for e in rows(role_db, ConversationEvent, sender))
    assert kinds == ["handoff", "human_request"]
    assert client.slots(sender)["handoff_name"] is None  # forgotten once filed
    log = stack.actions.log.read_text(encoding="utf-8", errors="replace")
    assert "626-302-1212" not in log and "Maria Lopez" not in log


def test_cca_generation_callback_goes_to_the_named_cca(client, receiver, role_db, sender):
    offer_accepted(client, sender, "I live in Irvine, who generates my electricity", "Orange County Power Authority")
    client.send(sender, "Sam Park")
    assert "looks incomplete" in texts(client.send(sender, "sam@example"))
    summary = texts(client.send(sender, "sam@example.org"))
    assert "Orange County Power Authority" in summary and "Place: Irvine" in summary
    match = REFERENCE.search(texts(client.send(sender, "/affirm")))
    assert match
    wait_for(lambda: len(for_reference(receiver, match.group(1))) == 1)
    body = for_reference(receiver, match.group(1))[0].json()
    assert (body["party"]["kind"], body["party"]["key"]) == ("CCA", "ocpa")
    assert body["party"]["name"] == "Orange County Power Authority"
    assert (body["topic"], body["place"]) == ("generation", "Irvine")
    assert body["question"] == "I live in Irvine, who generates my electricity"
    assert body["customer"]["email"] == "sam@example.org"


def test_consent_refused_stores_nothing(client, role_db, sender):
    client.send(sender, "why did my bill double this month")
    assert "Would you like SCE to contact you?" in texts(client.send(sender, "I want to speak to a real person"))
    assert "won't pass anything on" in texts(client.send(sender, "/deny"))
    # "no thanks" in the middle of the form leaves cleanly too.
    client.send(sender, "I want to speak to a real person")
    client.send(sender, "/affirm")
    assert "nothing was sent" in texts(client.send(sender, "never mind"))
    assert rows(role_db, HandoffTicket, sender) == []
    assert [e.kind for e in rows(role_db, ConversationEvent, sender)] == ["human_request", "human_request"]
    # A later "yes" is not taken as consent.
    assert "What name should" not in texts(client.send(sender, "yes"))


def test_action_server_killed_between_filing_and_delivery(client, receiver, role_db, stack, sender):
    port = receiver.port
    receiver.stop()  # the party's system is down when the ticket is filed
    offer_accepted(client, sender, "why did my bill double this month", "SCE")
    client.send(sender, "Ana Ruiz")
    client.send(sender, "ana@example.org")
    match = REFERENCE.search(texts(client.send(sender, "/affirm")))
    assert match
    reference = match.group(1)
    wait_for(lambda: rows(role_db, HandoffTicket, sender)[0].attempts >= 1)
    assert rows(role_db, HandoffTicket, sender)[0].status == "pending"
    stack.actions.kill()  # kill -9: no shutdown hooks
    receiver.port = port
    receiver.start()
    time.sleep(1.0)
    assert for_reference(receiver, reference) == []  # nobody is left to send it...
    stack.actions.start()  # ...until the action server is back: its delivery loop starts with it
    wait_for(lambda: len(for_reference(receiver, reference)) == 1, timeout=60)
    time.sleep(2.5)
    (record,) = for_reference(receiver, reference)
    assert signed_as_documented(record, SECRET.encode()) and record.json()["customer"]["email"] == "ana@example.org"
    assert rows(role_db, HandoffTicket, sender)[0].status == "delivered"


@pytest.mark.parametrize(
    "question,expected",
    [
        ("actually, is there an outage in my area right now", "1-800-611-1911"),
        ("there's a power line down in the street and it's sparking", "Stay at least 100 feet away"),
    ],
)
def test_a_new_question_during_the_request_ends_it_and_is_answered(client, role_db, sender, question, expected):
    offer_accepted(client, sender, "why did my bill double this month", "SCE")
    answer = texts(client.send(sender, question))
    assert expected in answer and "What name should" not in answer
    assert rows(role_db, HandoffTicket, sender) == []
    slots = client.slots(sender)
    assert slots["handoff_confirmed"] is None and slots["inquiry_topic"] == "outage"
