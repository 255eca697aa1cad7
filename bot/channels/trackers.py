"""Bounded conversations: a SQL tracker store that keeps each session small, and the retention purge.

**Why.** Rasa sends the whole current session of a conversation to the action server with every custom
action call, and loads it on every turn. A widget customer keeps one conversation across page reloads, and
a session only ends after ``session_expiration_time`` of silence, so a long or busy conversation grows
until the call exceeds the action server's request limit — from then on every question got the apology —
and every turn gets slower on the way.

**What.** :class:`BoundedSQLTrackerStore` is Rasa's ``SQLTrackerStore`` (same tables, same settings) that,
after saving a turn, checks the size of the conversation's current session; above
``BOT_SESSION_MAX_EVENTS`` events or ``BOT_SESSION_MAX_BYTES`` bytes of stored events it appends a new
session, the way Rasa's own session start does: ``action_session_start``, ``session_started``, the
current value of every slot that is set, the active form (if any) and ``action_listen``. The next turn
then loads (and sends to the action server) only that new session; the customer notices nothing — slots
and an open city question carry over. Older sessions stay stored (``/conversations/<id>/tracker`` shows
them all) until the retention purge removes the conversation. Saving and the roll-over happen inside the
turn, under the conversation's lock.

SQLite files it creates are mode 0600.

**Retention.** ``python -m bot.channels.trackers purge [--days N]`` deletes every conversation whose
latest event is older than ``N`` days (default ``BOT_RETENTION_DAYS``, 30) from the tracker store named by
``TRACKER_DB_URL`` (default: the SQLite file under ``var/``). ``scripts/run.sh`` runs it at start-up; on a
server, run it daily (cron, a Kubernetes CronJob).

Use in endpoints (``bot.deploy.endpoints`` writes this)::

    tracker_store:
      type: bot.channels.trackers.BoundedSQLTrackerStore
      dialect: postgresql
      ...
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import SettingError, env_number

logger = logging.getLogger(__name__)

DEFAULT_MAX_EVENTS = 300
DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_RETENTION_DAYS = 30
# Set on a tracker object whose session was rolled over after it was saved: a second save of that same
# object must not compare its (old-session) events with the new session's count.
_ROLLED_AT = "_bot_rolled_over_at"


def owner_only_sqlite_file(path: str | Path) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would use 0644), or tighten it."""
    path = Path(path)
    if str(path) in ("", ":memory:"):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def rollover_events(tracker: DialogueStateTracker, now: float | None = None) -> List[Event]:
    """The events that start a new session carrying the conversation's state over.

    Args:
        tracker: The conversation after its latest turn.
        now: Timestamp of the new events.

    Returns:
        ``action_session_start``, ``session_started``, a ``slot`` event for every slot that differs from its
        initial value, ``active_loop`` for an open form, ``action_listen``.
    """
    now = time.time() if now is None else now
    events: List[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=now), SessionStarted(timestamp=now)]
    for slot in tracker.slots.values():
        if slot.value != slot.initial_value:
            events.append(SlotSet(slot.name, slot.value, timestamp=now))
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name, timestamp=now))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=now))
    return events


class BoundedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with bounded sessions (see the module docstring)."""

    def __init__(self, domain: Any = None, dialect: str = "sqlite", db: str = "rasa.db", **kwargs: Any) -> None:
        """Same arguments as ``SQLTrackerStore``; the bounds come from the environment."""
        if dialect.startswith("sqlite") and not kwargs.get("host"):
            owner_only_sqlite_file(db)
        self.max_session_events = int(env_number("BOT_SESSION_MAX_EVENTS", DEFAULT_MAX_EVENTS, 20))
        self.max_session_bytes = int(env_number("BOT_SESSION_MAX_BYTES", DEFAULT_MAX_BYTES, 16 * 1024))
        super().__init__(domain, dialect=dialect, db=db, **kwargs)
        logger.info(
            "Bounded SQL tracker store: sessions roll over above %d events or %d bytes",
            self.max_session_events,
            self.max_session_bytes,
        )

    def session_size(self, session: Any, sender_id: str) -> Tuple[int, int]:
        """``(events, bytes)`` of the conversation's current session as stored."""
        event = self.SQLEvent
        start = (
            session.query(sa.func.max(event.timestamp))
            .filter(event.sender_id == sender_id, event.type_name == SessionStarted.type_name)
            .scalar()
        )
        query = session.query(sa.func.count(event.id), sa.func.coalesce(sa.func.sum(sa.func.length(event.data)), 0))
        query = query.filter(event.sender_id == sender_id)
        if start is not None:
            query = query.filter(event.timestamp >= start)
        count, size = query.one()
        return int(count), int(size)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's events; start a new session when the current one has grown past the bounds."""
        await super().save(tracker)
        with self.session_scope() as session:
            count, size = self.session_size(session, tracker.sender_id)
            if count <= self.max_session_events and size <= self.max_session_bytes:
                return
            for event in rollover_events(tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        setattr(tracker, _ROLLED_AT, len(tracker.events))
        logger.info(
            "conversation %s: session of %d events / %d bytes rolled over (state carried over)",
            tracker.sender_id[:48],
            count,
            size,
        )

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        rolled_at = getattr(tracker, _ROLLED_AT, None)
        if rolled_at is None:
            return super()._additional_events(session, tracker)
        setattr(tracker, _ROLLED_AT, len(tracker.events))
        return itertools.islice(tracker.events, rolled_at, len(tracker.events))


def tracker_db_url(env: Mapping[str, str] | None = None) -> sa.engine.URL:
    """The SQLAlchemy URL of the tracker store the rendered endpoints file names."""
    from bot.deploy.endpoints import tracker_store

    section = tracker_store(os.environ if env is None else env)
    if section["dialect"].startswith("sqlite"):
        return sa.engine.make_url(f"{section['dialect']}:///{section['db']}")
    return sa.engine.URL.create(
        section["dialect"],
        username=section.get("username"),
        password=section.get("password"),
        host=section.get("url"),
        port=section.get("port"),
        database=section["db"],
        query=section.get("query") or {},
    )


def purge(url: sa.engine.URL | str, days: float, now: float | None = None) -> Dict[str, int]:
    """Delete every conversation whose latest event is older than ``days``.

    Args:
        url: The tracker store database.
        days: Age limit.
        now: Current time (seconds since the epoch).

    Returns:
        ``{"conversations": n, "events": m}`` deleted.
    """
    url = sa.engine.make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return {"conversations": 0, "events": 0}  # never ran: nothing to purge, and do not create the file
    cutoff = (time.time() if now is None else now) - days * 86400
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).has_table("events"):
                return {"conversations": 0, "events": 0}
            old = sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
            senders = [row[0] for row in conn.execute(old, {"cutoff": cutoff})]
            deleted = 0
            for start in range(0, len(senders), 500):
                chunk = senders[start : start + 500]
                statement = sa.text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
                    sa.bindparam("senders", expanding=True)
                )
                deleted += conn.execute(statement, {"senders": chunk}).rowcount or 0
    finally:
        engine.dispose()
    return {"conversations": len(senders), "events": deleted}


def main(argv: List[str] | None = None) -> int:
    """CLI: ``purge [--days N]``."""
    parser = argparse.ArgumentParser(prog="python -m bot.channels.trackers", description="Tracker store upkeep.")
    sub = parser.add_subparsers(dest="command", required=True)
    purge_cmd = sub.add_parser("purge", help="delete conversations older than N days (BOT_RETENTION_DAYS, 30)")
    purge_cmd.add_argument("--days", type=float, default=None)
    args = parser.parse_args(argv)
    try:
        days = args.days if args.days is not None else env_number("BOT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 0)
        url = tracker_db_url()
    except (SettingError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if days < 0:
        print("error: --days must be at least 0", file=sys.stderr)
        return 2
    result = purge(url, days)
    print(
        f"retention: deleted {result['conversations']} conversations ({result['events']} events) "
        f"without activity for {days:g} days"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
