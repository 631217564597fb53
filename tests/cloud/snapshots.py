"""A cloud test database emptied, and its rows kept and put back.

Building the test world (two tenants, a user of every role, hashed passwords, a catalog)
through the services takes about 150 ms, and the seeded tenants of the role matrix and
schemathesis about 400 ms more; PostgreSQL's TRUNCATE of every table took half a second on
its own. Each worker now builds a world once per database kind and app configuration,
keeps its rows, and gives every later test the same rows back (a few milliseconds): the
same ids, hashes and tokens a fresh build would have made, so what a test sees does not
change. The tokens live an hour; a snapshot is rebuilt when it is half that old.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, text

from cloud.extensions import db
from cloud.models import Base

# a snapshot's tokens must outlive every test that uses it (access tokens live 60 minutes)
MAX_AGE_S = 30 * 60


@dataclass
class Snapshot:
    rows: dict[str, list[dict]]  # table name -> its rows, tables in dependency order
    sequences: list[tuple[str, int | None]]  # (sequence, last value) on PostgreSQL; sqlite_sequence rows on SQLite
    value: Any  # what the builder returned (a World, Seeds), valid with these rows
    taken_at: float


_snapshots: dict[tuple, Snapshot] = {}


def empty(engine: Engine, counts: tuple[int, ...] | None = None) -> None:
    """Every table empty and every id counter back at its start, as on a new database.
    DELETE, not TRUNCATE: TRUNCATE gives each of the ~55 tables new files (half a second
    a test on PostgreSQL); DELETE of the few tables that hold rows costs microseconds."""
    counts = counts if counts is not None else _row_counts(engine)
    tables = [table for table, count in zip(Base.metadata.sorted_tables, counts, strict=True) if count]
    with engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            connection.execute(text(
                "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"))
        elif _has_sqlite_sequence(connection):
            connection.execute(text("DELETE FROM sqlite_sequence"))


def _has_sqlite_sequence(connection) -> bool:
    return connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first() is not None


def _take(engine: Engine, value: Any) -> Snapshot:
    rows: dict[str, list[dict]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            found = [dict(row._mapping) for row in connection.execute(select(table))]
            if found:
                rows[table.name] = found
        if engine.dialect.name == "postgresql":
            sequences = [tuple(row) for row in connection.execute(text(
                "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                "WHERE schemaname = current_schema()"))]
        elif _has_sqlite_sequence(connection):
            sequences = [tuple(row) for row in connection.execute(text("SELECT name, seq FROM sqlite_sequence"))]
        else:
            sequences = []
    return Snapshot(rows, sequences, value, time.monotonic())


def _put_back(engine: Engine, snapshot: Snapshot, counts: tuple[int, ...]) -> None:
    empty(engine, counts)
    tables = Base.metadata.tables
    with engine.begin() as connection:
        for name, rows in snapshot.rows.items():
            connection.execute(tables[name].insert(), rows)
        if engine.dialect.name == "postgresql":
            used = [(sequence, last) for sequence, last in snapshot.sequences if last is not None]
            if used:
                connection.execute(text("SELECT setval(name::regclass, value) FROM "
                                        "unnest(CAST(:names AS text[]), CAST(:values AS bigint[])) AS s(name, value)"),
                                   {"names": [name for name, _ in used], "values": [last for _, last in used]})
        elif snapshot.sequences:
            connection.execute(text("DELETE FROM sqlite_sequence"))
            connection.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                               [{"name": name, "seq": seq} for name, seq in snapshot.sequences])


def _row_counts(engine: Engine) -> tuple[int, ...]:
    """How many rows each table holds, in one query: a snapshot is put back only over a
    database in the state (by these counts) that it was built from."""
    counts = ", ".join(f'(SELECT count(*) FROM "{table.name}")' for table in Base.metadata.sorted_tables)
    with engine.connect() as connection:
        return tuple(connection.execute(text(f"SELECT {counts}")).one())


def _config_key(app) -> tuple:
    """The app's configuration but its database and rate limits: a snapshot serves only
    apps configured alike (a test that changes the JWT secret or the hash profile gets its
    own build). Flask-Limiter writes its defaults into the first app's configuration only."""
    return tuple(sorted((name, repr(value)) for name, value in app.config.items()
                        if name != "SQLALCHEMY_DATABASE_URI" and not name.startswith("RATELIMIT_")))


def restored(app, name: str, build: Callable[[], Any]) -> Any:
    """`build()`'s value with its rows in `app`'s database: built there the first time,
    put back from the snapshot afterwards when the app is configured alike and the
    database holds as many rows in each table as the first build started from."""
    with app.app_context():
        engine = db.engine
        counts = _row_counts(engine)
        key = (name, engine.dialect.name, _config_key(app), counts)
        snapshot = _snapshots.get(key)
        if snapshot is None or time.monotonic() - snapshot.taken_at > MAX_AGE_S:
            value = build()
            _snapshots[key] = _take(engine, copy.deepcopy(value))
            return value
        _put_back(engine, snapshot, counts)
        return copy.deepcopy(snapshot.value)  # a test may change its copy; the next gets the original
