"""Hand-off tickets travel from the outbox to a real loopback receiver: signed, retried, delivered once."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from typing import Callable, Iterator

import pytest
from sqlalchemy import select, update

from bot import cli, db
from bot.handoff import delivery
from bot.handoff.models import ConversationEvent, HandoffTicket, forget_schema
from bot.handoff.receiver import Receiver
from bot.handoff.targets import target_for, url_problem, usable_target
from bot.handoff.tickets import TicketDraft, file_ticket, purge, tickets
from tooling.handoff_checks import signed_as_documented

SECRET = b"test-secret-0123456789"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def outbox(request, monkeypatch) -> Iterator[str]:
    """An empty database (SQLite and PostgreSQL: the outbox needs no role table) with fast retries."""
    url = request.getfixturevalue(f"{request.param}_url")
    db.reset()
    forget_schema()
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("HANDOFF_WEBHOOK_URL", "HANDOFF_WEBHOOK_SECRET", "HANDOFF_TARGETS_FILE", "HANDOFF_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HANDOFF_RETRY_BASE_SECONDS", "0.1")
    monkeypatch.setenv("HANDOFF_RETRY_MAX_SECONDS", "0.4")
    monkeypatch.setenv("HANDOFF_POLL_SECONDS", "0.2")
    monkeypatch.setenv("HANDOFF_TIMEOUT_SECONDS", "2")
    yield url
    delivery.stop_worker()  # before the database goes away
    db.reset()
    forget_schema()


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    """A loopback receiver that checks signatures; HANDOFF_WEBHOOK_URL points at it."""
    running = Receiver(secret=SECRET).start()
    monkeypatch.setenv("HANDOFF_WEBHOOK_URL", running.url)
    monkeypatch.setenv("HANDOFF_WEBHOOK_SECRET", SECRET.decode())
    yield running
    running.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


SCE_BILLING = TicketDraft(
    conversation_id="conv-sce",
    channel="rest",
    party_kind="SCE",
    party_key="sce",
    party_name="Southern California Edison",
    topic="billing",
    place="Irvine",
    question="why did my bill double this month",
    contact_name="Maria Lopez",
    contact_phone="626-302-1212",
    language="en",
)
CPA_GENERATION = TicketDraft(
    conversation_id="conv-cpa",
    channel="socketio",
    party_kind="CCA",
    party_key="cpa",
    party_name="Clean Power Alliance of Southern California",
    topic="generation",
    place="Santa Monica",
    question="where does my electricity come from",
    contact_name="Sam Park",
    contact_email="sam@example.org",
    language="en",
    cca="Clean Power Alliance of Southern California",
)


def stored(reference: str) -> HandoffTicket:
    with db.session_factory().begin() as session:
        return session.scalars(select(HandoffTicket).where(HandoffTicket.reference == reference)).one()


@pytest.mark.parametrize("draft", [SCE_BILLING, CPA_GENERATION], ids=["sce-billing", "cca-generation"])
def test_a_ticket_arrives_signed_and_once(outbox, receiver, draft):
    filed = file_ticket(draft)
    delivery.wake_worker()
    wait_for(lambda: stored(filed.reference).status == "delivered")
    time.sleep(0.6)  # several more passes of the loop: nothing is sent again
    assert len(receiver.requests) == 1
    record = receiver.requests[0]
    assert record.status == 200 and signed_as_documented(record, SECRET)
    assert record.headers["idempotency-key"] == filed.idempotency_key
    assert record.headers["x-handoff-reference"] == filed.reference
    body = record.json()
    assert body["reference"] == filed.reference
    assert body["party"] == {"kind": draft.party_kind, "key": draft.party_key, "name": draft.party_name}
    assert (body["topic"], body["place"], body["question"]) == (draft.topic, draft.place, draft.question)
    assert body["customer"]["name"] == draft.contact_name
    assert (body["customer"]["phone"], body["customer"]["email"]) == (draft.contact_phone, draft.contact_email)
    sent_at = dt.datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert abs((sent_at - filed.created_at).total_seconds()) < 0.01
    ticket = stored(filed.reference)
    assert (ticket.attempts, ticket.last_error) == (1, None)
    assert tickets() == []


def test_the_filed_ticket_is_logged_as_a_handoff_event_without_contact_details(outbox):
    file_ticket(CPA_GENERATION)
    with db.session_factory().begin() as session:
        events = session.scalars(select(ConversationEvent)).all()
        assert [(e.kind, e.party, e.cca, e.topic, e.place) for e in events] == [
            ("handoff", "CCA", "Clean Power Alliance of Southern California", "generation", "Santa Monica")
        ]
    assert "sam@example.org" not in repr(CPA_GENERATION) and "Sam Park" not in repr(CPA_GENERATION)


def test_receiver_down_for_a_while_then_delivered_once(outbox, receiver, caplog):
    port = receiver.port
    receiver.stop()
    filed = file_ticket(SCE_BILLING)
    delivery.wake_worker()
    wait_for(lambda: stored(filed.reference).attempts >= 3)
    ticket = stored(filed.reference)
    assert ticket.status == "pending" and ticket.last_error == "ConnectionError"
    back = Receiver(secret=SECRET, port=port).start()
    try:
        wait_for(lambda: stored(filed.reference).status == "delivered")
        time.sleep(0.6)
        assert len(back.requests) == 1 and signed_as_documented(back.requests[0], SECRET)
        assert back.requests[0].json()["reference"] == filed.reference
    finally:
        back.stop()
    assert "626-302-1212" not in caplog.text and "Maria" not in caplog.text  # never in the logs


def test_an_error_answer_is_retried_until_acknowledged(outbox, receiver):
    receiver.fail_next = 2
    filed = file_ticket(SCE_BILLING)
    delivery.wake_worker()
    wait_for(lambda: stored(filed.reference).status == "delivered")
    time.sleep(0.5)
    assert [r.status for r in receiver.requests] == [503, 503, 200]
    assert len({r.headers["idempotency-key"] for r in receiver.requests}) == 1
    assert stored(filed.reference).attempts == 3


def test_two_delivery_loops_never_send_the_same_ticket_twice(outbox, receiver):
    receiver.delay = 0.5
    filed = file_ticket(SCE_BILLING)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(delivery.deliver_due(force=True))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(receiver.requests) == 1
    assert sum(len(r.delivered) for r in reports) == 1
    assert stored(filed.reference).status == "delivered"


def test_a_resend_after_a_lost_acknowledgement_carries_the_same_idempotency_key(outbox, receiver):
    filed = file_ticket(SCE_BILLING)
    delivery.deliver_due()
    # The process died after the receiver acknowledged, before the ticket was marked delivered.
    with db.session_factory().begin() as session:
        session.execute(update(HandoffTicket).values(status="pending", delivered_at=None))
    delivery.deliver_due(force=True)
    assert [r.headers["idempotency-key"] for r in receiver.requests] == [filed.idempotency_key] * 2
    assert list(receiver.accepted) == [filed.idempotency_key]  # the receiver acted once


def test_each_target_signs_with_its_own_secret(outbox, monkeypatch, tmp_path):
    sce, cpa = Receiver(secret=b"sce-secret-abcdef").start(), Receiver(secret=b"cpa-secret-abcdef").start()
    try:
        targets = tmp_path / "targets.yml"
        targets.write_text(
            "version: 1\ntargets:\n"
            f"  sce: {{url: '{sce.url}', secret_env: SECRET_SCE}}\n"
            "  cpa: {url: null, url_env: URL_CPA, secret_env: SECRET_CPA}\n"
            "  cpuc: {url: 'http://example.org/hook'}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("HANDOFF_TARGETS_FILE", str(targets))
        monkeypatch.setenv("SECRET_SCE", "sce-secret-abcdef")
        monkeypatch.setenv("SECRET_CPA", "cpa-secret-abcdef")
        monkeypatch.setenv("URL_CPA", cpa.url)
        assert usable_target("cpuc") is None  # plain http to a public host, and no secret
        assert url_problem("http://example.org/hook") and not url_problem("https://example.org/hook")
        assert usable_target("caiso") is None  # not in the file
        first, second = file_ticket(SCE_BILLING), file_ticket(CPA_GENERATION)
        report = delivery.deliver_due()
        assert sorted(report.delivered) == sorted([first.reference, second.reference])
        assert [r.json()["reference"] for r in sce.requests] == [first.reference]
        assert [r.json()["reference"] for r in cpa.requests] == [second.reference]
        assert signed_as_documented(sce.requests[0], b"sce-secret-abcdef")
        assert signed_as_documented(cpa.requests[0], b"cpa-secret-abcdef")
    finally:
        sce.stop()
        cpa.stop()


def test_no_secret_means_nothing_is_sent_unsigned(outbox, monkeypatch, receiver):
    monkeypatch.delenv("HANDOFF_WEBHOOK_SECRET")
    assert target_for("sce") is not None and usable_target("sce") is None
    filed = file_ticket(SCE_BILLING)
    report = delivery.deliver_due()
    assert report.failed == {filed.reference: "no signing secret"} and receiver.requests == []


def test_cli_pending_and_resend(outbox, capsys, monkeypatch):
    filed = file_ticket(SCE_BILLING)
    delivery.deliver_due()  # no target configured: stays pending
    assert cli.main(["handoff", "pending"]) == 0
    out = capsys.readouterr().out
    assert filed.reference in out and "no target" in out
    assert "626-302-1212" not in out and "Maria" not in out and "double" not in out
    assert cli.main(["handoff", "pending", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["reference"], r["attempts"], r["last_error"]) for r in rows] == [(filed.reference, 1, "no target")]
    assert cli.main(["handoff", "resend"]) == 1  # still no target
    capsys.readouterr()
    running = Receiver(secret=SECRET).start()
    try:
        monkeypatch.setenv("HANDOFF_WEBHOOK_URL", running.url)
        monkeypatch.setenv("HANDOFF_WEBHOOK_SECRET", SECRET.decode())
        assert cli.main(["handoff", "resend"]) == 0
        assert f"{filed.reference}: delivered" in capsys.readouterr().out
        assert len(running.requests) == 1 and signed_as_documented(running.requests[0], SECRET)
    finally:
        running.stop()
    assert cli.main(["handoff", "pending"]) == 0
    assert "no pending" in capsys.readouterr().out


def test_purge_deletes_tickets_past_the_retention_period(outbox, monkeypatch, capsys):
    old, recent = file_ticket(SCE_BILLING), file_ticket(CPA_GENERATION)
    with db.session_factory().begin() as session:
        session.execute(
            update(HandoffTicket)
            .where(HandoffTicket.reference == old.reference)
            .values(created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=91))
        )
    assert purge(days=100) == 0
    assert cli.main(["handoff", "purge"]) == 0  # HANDOFF_RETENTION_DAYS defaults to 90
    assert "deleted 1 " in capsys.readouterr().out
    assert [t.reference for t in tickets(status=None)] == [recent.reference]
    monkeypatch.setenv("HANDOFF_RETENTION_DAYS", "0")
    assert cli.main(["handoff", "purge"]) == 2  # a bad setting is an error, not a mass deletion
    assert "HANDOFF_RETENTION_DAYS" in capsys.readouterr().err


def test_backoff_doubles_up_to_the_cap(monkeypatch):
    monkeypatch.setenv("HANDOFF_RETRY_BASE_SECONDS", "10")
    monkeypatch.setenv("HANDOFF_RETRY_MAX_SECONDS", "60")
    delays = [delivery.backoff_seconds(n) for n in (1, 2, 3, 4, 10)]
    for delay, nominal in zip(delays, (10, 20, 40, 60, 60), strict=True):
        assert 0.8 * nominal <= delay <= 1.2 * nominal


def test_a_ticket_needs_a_way_to_reach_the_customer(outbox):
    with pytest.raises(ValueError):
        file_ticket(TicketDraft("c", "rest", "SCE", "sce", "Southern California Edison", None, None, None, "Al"))
    assert tickets(status=None) == []


def test_the_delivery_loop_purges_old_tickets_when_it_starts(outbox, receiver):
    old = file_ticket(SCE_BILLING)
    with db.session_factory().begin() as session:
        session.execute(
            update(HandoffTicket).values(
                status="delivered", created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=120)
            )
        )
    delivery.ensure_worker()
    wait_for(lambda: tickets(status=None) == [])
    assert old.reference and receiver.requests == []
