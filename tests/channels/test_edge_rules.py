"""The pure parts of the shared edge, the session tokens, Slack's de-duplication and the tracker bounds."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import time
import uuid
import warnings
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import edge
from bot.channels.edge import (
    ConversationGate,
    EdgeSettings,
    Refused,
    TokenBucket,
    check_metadata,
    check_rest_sender,
    check_text,
    clean_text,
    parse_json,
    service_trouble_text,
)
from bot.channels.identity import SessionTokens, read_or_create_secret, session_secret
from bot.channels.rest import parse_request
from bot.channels.slack import DeliveryLedger, SeenKeys, delivery_key
from bot.channels.trackers import owner_only_sqlite_file, purge, rollover_events
from bot.config import SettingError

DEEP = b"[" * 100_000 + b"]" * 100_000


def status_of(call, *args):
    with pytest.raises(Refused) as refused:
        call(*args)
    return refused.value.status


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("\x00my\x07 power\x1b is out\x7f\x9b", "my  power  is out"),
        ("my power is out \ud800", "my power is out"),
        ("\u202eהחשמל נפל", "\u202eהחשמל נפל"),  # direction marks and other scripts pass
        ("⚡🔌 out 😡", "⚡🔌 out 😡"),
        ("line one\nline two\tend", "line one\nline two\tend"),
    ],
)
def test_clean_text_replaces_control_characters_and_lone_surrogates(raw, cleaned):
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (None, 400),
        (42, 400),
        (["hi"], 400),
        ({"text": "hi"}, 400),
        ("", 400),
        (" \n\t\u00a0 ", 400),
        ("\x00\x01\x1b\x7f", 400),
        ("\ud800", 400),
        ("x" * 2001, 413),
        ("x" * 990_000, 413),
    ],
)
def test_check_text_refuses_non_text_empty_and_long_messages(value, status):
    assert status_of(check_text, value, 2000) == status


def test_check_text_is_cheap_on_huge_input():
    started = time.perf_counter()
    assert status_of(check_text, "\x00" * 5_000_000, 2000) == 413  # length first, no scan
    assert time.perf_counter() - started < 0.05
    assert check_text("x" * 2000, 2000) == "x" * 2000


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ([1, 2], 400),
        ("not json", 400),
        ('"a string"', 400),
        ({"blob": "x" * 300_000}, 413),
        ({"ü": "é" * 2100}, 413),  # bytes, not characters: 4 200 bytes of UTF-8
        (json.dumps({"blob": "x" * 5000}), 413),
    ],
)
def test_check_metadata_refuses_non_objects_and_big_objects(value, status):
    assert status_of(check_metadata, value, 4096) == status


def test_check_metadata_accepts_small_objects_and_nothing():
    assert check_metadata(None, 4096) is None
    assert check_metadata({"language": "en"}, 4096) == {"language": "en"}
    assert check_metadata('{"language": "en"}', 4096) == {"language": "en"}


def test_deeply_nested_json_is_a_400_not_a_recursion_error():
    assert status_of(parse_json, DEEP) == 400
    assert status_of(parse_request, b'{"sender": "a", "message": "hi", "metadata": ' + DEEP + b"}", 2000) == 400
    assert status_of(parse_request, b"\xff\xfe", 2000) == 400


@pytest.mark.parametrize(
    ("sender", "status"),
    [
        (None, 400),
        ("", 400),
        ("  ", 400),
        ({"id": 1}, 400),
        ("a\nb", 400),
        ("x" * 129, 400),
        ("web:0123456789abcdef0123456789abcdef", 403),
        ("WEB:abc", 403),
        (" web:abc", 403),
        ("slack:U1_D1_1700000000.000100", 403),
        ("Slack:x", 403),
    ],
)
def test_rest_senders_are_checked_and_channel_namespaces_refused(sender, status):
    assert status_of(check_rest_sender, sender) == status


def test_rest_sender_x_is_conversation_x():
    assert check_rest_sender("eval-case-17") == "eval-case-17"
    assert check_rest_sender(42) == "42"
    assert check_rest_sender("webby:and:colons") == "webby:and:colons"
    assert parse_request(b'{"sender": "me", "message": " my power\\u0000 is out "}', 2000) == (
        "me",
        "my power  is out",
        None,
    )


def test_settings_come_from_the_environment_and_bad_values_fail_clearly():
    settings = EdgeSettings.from_env(
        {"BOT_TURN_TIMEOUT": "4", "BOT_MAX_MESSAGE_CHARS": "50", "BOT_SOCKET_BURST": "2", "BOT_SOCKET_PER_MINUTE": "6"}
    )
    assert (settings.turn_timeout, settings.max_chars, settings.socket_burst, settings.socket_per_minute) == (
        4.0,
        50,
        2,
        6.0,
    )
    assert EdgeSettings.from_env({}) == EdgeSettings()
    with pytest.raises(SettingError):
        EdgeSettings.from_env({"BOT_MAX_MESSAGE_CHARS": "lots"})
    with pytest.raises(SettingError):
        EdgeSettings.from_env({"BOT_TURN_TIMEOUT": "0"})


def test_token_bucket_allows_a_burst_then_the_rate():
    bucket = TokenBucket(burst=5, per_minute=60, now=0.0)
    assert [bucket.take(now=0.0) for _ in range(200)].count(True) == 5
    assert not bucket.take(now=0.5)
    assert bucket.take(now=1.6)  # one per second refills
    assert not bucket.take(now=1.7)


async def test_gate_refuses_beyond_the_in_flight_limit_and_runs_turns_one_at_a_time():
    gate = ConversationGate(max_inflight=2)
    release = asyncio.Event()
    order: list = []

    async def turn(name: str) -> None:
        async with gate.turn("c"):
            order.append(name)
            await release.wait()

    first, second = asyncio.create_task(turn("first")), asyncio.create_task(turn("second"))
    await asyncio.sleep(0.01)
    assert gate.inflight("c") == 2 and order == ["first"]  # the second waits for the first
    with pytest.raises(Refused) as refused:
        async with gate.turn("c"):
            pass
    assert refused.value.status == 429
    async with gate.turn("other"):  # other conversations are not held up
        assert gate.inflight("other") == 1
    release.set()
    await asyncio.gather(first, second)
    assert order == ["first", "second"] and gate.inflight("c") == 0 and gate._locks == {}


def test_apology_comes_from_the_domain_with_a_fallback():
    domain = SimpleNamespace(responses={"utter_service_trouble": [{"text": "Sorry (domain)"}]})
    app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(domain=domain)))
    assert service_trouble_text(app) == "Sorry (domain)"
    assert service_trouble_text(None) == edge.FALLBACK_SERVICE_TROUBLE


def test_refusal_floods_are_logged_once_per_interval(caplog):
    caplog.set_level(logging.WARNING, logger="bot.channels.edge")
    conversation = f"web:{uuid.uuid4().hex}"
    for _ in range(200):
        edge.log_refusal("socketio", conversation, Refused(429, "too many messages on this connection"))
    lines = [r.getMessage() for r in caplog.records if conversation in r.getMessage()]
    assert len(lines) == 1 and "429" in lines[0]


# --- widget session tokens -------------------------------------------------------------------------------


def test_tokens_are_issued_verified_and_unforgeable():
    tokens = SessionTokens("a-test-secret-of-enough-length")
    token, conversation = tokens.issue()
    random_part = token.split(".")[0]
    assert conversation == f"web:{random_part}" and token not in conversation
    assert tokens.conversation_of(token) == conversation
    assert tokens.issue()[0] != token
    for forged in [
        random_part,
        "0" * 32,
        f"{'0' * 32}.{'A' * 43}",
        f"{random_part}.{'A' * 43}",
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token + "x",
        conversation,
        None,
        42,
        {"t": token},
    ]:
        assert tokens.conversation_of(forged) is None, forged
    assert SessionTokens("another-secret-of-enough-length").conversation_of(token) is None


def test_session_secret_from_env_or_generated_owner_only(tmp_path):
    assert session_secret({"BOT_SESSION_SECRET": "s" * 32}) == "s" * 32
    with pytest.raises(ValueError):
        session_secret({"BOT_SESSION_SECRET": "short"})
    var = tmp_path / "var"
    first = session_secret({}, var_dir=var)
    assert session_secret({}, var_dir=var) == first and len(first) >= 32
    assert stat.S_IMODE((var / "session_secret").stat().st_mode) == 0o600
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert read_or_create_secret(var / "session_secret") == first


# --- Slack de-duplication -------------------------------------------------------------------------------


def slack_request(body: dict | None = None, form: dict | None = None) -> Any:
    if form is not None:
        return SimpleNamespace(headers={"content-type": "application/x-www-form-urlencoded"}, form=form, body=b"")
    return SimpleNamespace(headers={"content-type": "application/json"}, body=json.dumps(body).encode())


def test_delivery_keys_are_the_same_for_every_retry_and_the_mention_twin():
    message = {"event_id": "Ev1", "event": {"type": "message", "channel": "D1", "ts": "1700000000.000100"}}
    mention = {"event_id": "Ev2", "event": {"type": "app_mention", "channel": "D1", "ts": "1700000000.000100"}}
    assert delivery_key(slack_request(message)) == delivery_key(slack_request(mention)) == "msg:D1:1700000000.000100"
    assert delivery_key(slack_request({"event_id": "Ev3", "event": {}})) == "event:Ev3"
    click = {"payload": [json.dumps({"user": {"id": "U1"}, "actions": [{"action_ts": "1700000001.1"}]})]}
    assert delivery_key(slack_request(form=click)) == "action:U1:1700000001.1"
    assert delivery_key(slack_request({"type": "url_verification"})) is None
    nested: Any = SimpleNamespace(headers={"content-type": "application/json"}, body=DEEP)
    assert delivery_key(nested) is None


def test_seen_keys_expire_and_stay_bounded() -> None:
    seen = SeenKeys(ttl=10, max_keys=2)
    assert seen.first_time("a", now=0) and not seen.first_time("a", now=5)
    assert seen.first_time("a", now=11)  # expired
    assert seen.first_time("b", now=12) and seen.first_time("c", now=12)
    assert seen.first_time("a", now=12)  # "a" was evicted to keep two keys


async def test_ledger_without_redis_claims_a_key_once_in_this_process():
    ledger = DeliveryLedger(None)
    assert await ledger.first_time("msg:D1:1") and not await ledger.first_time("msg:D1:1")


async def test_ledger_with_redis_claims_a_key_once_across_replicas(redis_url):
    prefix = f"edgetest{uuid.uuid4().hex[:8]}"
    replica_a, replica_b = DeliveryLedger(redis_url, prefix), DeliveryLedger(redis_url, prefix)
    key = f"msg:D1:{time.time()}"
    assert await replica_a.first_time(key)
    assert not await replica_b.first_time(key) and not await replica_a.first_time(key)
    assert 3000 < await replica_a._redis.ttl(replica_a.redis_key(key)) <= 3600  # SET NX EX
    await replica_a._redis.delete(replica_a.redis_key(key))


async def test_ledger_falls_back_to_memory_when_redis_is_down():
    from tooling.servers import free_port

    ledger = DeliveryLedger(f"redis://127.0.0.1:{free_port()}/0")
    assert await ledger.first_time("k") and not await ledger.first_time("k")


# --- bounded sessions and retention ---------------------------------------------------------------------

with warnings.catch_warnings():  # Rasa warns about slot auto-fill for any hand-written domain
    warnings.simplefilter("ignore")
    DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  city: {type: text, mappings: [{type: custom}]}
  inquiry_topic: {type: text, mappings: [{type: custom}]}
forms:
  city_form: {required_slots: [city]}
""")  # fmt: skip


def test_a_rolled_over_session_carries_slots_and_the_open_form():
    tracker = DialogueStateTracker.from_events(
        "c",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered("where does my electricity come from"),
            SlotSet("inquiry_topic", "generation"),
            ActiveLoop("city_form"),
            SlotSet("requested_slot", "city"),
            ActionExecuted("action_listen"),
        ],
        slots=DOMAIN.slots,
    )
    events = rollover_events(tracker, now=123.0)
    assert [e.type_name for e in events[:2]] == ["action", "session_started"]
    assert SlotSet("inquiry_topic", "generation") in events and SlotSet("requested_slot", "city") in events
    assert ActiveLoop("city_form") in events and events[-1] == ActionExecuted("action_listen")
    assert all(e.timestamp == 123.0 for e in events)
    restored = DialogueStateTracker.from_events("c", events, slots=DOMAIN.slots)
    assert restored.get_slot("inquiry_topic") == "generation" and restored.active_loop_name == "city_form"


def test_sqlite_files_are_created_owner_only(tmp_path):
    path = tmp_path / "var" / "tracker.db"
    owner_only_sqlite_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    owner_only_sqlite_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_purge_deletes_conversations_idle_for_longer_than_the_retention(tmp_path):
    import sqlalchemy as sa

    db = tmp_path / "tracker.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    now = time.time()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                "timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)"
            )
        )
        rows = [
            ("old", now - 40 * 86400),
            ("old", now - 31 * 86400),
            ("mixed", now - 90 * 86400),
            ("mixed", now - 86400),
            ("new", now),
        ]
        for sender, ts in rows:
            conn.execute(
                sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', :t, '{}')"),
                {"s": sender, "t": ts},
            )
    assert purge(f"sqlite:///{db}", 30, now=now) == {"conversations": 1, "events": 2}
    with engine.connect() as conn:
        left = sorted({row[0] for row in conn.execute(sa.text("SELECT sender_id FROM events"))})
    assert left == ["mixed", "new"]  # a conversation still in use keeps its whole history
    engine.dispose()
    assert purge(f"sqlite:///{tmp_path / 'never.db'}", 30) == {"conversations": 0, "events": 0}
    assert not (tmp_path / "never.db").exists()


@pytest.fixture
def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/1"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        from bot.config import in_ci

        if in_ci():
            pytest.fail(f"Redis not reachable: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return url


async def test_the_tracker_store_rolls_a_long_session_over_and_keeps_the_state(tmp_path, monkeypatch):
    from bot.channels.trackers import BoundedSQLTrackerStore

    monkeypatch.setenv("BOT_SESSION_MAX_EVENTS", "40")
    store = BoundedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "var" / "tracker.db"))
    assert stat.S_IMODE((tmp_path / "var" / "tracker.db").stat().st_mode) == 0o600
    tracker = DialogueStateTracker.from_events(
        "c",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
        ],
        slots=DOMAIN.slots,
    )
    await store.save(tracker)
    for turn in range(30):  # each turn: the customer, a slot, the reply action, back to listening
        tracker = await store.retrieve("c")
        assert tracker is not None and len(tracker.events) <= 40 + 4 + 8
        tracker.update_with_events(
            [
                UserUttered(f"message {turn}"),
                SlotSet("inquiry_topic", f"topic {turn}"),
                ActionExecuted("utter_something"),
                ActionExecuted("action_listen"),
            ],
            DOMAIN,
        )
        if turn == 20:
            tracker.update_with_events([ActiveLoop("city_form"), SlotSet("requested_slot", "city")], DOMAIN)
        await store.save(tracker)
    full = await store.retrieve_full_tracker("c")
    assert full is not None
    said = [e.text for e in full.events if isinstance(e, UserUttered)]
    assert said == [f"message {turn}" for turn in range(30)]  # every turn stored exactly once
    assert sum(isinstance(e, SessionStarted) for e in full.events) >= 3  # rolled over
    current = await store.retrieve("c")
    assert current is not None and len(current.events) < len(full.events)
    assert current.get_slot("inquiry_topic") == "topic 29" and current.active_loop_name == "city_form"
    assert current.get_slot("requested_slot") == "city"


async def test_a_tracker_saved_twice_after_a_roll_over_adds_only_its_new_events(tmp_path, monkeypatch):
    from bot.channels.trackers import BoundedSQLTrackerStore

    monkeypatch.setenv("BOT_SESSION_MAX_EVENTS", "20")
    store = BoundedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    tracker = DialogueStateTracker.from_events(
        "c", [SessionStarted(), ActionExecuted("action_listen")], slots=DOMAIN.slots
    )
    tracker.update_with_events([UserUttered(f"m{i}") for i in range(25)], DOMAIN)
    await store.save(tracker)  # over the bound: rolled over after saving
    tracker.update(UserUttered("late"), DOMAIN)
    await store.save(tracker)  # Rasa saves one tracker object once per turn; a second save stays correct
    full = await store.retrieve_full_tracker("c")
    assert full is not None
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"m{i}" for i in range(25)] + ["late"]
