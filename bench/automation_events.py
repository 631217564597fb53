"""What event automation rules cost the worker, and how fast it delivers webhooks: the
same sales pushed (each an order with a customer and its paid payment, as in
bench/ingest_triggers.py), then the worker's expand step settles their notes with no rule,
and with three `payment_received` rules (a webhook whose conditions hold, an alert, and a
webhook whose condition does not hold); then the queued webhooks are delivered to a local
HTTP server (ThreadingHTTPServer on loopback, answering 200) by one worker. In process,
warm, on a fresh SQLite file (and PostgreSQL with --postgres-url). Ingest itself is
unchanged: the notes were already written (bench/ingest_triggers.py measures them).

Run: .venv/bin/python bench/automation_events.py [--sales 300] [--postgres-url URL]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_triggers import ROOT, build, sales  # noqa: E402  (also puts the repository on sys.path)

assert ROOT


class Ok(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def settle(app, device_id: int, batch: list[dict]) -> float:
    """Push the batch, then time the expand step over its notes: ms per note."""
    from sqlalchemy import func, select

    from cloud.extensions import db
    from cloud.models import Device, NotificationTrigger
    from cloud.services import ingest, notification_triggers

    with app.app_context():
        ingest.push(db.session, db.session.get(Device, device_id), batch)
        db.session.commit()
        pending = db.session.execute(select(func.count()).select_from(NotificationTrigger)
                                     .where(NotificationTrigger.processed_at.is_(None))).scalar()
        started = time.perf_counter()
        settled = 0
        while settled < pending:
            settled += notification_triggers.expand(db.session, limit=200)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed / pending * 1000


def run(url: str, label: str, count: int) -> None:
    from sqlalchemy import func, select

    from cloud.extensions import db
    from cloud.models import Outlet, WebhookDelivery
    from cloud.services import automation_rules, webhook_deliveries
    from cloud.services.actor import Actor

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    app, outlet_id, customer_uuid, device_id = build(url)
    seq = 1
    warm = sales(outlet_id, customer_uuid, 20, seq)
    seq += len(warm)
    settle(app, device_id, warm)
    batch = sales(outlet_id, customer_uuid, count, seq)
    seq += len(batch)
    without = settle(app, device_id, batch)
    with app.app_context():
        tenant_id = db.session.get(Outlet, outlet_id).tenant_id
        owner = Actor(0, "bench", "tenant_owner", tenant_id, None)
        secret = "bench-secret-0123456789"
        for name, conditions, action in (
                ("hook", [{"field": "amount", "op": ">=", "value": "10.00"}],
                 {"type": "webhook", "url": hook, "secret": secret}),
                ("alert", [], {"type": "alert"}),
                ("never", [{"field": "method", "op": "==", "value": "qris"}],
                 {"type": "webhook", "url": hook, "secret": secret})):
            automation_rules.create_rule(db.session, owner, {"name": name, "trigger": "payment_received",
                                                             "conditions": conditions, "actions": [action]})
        db.session.commit()
    batch = sales(outlet_id, customer_uuid, count, seq)
    with_rules = settle(app, device_id, batch)
    print(f"{label} expand: {without:.3f} ms/note with no rule, {with_rules:.3f} ms/note with three payment_received "
          f"rules ({count * 2} notes: an order_created and a payment_received per sale; the rules are read "
          f"for the payment ones and fire on them)")
    with app.app_context():
        queued = db.session.execute(select(func.count()).select_from(WebhookDelivery)).scalar()
        started = time.perf_counter()
        done = webhook_deliveries.run_once(db.session, webhook_deliveries.WebhookSettings(batch=50))
        elapsed = time.perf_counter() - started
        db.session.remove()
    server.shutdown()
    print(f"{label} webhooks: {done.delivered} of {queued} delivered by one worker in {elapsed:.2f} s "
          f"({done.delivered / elapsed:.0f}/s, {elapsed / max(done.delivered, 1) * 1000:.2f} ms each: claim, "
          f"sign, POST on loopback, record)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=300)
    parser.add_argument("--postgres-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'cloud.sqlite3'}", "SQLite", args.sales)
    if args.postgres_url:
        run(args.postgres_url, "PostgreSQL", args.sales)


if __name__ == "__main__":
    main()
