"""What the notification triggers cost the cloud's ingest: the same sales pushed with the
ingest's trigger notes on (as shipped) and off (the note functions replaced by no-ops), in
process, warm, on a fresh SQLite file (and PostgreSQL with --postgres-url).

Each sale is an `order.snapshot` of an order with a customer and its paid
`payment.recorded`: the case that writes notes (`order_created` once per order with a
customer, `payment_received` once per paid payment; a refund, a bump or a cancellation
writes one more each). bench/sync_drain.py's backlog has neither customers nor payments,
so it does not exercise these inserts. Printed per event: time, SQL statements, commits.

Run: .venv/bin/python bench/ingest_triggers.py [--sales 600] [--rounds 3] [--postgres-url URL]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POS_PASSWORD_HASH_PROFILE", "fast")


def build(url: str):
    """A cloud app with one tenant, outlet, customer and enrolled device."""
    from cloud import create_app
    from cloud.extensions import db
    from cloud.models import Base
    from cloud.services import customers, enrollment, tenants
    from cloud.services.actor import Actor

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "JWT_SECRET_KEY": "x" * 40,
                      "PASSWORD_HASH_PROFILE": "fast"})
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        tenant = tenants.create_tenant(db.session, {"name": "Bench", "slug": "bench"})
        outlet = tenants.create_outlet(db.session, tenant.id, {"code": "AA1", "name": "Bench One"})
        owner = Actor(0, "bench", "tenant_owner", tenant.id, None)
        customer = customers.create_customer(db.session, owner, {"name": "Budi", "phone": "081234567890"})
        key, _ = enrollment.issue_key(db.session, outlet, None)
        db.session.commit()
        ids = outlet.id, customer.uuid
    client = app.test_client()
    enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "bench"}).json
    return app, ids[0], ids[1], enrolled["device_id"]


def sales(outlet_id: int, customer_uuid: str, count: int, first_seq: int) -> list[dict]:
    from sync.ids import new_uuid, sha256_hex
    from sync.schemas import events
    from sync.timeutil import isoformat, utcnow
    from tests.cloud.test_drain_ingest import order, payment

    now = utcnow().replace(microsecond=0)
    out, seq = [], first_seq
    for _ in range(count):
        sold = order(outlet_id, lines=2, customer_uuid=customer_uuid, created_at=now, business_date=now.date(),
                     paid_amount=3000, status="completed")
        for kind, values in (("order.snapshot", sold), ("payment.recorded", {**payment(sold["uuid"], 3000),
                                                                           "created_at": now})):
            payload = events.dump(kind, values)
            out.append({"seq": seq, "event_id": new_uuid(), "type": kind, "occurred_at": isoformat(now),
                        "payload": payload, "payload_sha256": sha256_hex(payload)})
            seq += 1
    return out


def measure(app, device_id: int, batch: list[dict]) -> tuple[float, float, float]:
    """(ms/event, statements/event, commits/event) for one push of `batch`."""
    from sqlalchemy import event

    from cloud.extensions import db
    from cloud.models import Device
    from cloud.services import ingest
    from sync import sqlite

    counts = {"statements": 0, "commits": 0}
    with app.app_context():
        def _count(*_args):
            counts["statements"] += 1

        def _commit(*_args):
            counts["commits"] += 1

        event.listen(db.engine, "before_cursor_execute", _count)
        event.listen(db.engine, "commit", _commit)
        started = time.perf_counter()
        with sqlite.immediate():
            results = ingest.push(db.session, db.session.get(Device, device_id), batch)["results"]
        elapsed = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", _count)
        event.remove(db.engine, "commit", _commit)
        db.session.remove()
    assert {r["status"] for r in results} == {"applied"}, results[:3]
    n = len(batch)
    return elapsed / n * 1000, counts["statements"] / n, counts["commits"] / n


def run(url: str, label: str, count: int, rounds: int) -> None:
    from cloud.services import notification_triggers

    app, outlet_id, customer_uuid, device_id = build(url)
    real = {name: getattr(notification_triggers, name) for name in ("note_order", "note_payment", "note_refund")}
    seq = 1
    warm = sales(outlet_id, customer_uuid, 50, seq)
    seq += len(warm)
    measure(app, device_id, warm)
    figures = {"on": [], "off": []}
    for _ in range(rounds):
        for mode in ("off", "on"):
            batch = sales(outlet_id, customer_uuid, count, seq)
            seq += len(batch)
            for name, fn in real.items():
                setattr(notification_triggers, name, fn if mode == "on" else (lambda *a, **k: None))
            figures[mode].append(measure(app, device_id, batch))
    for name, fn in real.items():
        setattr(notification_triggers, name, fn)
    for mode in ("off", "on"):
        ms = statistics.median(f[0] for f in figures[mode])
        print(f"{label} triggers {mode:>3}: {ms:.3f} ms/event (median of {rounds} rounds of {count} sales = "
              f"{2 * count} events), {figures[mode][0][1]:.2f} SQL statements and {figures[mode][0][2]:.2f} "
              f"commits per event")
    on, off = (statistics.median(f[0] for f in figures[m]) for m in ("on", "off"))
    print(f"{label} the notes cost {on - off:+.3f} ms/event ({(on / off - 1) * 100:+.1f} %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'cloud.sqlite3'}", "SQLite", args.sales, args.rounds)
    if args.postgres_url:
        run(args.postgres_url, "PostgreSQL", args.sales, args.rounds)


if __name__ == "__main__":
    main()
