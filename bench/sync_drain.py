"""Sync drain speed: a backlog queued at an edge while the cloud is away, drained by the
real relay of `pos edge run` into the real `pos cloud run`, on SQLite and PostgreSQL.

1. A fresh cloud database (SQLite file; PostgreSQL: a new database on the server of
   POS_TEST_POSTGRES_URL or --postgres-url), seeded with the demo tenant; an edge
   enrolled to it; the cloud stopped.
2. N orders queued at the edge in process, through the edge's own services
   (orders.create in a write transaction each: real orders, real outbox events, real
   promotion uses); only the per-order fsync is skipped during this setup.
3. The cloud starts, then the edge process; the clock runs until nothing is pending.
   Printed: events/s over the push phase (first event received by the cloud to last
   batch marked sent) and over the wall time from the edge's start.
4. Where the time goes: one sample batch of the same backlog applied in process by
   cloud.services.ingest.push to a copy of the same database, timed and counted (SQL
   statements and commits per event, time in SQL, in commits, in payload validation),
   plus a cProfile of it, and the raw cost of one durable commit on this disk.

Run: .venv/bin/python bench/sync_drain.py [--orders 10000] [--backend sqlite|postgres|both]
     [--postgres-url postgresql+psycopg://...] [--batch 200] [--sample 200]
"""
from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import json
import os
import pstats
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POS_PASSWORD_HASH_PROFILE", "fast")

from tests.support.processes import Cloud, Edge  # noqa: E402

TARGET = 500  # events/s


# --- databases -------------------------------------------------------------------------------

def pg_admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password,
                           dbname=u.database, autocommit=True)


def pg_create(url: str, name: str, template: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    with pg_admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def pg_drop(url: str, name: str) -> None:
    with pg_admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the backlog -------------------------------------------------------------------------------

def queue_orders(data_dir: Path, count: int, seed: int = 1) -> tuple[int, float]:
    """`count` orders through the edge's services; returns (outbox events, seconds)."""
    from sqlalchemy import event, func, select

    from edge import create_app
    from edge.extensions import db
    from edge.models import MirrorProduct, OutboxEvent
    from edge.models.mirror import User
    from edge.services import orders
    from edge.services.uow import write_transaction

    app = create_app({"DATA_DIR": str(data_dir), "ASYNC_MODE": "threading", "SCHEDULER_ENABLED": False,
                      "PRINTING_ENABLED": False})
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _no_fsync_while_queueing(dbapi_connection, _record):  # runs after the app's own pragmas
            dbapi_connection.execute("PRAGMA synchronous=OFF")

        cashier = db.session.execute(select(User).where(User.username == "cashier")).scalar_one()
        products = [(p.id, [g["modifiers"][0]["id"] for g in p.modifier_groups if g["required"]])
                    for p in db.session.execute(select(MirrorProduct)).scalars()]
        db.session.rollback()
        shift_arg = "shift" if "shift" in inspect.signature(orders.create).parameters else "shift_id"
        for _ in range(count):
            items = [{"product_id": pid, "quantity": rng.randint(1, 3), "modifier_ids": mods}
                     for pid, mods in rng.sample(products, rng.randint(1, 3))]
            with write_transaction() as session:
                orders.create(session, cashier.id, 1, **{shift_arg: None}, data={"items": items})
        events = db.session.execute(select(func.count(OutboxEvent.seq)).where(OutboxEvent.status == "pending")
                                    ).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return events, time.perf_counter() - started


def pending(data_dir: Path) -> int:
    with sqlite3.connect(str(data_dir / "edge.sqlite3"), timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def wire_sample(data_dir: Path, size: int) -> list[dict]:
    with sqlite3.connect(str(data_dir / "edge.sqlite3")) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?", (size,)).fetchall()
    return [{"seq": r["seq"], "event_id": r["event_id"], "type": r["type"],
             "occurred_at": r["occurred_at"].replace(" ", "T")[:19] + "Z", "payload": json.loads(r["payload"]),
             "payload_sha256": r["payload_sha256"]} for r in rows]


# --- where the time goes -----------------------------------------------------------------------

def profile_ingest(url: str, device_id: int, batch: list[dict]) -> str:
    """Apply `batch` in process with the cloud's own ingest; time, count and profile it."""
    from sqlalchemy import event

    from cloud import create_app
    from cloud.extensions import db
    from cloud.models import Device
    from cloud.services import ingest
    from sync import protocol, sqlite

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "JWT_SECRET_KEY": "x" * 40})
    half = len(batch) // 2
    out = io.StringIO()
    with app.app_context():
        counts = {"statements": 0, "commits": 0, "sql_s": 0.0, "validate_s": 0.0}
        marks = {}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            marks[id(cursor)] = time.perf_counter()
            counts["statements"] += 1

        @event.listens_for(db.engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            counts["sql_s"] += time.perf_counter() - marks.pop(id(cursor), time.perf_counter())

        @event.listens_for(db.engine, "commit")
        def _commit(conn):
            counts["commits"] += 1

        raw_validate = protocol.payload

        def timed_payload(event_):
            t = time.perf_counter()
            try:
                return raw_validate(event_)
            finally:
                counts["validate_s"] += time.perf_counter() - t

        ingest.protocol.payload = timed_payload
        commit_s = [0.0]  # the database's own commit: the fsync on SQLite, the WAL flush on PostgreSQL
        original_commit = db.engine.dialect.do_commit

        def do_commit(dbapi_connection):
            t = time.perf_counter()
            original_commit(dbapi_connection)
            commit_s[0] += time.perf_counter() - t

        db.engine.dialect.do_commit = do_commit
        def run(events):
            with sqlite.immediate():
                return ingest.push(db.session, db.session.get(Device, device_id), events)

        t = time.perf_counter()
        results = run(batch[:half])["results"]
        elapsed = time.perf_counter() - t
        assert {r["status"] for r in results} == {"applied"}, {r["status"] for r in results}
        n = len(batch[:half])
        types = sorted({e["type"] for e in batch})
        print(f"  ingest of {n} events in process ({', '.join(types)}): {elapsed / n * 1000:.2f} ms/event "
              f"= {n / elapsed:.0f} events/s", file=out)
        print(f"    per event: {counts['statements'] / n:.1f} SQL statements, {counts['commits'] / n:.2f} commits; "
              f"time in SQL {counts['sql_s'] / n * 1000:.2f} ms, in commits {commit_s[0] / n * 1000:.2f} ms, "
              f"in payload validation {counts['validate_s'] / n * 1000:.2f} ms, the rest (ORM, Python) "
              f"{(elapsed - counts['sql_s'] - commit_s[0] - counts['validate_s']) / n * 1000:.2f} ms", file=out)
        replay_t = time.perf_counter()
        replayed = run(batch[:half])["results"]
        replay_s = time.perf_counter() - replay_t
        assert {r["status"] for r in replayed} == {"duplicate"}
        print(f"    a replay of the same events (all duplicate): {replay_s / n * 1000:.2f} ms/event", file=out)
        profiler = cProfile.Profile()
        profiler.enable()
        run(batch[half:])
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(12)
        lines = [line for line in stream.getvalue().splitlines() if line.strip()][-13:]
        print("    cProfile of the next batch half, by own time:", file=out)
        for line in lines:
            print("      " + line[:150], file=out)
        ingest.protocol.payload = raw_validate
        db.engine.dialect.do_commit = original_commit
        db.session.remove()
        db.engine.dispose()
    return out.getvalue()


def fsync_cost(directory: Path) -> str:
    """One small transaction committed 300 times with SQLite's synchronous=FULL and NORMAL."""
    figures = []
    for mode in ("FULL", "NORMAL"):
        path = directory / f"fsync-{mode}.sqlite3"
        connection = sqlite3.connect(str(path), isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={mode}")
        connection.execute("CREATE TABLE t (x)")
        started = time.perf_counter()
        for i in range(300):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t VALUES (?)", (i,))
            connection.execute("COMMIT")
        figures.append(f"{mode} {(time.perf_counter() - started) / 300 * 1000:.2f} ms")
        connection.close()
    return "one durable SQLite commit on this disk (WAL): " + ", ".join(figures)


# --- one backend -------------------------------------------------------------------------------

def run_backend(backend: str, args, workdir: Path) -> dict:
    root = workdir / backend
    root.mkdir(parents=True)
    dropped = []
    if backend == "sqlite":
        url = f"sqlite:///{root / 'cloud.sqlite3'}"
    else:
        name = f"pos_bench_drain_{os.getpid()}"
        url = pg_create(args.postgres_url, name)
        dropped.append(name)
    print(f"\n== {backend} ==", flush=True)
    cloud = Cloud(root, database_url=url).start()
    edge = Edge(root / "edge", cloud_url=cloud.url, env={"POS_EDGE_PUSH_BATCH": str(args.batch),
                                                         "POS_EDGE_PUSH_INTERVAL_S": "1"})
    try:
        edge.enroll(cloud.url, cloud.seed_demo())
    finally:
        cloud.stop()
    # a copy of the cloud as it is before the drain, for the in-process profile
    if backend == "sqlite":
        source, target = sqlite3.connect(str(root / "cloud.sqlite3")), sqlite3.connect(str(root / "profile.sqlite3"))
        source.backup(target)  # the WAL's content too, unlike a file copy
        source.close()
        target.close()
        profile_url = f"sqlite:///{root / 'profile.sqlite3'}"
    else:
        profile_name = f"pos_bench_profile_{os.getpid()}"
        profile_url = pg_create(args.postgres_url, profile_name, template=dropped[0])
        dropped.append(profile_name)
    device_id = json.loads((edge.data_dir / "device.json").read_text())["device_id"]

    events, queue_s = queue_orders(edge.data_dir, args.orders)
    print(f"queued {args.orders} orders at the edge with the cloud away: {events} outbox events "
          f"({queue_s:.1f} s of setup)", flush=True)
    sample = wire_sample(edge.data_dir, args.sample)

    cloud.start()
    started = time.monotonic()
    edge.start()
    up = time.monotonic()
    while pending(edge.data_dir):
        if time.monotonic() - started > args.timeout:
            raise SystemExit(f"the backlog did not drain within {args.timeout} s:\n{edge.log()}")
        time.sleep(0.2)
    wall = time.monotonic() - started
    edge.stop()
    cloud.stop()

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        first_in, last_in, applied = connection.execute(text(
            "SELECT min(received_at), max(received_at), count(*) FROM processed_events WHERE status = 'applied'"
        )).one()
    engine.dispose()
    with sqlite3.connect(str(edge.data_dir / "edge.sqlite3")) as connection:
        last_sent, batches = connection.execute(
            "SELECT max(sent_at), count(DISTINCT sent_at) FROM outbox WHERE status = 'sent'").fetchone()
    from datetime import datetime

    def parse(value):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    push_s = (parse(last_sent) - parse(first_in)).total_seconds()
    rate, wall_rate = events / push_s, events / wall
    verdict = "meets" if rate >= TARGET else "BELOW"
    print(f"drained {events} events ({applied} applied in the cloud) in {batches} pushes of up to {args.batch}: "
          f"push phase {push_s:.1f} s = {rate:.0f} events/s ({verdict} the {TARGET}/s target); "
          f"{wall:.1f} s wall from the edge's start ({up - started:.1f} s of it start-up) = {wall_rate:.0f} events/s",
          flush=True)
    print(profile_ingest(profile_url, device_id, sample), end="")
    if backend == "sqlite":
        print("  " + fsync_cost(root))
    for name in dropped:
        pg_drop(args.postgres_url, name)
    return {"backend": backend, "events": events, "events_per_s": rate, "wall_events_per_s": wall_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("POS_TEST_POSTGRES_URL"))
    parser.add_argument("--batch", type=int, default=200, help="the relay's batch size (POS_EDGE_PUSH_BATCH)")
    parser.add_argument("--sample", type=int, default=200, help="events in the profiled sample")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and not args.postgres_url:
        if args.backend == "postgres":
            raise SystemExit("PostgreSQL needs --postgres-url or POS_TEST_POSTGRES_URL")
        print("PostgreSQL skipped: set POS_TEST_POSTGRES_URL or pass --postgres-url")
        backends.remove("postgres")
    workdir = Path(tempfile.mkdtemp(prefix="pos-sync-drain-"))
    try:
        results = [run_backend(backend, args, workdir) for backend in backends]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nsummary: " + "; ".join(f"{r['backend']} {r['events_per_s']:.0f} events/s (push phase), "
                                     f"{r['wall_events_per_s']:.0f} events/s (wall)" for r in results))


if __name__ == "__main__":
    main()
