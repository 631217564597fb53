"""SQLite the way both apps need it: WAL, chosen durability, foreign keys, and write
transactions that open with BEGIN IMMEDIATE.

A deferred transaction that reads and then writes can fail at once with "database is
locked" when another writer committed in between; the busy handler cannot help it.
Opening writes with BEGIN IMMEDIATE takes the write lock first, so writers queue.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from sqlalchemy import event

_immediate = contextvars.ContextVar("pos_sqlite_immediate", default=False)


def configure(engine, *, synchronous: str = "NORMAL", busy_timeout_ms: int = 5000) -> None:
    """Install the pragmas and the BEGIN hook on a SQLite engine (no-op elsewhere)."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_pos_sqlite_configured", False):
        return
    engine._pos_sqlite_configured = True

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def immediate():
    """Transactions begun inside this block take the write lock up front."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)
