"""SQLite the way both apps need it: WAL, chosen durability, foreign keys, and write
transactions that open with BEGIN IMMEDIATE.

A deferred transaction that reads and then writes can fail at once with "database is
locked" when another writer committed in between; the busy handler cannot help it.
Opening writes with BEGIN IMMEDIATE takes the write lock first, so writers queue.

`synchronous(mode)` lets a caller relax durability for the transactions it begins (the
cloud's push commits each event without waiting for the disk); the pragma cannot change
inside a transaction, so it is set just before BEGIN, and every transaction begun
outside such a block gets the engine's configured level back first.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from sqlalchemy import event

MAX_INT = 2**63 - 1  # the largest integer SQLite stores (and its largest rowid)

_immediate = contextvars.ContextVar("pos_sqlite_immediate", default=False)
_synchronous = contextvars.ContextVar("pos_sqlite_synchronous", default=None)
_LEVEL_KEY = "pos_sqlite_synchronous"  # in the DBAPI connection's info: the level it runs at now


def configure(engine, *, synchronous: str = "NORMAL", busy_timeout_ms: int = 5000,
              auto_vacuum: str | None = None) -> None:
    """Install the pragmas and the BEGIN hook on a SQLite engine (no-op elsewhere).
    `auto_vacuum` ("INCREMENTAL") takes effect on a database that has no table yet; on
    an existing one it is a no-op until a VACUUM."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_pos_sqlite_configured", False):
        return
    engine._pos_sqlite_configured = True
    synchronous = synchronous.upper()
    if auto_vacuum is not None and auto_vacuum.upper() not in ("NONE", "FULL", "INCREMENTAL"):
        raise ValueError(f"unknown auto_vacuum mode {auto_vacuum!r}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None  # the driver must not BEGIN on its own
        cursor = dbapi_connection.cursor()
        if auto_vacuum:
            cursor.execute(f"PRAGMA auto_vacuum={auto_vacuum}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        record.info[_LEVEL_KEY] = synchronous

    @event.listens_for(engine, "begin")
    def _begin(connection):
        level = _synchronous.get() or synchronous
        if connection.info.get(_LEVEL_KEY, synchronous) != level:
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")  # outside a transaction: allowed
            connection.info[_LEVEL_KEY] = level
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def immediate():
    """Transactions begun inside this block take the write lock up front."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextmanager
def synchronous(level: str):
    """Transactions begun inside this block run at this `PRAGMA synchronous` level (e.g.
    NORMAL: commits do not wait for the disk). The first transaction begun after the
    block runs at the engine's level again; with FULL its commit syncs the WAL file, and
    with it every frame the relaxed commits wrote before."""
    level = level.upper()
    if level not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"unknown synchronous level {level!r}")
    token = _synchronous.set(level)
    try:
        yield
    finally:
        _synchronous.reset(token)


def synchronous_level(connection) -> str | None:
    """The level the connection's transactions currently run at (None: not SQLite)."""
    if connection.dialect.name != "sqlite":
        return None
    return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[connection.exec_driver_sql("PRAGMA synchronous").scalar()]
