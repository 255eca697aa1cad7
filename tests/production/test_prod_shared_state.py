"""Conversations live in the shared stores, not in a Rasa process: any instance can continue them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest
from prodkit import APOLOGY, TURN_TIMEOUT, inquiry_rows, reply_text, user_texts

from tooling.rest_client import RasaClient

pytestmark = [pytest.mark.servers, pytest.mark.postgres]

CONVERSATIONS = 20
TURNS = ["where does my electricity come from", "Irvine", "my power is out"]


def converse(clients: List[RasaClient], index: int, run_id: str) -> Dict[str, Any]:
    """One conversation whose turns alternate between the two instances; returns what the customer saw."""
    sender = f"prod-alt-{run_id}-{index}"
    # Own sessions per conversation: a requests.Session is not meant to be shared between threads.
    first, second = (RasaClient(c.url, c.token, c.timeout) for c in (clients[index % 2], clients[(index + 1) % 2]))
    replies = [reply_text(first.send(sender, TURNS[0]))]
    after_city = second.send(sender, TURNS[1])
    replies.append(reply_text(after_city))
    slots_seen_by_other = first.slots(sender)  # written by `second`, read through `first`
    replies.append(reply_text(first.send(sender, TURNS[2])))
    return {"sender": sender, "replies": replies, "slots_after_city": slots_seen_by_other}


def test_turns_alternating_between_instances_keep_state_under_20_concurrent_conversations(clients, role_db, sender):
    run_id = sender.rsplit("-", 1)[1]
    with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
        results = list(pool.map(lambda i: converse(clients, i, run_id), range(CONVERSATIONS)))

    for result in results:
        asked, routed, outage = result["replies"]
        assert "which city" in asked.lower(), result
        assert "Orange County Power Authority" in routed, result
        assert "Southern California Edison" in outage, result
        slots = result["slots_after_city"]
        assert slots["city"] == "Irvine" and slots["inquiry_topic"] == "generation", result
        assert slots["responsible_party"] == "CCA" and "Orange County Power Authority" in slots["cca"], result

        # Every message is stored exactly once, whichever instance is asked.
        for client in clients:
            tracker = client.tracker(result["sender"])
            assert user_texts(tracker) == TURNS, result["sender"]
            assert tracker["slots"]["city"] == "Irvine"
            assert tracker["slots"]["inquiry_topic"] == "outage"
        # ...and each routed question is logged once.
        assert [(r["topic"], r["party"]) for r in inquiry_rows(role_db, result["sender"])] == [
            ("generation", "CCA"),
            ("outage", "SCE"),
        ]


def test_kill_9_mid_conversation_then_restart_keeps_slots_and_history(stack, clients, sender):
    first = clients[0]
    assert "which city" in reply_text(first.send(sender, "where does my electricity come from")).lower()
    before = first.tracker(sender)
    assert before["active_loop"].get("name") == "city_form" and before["slots"]["requested_slot"] == "city"

    stack.rasa[0].kill()  # no graceful shutdown, as in a crash or an OOM kill
    survivor = clients[1]
    assert survivor.tracker(sender)["events"] == before["events"]

    stack.rasa[0].start()  # same port, same stores: a fresh process with nothing in memory
    after_restart = first.tracker(sender)
    assert after_restart["events"] == before["events"]
    assert after_restart["active_loop"].get("name") == "city_form"

    assert "Orange County Power Authority" in reply_text(first.send(sender, "Irvine"))
    slots = first.slots(sender)
    assert slots["city"] == "Irvine" and slots["inquiry_topic"] == "generation"
    assert user_texts(first.tracker(sender)) == ["where does my electricity come from", "Irvine"]


def test_instances_share_the_redis_conversation_lock(stack, stores, clients, sender):
    """While another process holds a conversation's lock in Redis, neither instance runs a turn of it."""
    assert "Southern California Edison" in reply_text(clients[0].send(sender, "my power is out"))
    locks = stores.lock_store()
    ticket = locks.issue_ticket(sender, lock_lifetime=TURN_TIMEOUT * 4)
    try:
        # The turn waits for the lock until the channel's turn budget ends, then the customer gets the apology.
        for client in clients:
            waited = reply_text(client.send(sender, "who handles my bill"))
            assert APOLOGY in waited
        assert user_texts(clients[1].tracker(sender)) == ["my power is out"]
    finally:
        lock = locks.get_lock(sender)
        if lock is not None:
            lock.remove_ticket_for(ticket)
            locks.save_lock(lock)
    assert "Southern California Edison" in reply_text(clients[1].send(sender, "my power is out"))
    assert user_texts(clients[0].tracker(sender)) == ["my power is out", "my power is out"]
