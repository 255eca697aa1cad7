"""The action server process and its delivery loop, called over HTTP the way Rasa calls it (no model needed):
a ticket filed while the receiver is down survives ``kill -9`` of the action server and is delivered,
once, when the server is back."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.handoff.models import HandoffTicket
from bot.handoff.receiver import Receiver
from tooling.handoff_checks import signed_as_documented
from tooling.servers import VENV_BIN, Server, base_env, free_port, seeded_sqlite

pytestmark = pytest.mark.servers

SECRET = "action-server-handoff-secret"


@pytest.fixture
def role_db(tmp_path) -> str:
    return seeded_sqlite(tmp_path / "roles.db")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(secret=SECRET.encode()).start()
    yield running
    running.stop()


SERVERS = {
    # rasa-sdk's own server, and the hardened one (actions/server.py) that make run and the stacks start
    "rasa-sdk": lambda port: [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
    "actions.server": lambda port: [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(port)],
}


@pytest.fixture(params=sorted(SERVERS))
def actions(request, tmp_path, role_db, receiver) -> Iterator[Server]:
    if request.param == "actions.server" and not (PROJECT_ROOT / "actions" / "server.py").exists():
        pytest.skip("no actions/server.py")
    env = base_env(
        {
            "DATABASE_URL": role_db,
            "HANDOFF_WEBHOOK_URL": receiver.url,
            "HANDOFF_WEBHOOK_SECRET": SECRET,
            "HANDOFF_RETRY_BASE_SECONDS": "0.3",
            "HANDOFF_RETRY_MAX_SECONDS": "1",
            "HANDOFF_POLL_SECONDS": "1",
        }
    )
    env.pop("ACTION_SERVER_SECRET", None)
    port = free_port()
    command = SERVERS[request.param](port)
    log = tmp_path / "actions.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server("actions", proc, f"http://127.0.0.1:{port}", log, command, env, "/health")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def call(server: Server, action: str, slots: Dict[str, Any], events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """One action call as Rasa sends it."""
    latest: Dict[str, Any] = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    tracker = {
        "sender_id": "conv-kill",
        "slots": slots,
        "latest_message": latest,
        "events": events,
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "handoff_form",
    }
    response = requests.post(
        f"{server.url}/webhook",
        json={"next_action": action, "sender_id": "conv-kill", "tracker": tracker, "domain": {}, "version": "3.6.2"},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def tickets(url: str) -> List[HandoffTicket]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(HandoffTicket)))
    finally:
        engine.dispose()


def test_a_ticket_filed_before_a_crash_is_delivered_after_the_restart(actions, receiver, role_db):
    port = receiver.port
    receiver.stop()
    events: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "why did my bill double this month",
            "parse_data": {
                "text": "why did my bill double this month",
                "intent": {"name": "billing", "confidence": 0.97},
            },
            "input_channel": "rest",
        },
        {"event": "action", "name": "action_route_inquiry"},
    ]
    slots = {
        "inquiry_topic": "billing",
        "responsible_party": "SCE",
        "city": "Irvine",
        "handoff_party": "sce",
        "handoff_name": "Ana Ruiz",
        "handoff_contact": "626-302-1212",
        "handoff_confirmed": "yes",
    }
    answer = call(actions, "action_file_handoff", slots, events)
    text = answer["responses"][0]["text"]
    (ticket,) = tickets(role_db)
    assert ticket.reference in text
    wait_for(lambda: tickets(role_db)[0].attempts >= 1)  # the loop tried: the receiver is down
    assert tickets(role_db)[0].status == "pending"

    actions.kill()  # kill -9, no shutdown hooks
    receiver.port = port
    receiver.start()
    time.sleep(1.5)
    assert receiver.requests == []
    actions.start()  # the loop starts with the server, without a new ticket
    wait_for(lambda: len(receiver.requests) == 1)
    time.sleep(2.5)
    (record,) = receiver.requests
    assert signed_as_documented(record, SECRET.encode())
    body = record.json()
    assert (body["reference"], body["question"]) == (ticket.reference, "why did my bill double this month")
    assert tickets(role_db)[0].status == "delivered"
    log = Path(actions.log).read_text(encoding="utf-8", errors="replace")
    assert "626-302-1212" not in log and "Ana Ruiz" not in log
