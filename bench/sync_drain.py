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
4. Where the time goes, in process on copies of both sides taken before the drain: the
   real relay pushing through the real client into the cloud app, split into the cloud's
   request and the edge's bookkeeping; the cloud's ingest of a warm sample, timed and
   counted (SQL statements and commits per event, time in SQL, in the database's commit,
   in payload validation, in the ORM around them) and profiled; and the raw cost of one
   durable SQLite commit on this disk.

Run: .venv/bin/python bench/sync_drain.py [--orders 10000] [--backend sqlite|postgres|both]
     [--postgres-url postgresql+psycopg://...] [--batch 200]
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

from tests.support.processes import Cloud, Edge  # noqa: E402 - importable only after the sys.path line above

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
    from edge.services.selling import orders
    from edge.services.storage.uow import write_transaction

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
            items = tuple(orders.LineWanted(pid, rng.randint(1, 3), tuple(mods))
                          for pid, mods in rng.sample(products, rng.randint(1, 3)))
            with write_transaction() as session:
                orders.create(session, cashier.id, 1, **{shift_arg: None}, wanted=orders.NewOrder(lines=items))
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
        rows = connection.execute("SELECT * FROM outbox WHERE status = 'pending' ORDER BY seq LIMIT ?",
                                  (size,)).fetchall()
    return [{"seq": r["seq"], "event_id": r["event_id"], "type": r["type"],
             "occurred_at": r["occurred_at"].replace(" ", "T")[:19] + "Z", "payload": json.loads(r["payload"]),
             "payload_sha256": r["payload_sha256"]} for r in rows]


# --- where the time goes -----------------------------------------------------------------------

def where_the_time_goes(url: str, data_dir: Path) -> str:
    """In process, on copies of the cloud database and the edge's data dir as they were
    before the drain: (1) the real relay pushes 600 events through the real client and
    the cloud app (flask_transport), split into the cloud's request and the edge's own
    bookkeeping; (2) the cloud's ingest of the next 150 events, warm, split into SQL,
    commits and payload validation, with statements and commits per event; (3) a replay
    of those (all duplicates); (4) a cProfile of the next 150."""
    from sqlalchemy import event

    from cloud import create_app as create_cloud
    from cloud.extensions import db
    from cloud.models import Device
    from cloud.services import ingest
    from edge import create_app as create_edge
    from edge.services.syncing.relay import Relay
    from sync import protocol, sqlite
    from sync.client import CloudClient
    from tests.support.flask_transport import FlaskSession

    out = io.StringIO()
    cloud = create_cloud({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "JWT_SECRET_KEY": "x" * 40})
    edge = create_edge({"DATA_DIR": str(data_dir), "ASYNC_MODE": "threading", "SCHEDULER_ENABLED": False,
                        "PRINTING_ENABLED": False})
    device = json.loads((data_dir / "device.json").read_text())

    # (1) the pipeline, in process
    client = CloudClient("http://cloud.test", device["device_id"], device["device_token"], session=FlaskSession(cloud))
    split = {"cloud": 0.0, "record": 0.0, "read": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                split[name] += time.perf_counter() - t
        return wrapper

    relay = Relay(client, batch=200)
    client.push = timed("cloud", client.push)
    relay._record, relay._pending = timed("record", relay._record), timed("read", relay._pending)
    with edge.app_context():
        relay.push_once(force=True)  # warm: the first batch compiles and caches every statement
        split.update(cloud=0.0, record=0.0, read=0.0)
        sent, started = 0, time.perf_counter()
        while sent < 600:
            outcome = relay.push_once(force=True)
            if not outcome.sent:
                break
            sent += outcome.sent
        elapsed = time.perf_counter() - started
    rest = elapsed - sum(split.values())
    print(f"  the relay in process, {sent} events in batches of 200: {sent / elapsed:.0f} events/s; per event "
          f"{split['cloud'] / sent * 1000:.2f} ms in the cloud's request, {split['record'] / sent * 1000:.2f} ms "
          f"marking them sent at the edge, {(split['read'] + rest) / sent * 1000:.2f} ms reading and encoding",
          file=out)

    # (2)-(4) the cloud's ingest, warm
    batch = wire_sample(data_dir, 450)
    with cloud.app_context():
        counts = {"statements": 0, "commits": 0, "sql_s": 0.0, "validate_s": 0.0, "commit_s": 0.0}
        marks = {}

        @event.listens_for(db.engine, "before_cursor_execute")
        def _before(conn, cursor, statement, parameters, context, executemany):
            marks[id(cursor)] = time.perf_counter()
            counts["statements"] += 1

        @event.listens_for(db.engine, "after_cursor_execute")
        def _after(conn, cursor, statement, parameters, context, executemany):
            counts["sql_s"] += time.perf_counter() - marks.pop(id(cursor), time.perf_counter())

        raw_validate, raw_commit = protocol.payload, db.engine.dialect.do_commit

        def payload(event_):
            t = time.perf_counter()
            try:
                return raw_validate(event_)
            finally:
                counts["validate_s"] += time.perf_counter() - t

        def do_commit(dbapi_connection):  # the database's own commit: SQLite's fsync, PostgreSQL's WAL flush
            t = time.perf_counter()
            raw_commit(dbapi_connection)
            counts["commit_s"] += time.perf_counter() - t
            counts["commits"] += 1

        ingest.protocol.payload, db.engine.dialect.do_commit = payload, do_commit

        def run(events):
            with sqlite.immediate():
                return ingest.push(db.session, db.session.get(Device, device["device_id"]), events)

        measured, profiled = batch[:150], batch[150:300]
        for key in counts:
            counts[key] = 0
        started = time.perf_counter()
        assert {r["status"] for r in run(measured)["results"]} == {"applied"}
        elapsed = time.perf_counter() - started
        n = len(measured)
        accounted = counts["sql_s"] + counts["commit_s"] + counts["validate_s"]
        print(f"  the cloud's ingest in process, {n} events ({', '.join(sorted({e['type'] for e in measured}))}), "
              f"warm: {elapsed / n * 1000:.2f} ms/event = {n / elapsed:.0f} events/s", file=out)
        print(f"    per event: {counts['statements'] / n:.1f} SQL statements and {counts['commits'] / n:.2f} commits; "
              f"{counts['sql_s'] / n * 1000:.2f} ms executing SQL, {counts['commit_s'] / n * 1000:.2f} ms in the "
              f"database's commit, {counts['validate_s'] / n * 1000:.2f} ms validating the payload, "
              f"{(elapsed - accounted) / n * 1000:.2f} ms in the ORM and Python around them", file=out)
        started = time.perf_counter()
        assert {r["status"] for r in run(measured)["results"]} == {"duplicate"}
        print(f"    the same events again (all duplicate): {(time.perf_counter() - started) / n * 1000:.2f} ms/event",
              file=out)
        profiler = cProfile.Profile()
        profiler.enable()
        run(profiled)
        profiler.disable()
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(
            r"ingest.py|session.py:\d+\((flush|commit|execute)\)|schema.py:\d+\(load\)|"
            r"base.py:\d+\(_commit_impl\)|persistence.py:\d+\(save_obj\)")
        lines = [line for line in stream.getvalue().splitlines() if "(" in line and "/" in line]
        print(f"    cProfile of the next {len(profiled)} (cumulative seconds, profiler overhead included):", file=out)
        for line in lines[:14]:
            fields = line.split()
            print(f"      {fields[3]:>7} s  {fields[0]:>6} calls  {fields[5].split('site-packages/')[-1][-70:]}",
                  file=out)
        ingest.protocol.payload, db.engine.dialect.do_commit = raw_validate, raw_commit
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
        name = f"{args.db_prefix}_drain_{os.getpid()}"
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
    events, queue_s = queue_orders(edge.data_dir, args.orders)
    print(f"queued {args.orders} orders at the edge with the cloud away: {events} outbox events "
          f"({queue_s:.1f} s of setup)", flush=True)
    # copies of both sides as they are before the drain, for the in-process breakdown
    if backend == "sqlite":
        source, target = sqlite3.connect(str(root / "cloud.sqlite3")), sqlite3.connect(str(root / "profile.sqlite3"))
        source.backup(target)  # the WAL's content too, unlike a file copy
        source.close()
        target.close()
        profile_url = f"sqlite:///{root / 'profile.sqlite3'}"
    else:
        profile_name = f"{args.db_prefix}_profile_{os.getpid()}"
        profile_url = pg_create(args.postgres_url, profile_name, template=dropped[0])
        dropped.append(profile_name)
    shutil.copytree(edge.data_dir, root / "edge-profile")

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
        first_in, applied = connection.execute(text(
            "SELECT min(received_at), count(*) FROM processed_events WHERE status = 'applied'")).one()
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
    print(where_the_time_goes(profile_url, root / "edge-profile"), end="")
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
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--db-prefix", default="pos_bench", help="name prefix of the PostgreSQL databases it makes")
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
