"""Lazily created engine and session factory for the role table."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot import config

_lock = threading.Lock()
_engine: Engine | None = None
_factory: sessionmaker | None = None
_engine_url: str | None = None


def _make_engine(url: str) -> Engine:
    timeout = config.db_timeout_seconds()
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": timeout, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the inquiry writer
            cursor.close()

        return engine
    connect_args = {}
    if url.startswith("postgresql"):
        ms = int(timeout * 1000)
        connect_args = {"connect_timeout": max(1, int(timeout)), "options": f"-c statement_timeout={ms}"}
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect_args)


def get_engine(url: str | None = None) -> Engine:
    """Return the process-wide engine, creating it on first use (never at import)."""
    global _engine, _factory, _engine_url
    wanted = url or config.database_url()
    with _lock:
        if _engine is None or _engine_url != wanted:
            if _engine is not None:
                _engine.dispose()
            _engine = _make_engine(wanted)
            _factory = sessionmaker(_engine, future=True, expire_on_commit=False)
            _engine_url = wanted
        return _engine


def session_factory(url: str | None = None) -> sessionmaker:
    """Session factory bound to :func:`get_engine`; use ``with factory.begin() as s``."""
    get_engine(url)
    assert _factory is not None
    return _factory


def reset() -> None:
    """Dispose of the engine (tests switch databases; forks must not share sockets)."""
    global _engine, _factory, _engine_url
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = _factory = _engine_url = None
