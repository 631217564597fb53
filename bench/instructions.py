"""Instructions per sold order and per minimal request, counted by valgrind.

Wall-clock figures on a shared 2-core VM move by 2x within minutes; an instruction
count does not. This runs the edge in process (Flask test client, SQLite on disk with
its production settings, the cloud away) under `valgrind --tool=callgrind` twice, with
a short and a long run of the same work, and divides the difference by the difference
in work: start-up, imports and enrolment cancel out, what is left is the cost of one
more order.

- sale: create (3 lines with modifiers, a promotion applies) + pay cash + confirm
- request: GET /api/health/ on the edge (the cheapest endpoint that touches the database)
- cash: one cash-in to the drawer, the cheapest request that writes an audit record
- ping: a minimal Flask endpoint on its own (the framework's floor)

Run: .venv/bin/python bench/instructions.py [--short 20] [--long 120] [--only sale,request,ping,cash]
     [--without stock,audit]

--without (bench only) makes a part a no-op in the measured process (`stock`: the sale's
consumption movements, issue 20's budget +10 %; `audit`: every audit record at the till,
issue 21's budget +5 %), so the difference between a run with and one without is its cost.
Needs valgrind (Debian package `valgrind`).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 10  # orders sold before counting starts in both runs, so caches are warm in both


def _edge(workdir: Path):
    """An enrolled edge app with the demo catalog, selling with the cloud away."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("POS_PASSWORD_HASH_PROFILE", "fast")
    from flask_migrate import stamp

    from cloud import create_app as create_cloud
    from cloud.extensions import db as cloud_db
    from cloud.models import Base as CloudBase
    from cloud.models import Outlet
    from cloud.services import demo
    from cloud.services import enrollment as cloud_enrollment
    from edge import create_app as create_edge
    from edge.extensions import db as edge_db
    from edge.services.syncing import enrollment, puller
    from sync.client import CloudClient
    from tests.support.flask_transport import FlaskSession

    secret = "bench-secret-that-is-long-enough-for-hs256-0123456789"
    cloud = create_cloud({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'cloud.sqlite3'}",
                          "JWT_SECRET_KEY": secret, "PASSWORD_HASH_PROFILE": "fast"})
    with cloud.app_context():
        CloudBase.metadata.create_all(cloud_db.engine)
        demo.seed(cloud_db.session)
        outlet = cloud_db.session.query(Outlet).filter_by(code="YOG").one()
        key, _ = cloud_enrollment.issue_key(cloud_db.session, outlet, None)
        cloud_db.session.commit()

    edge = create_edge({"DATA_DIR": str(workdir / "edge"), "ASYNC_MODE": "threading",
                        "SCHEDULER_ENABLED": False, "PRINTING_ENABLED": False,
                        "LOGIN_RATE_LIMIT": "1000000 per minute"})
    with edge.app_context():
        edge_db.create_all()
        stamp()
        credential = enrollment.enroll(edge_db.session, edge.config["DATA_DIR"], "http://cloud.bench",
                                       key, "bench edge",
                                       client=CloudClient("http://cloud.bench", session=FlaskSession(cloud)))
        puller.pull_all(CloudClient("http://cloud.bench", device_id=credential.device_id,
                                    device_token=credential.device_token, session=FlaskSession(cloud)))
    return edge


class Till:
    """The kiosk's three requests per sale, through the test client."""

    def __init__(self, app):
        self.client = app.test_client()
        token = self.client.post("/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json["access"]
        self.headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": "1"}
        shift = self.client.post("/api/shifts/open/", json={"opening_cash": "1000000.00"}, headers=self.headers)
        self.cash_url = f"/api/shifts/{shift.json['id']}/cash-movements/"
        products = {p["sku"]: p for p in
                    self.client.get("/api/products/?page_size=100", headers=self.headers).json["results"]}

        def option(sku, name):
            return next(m["id"] for g in products[sku]["modifier_groups"] for m in g["modifiers"] if m["name"] == name)

        self.items = [
            {"product_id": products["PZ-MARG"]["id"], "quantity": 1,
             "modifier_ids": [option("PZ-MARG", "Large"), option("PZ-MARG", "Mushrooms")]},
            {"product_id": products["DS-TIRA"]["id"], "quantity": 1, "modifier_ids": []},
            {"product_id": products["DR-LATT"]["id"], "quantity": 2, "modifier_ids": [option("DR-LATT", "Extra shot")]},
        ]

    def sell(self) -> None:
        order = self.client.post("/api/orders/", json={"client_uuid": str(uuid.uuid4()), "items": self.items},
                                 headers=self.headers)
        assert order.status_code == 201 and order.json["promotions"], order.json
        paid = self.client.post("/api/payments/", json={"order_id": order.json["id"], "method": "cash",
                                                        "tendered": "1000000.00"}, headers=self.headers)
        assert paid.status_code == 201, paid.json
        confirmed = self.client.post(f"/api/orders/{order.json['id']}/confirm/", headers=self.headers)
        assert confirmed.status_code == 200, confirmed.json

    def cash_in(self) -> None:
        moved = self.client.post(self.cash_url, json={"kind": "in", "amount": "1000.00", "reason": "float"},
                                 headers=self.headers)
        assert moved.status_code == 201, moved.json

    def health(self) -> None:
        assert self.client.get("/api/health/").status_code == 200


def _ping_app():
    from flask import Flask, jsonify

    app = Flask("ping")

    @app.post("/api/ping/")
    def ping():
        return jsonify({"ok": True})

    client = app.test_client()
    return lambda: client.post("/api/ping/", json={"x": 1})


# What `--without` switches off in the measured process, to state one part's share of a sale.
PARTS = {
    "stock": ("edge.services.inventory.stock", "on_confirmed"),  # the sale's consumption movements
    "audit": ("edge.services.audit", "record"),  # every audit record at the till
}


def _switch_off(parts: list[str]) -> None:
    import importlib

    for part in parts:
        module, name = PARTS[part]
        setattr(importlib.import_module(module), name, lambda *args, **kwargs: None)


def work(kind: str, count: int, without: list[str] | None = None) -> None:
    """The measured process: set up, warm up, then `count` units of `kind`."""
    sys.path.insert(0, str(ROOT))
    _switch_off(without or [])
    with tempfile.TemporaryDirectory(prefix="pos-instr-") as tmp:
        if kind == "ping":
            unit = _ping_app()
        else:
            till = Till(_edge(Path(tmp)))
            for _ in range(WARM_UP):
                till.sell()
            unit = {"sale": till.sell, "cash": till.cash_in}.get(kind, till.health)
        for _ in range(WARM_UP):
            unit()
        for _ in range(count):
            unit()


def count_instructions(kind: str, count: int, without: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="pos-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        env = {**os.environ, "PYTHONHASHSEED": "0", "POS_PASSWORD_HASH_PROFILE": "fast"}
        done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                               sys.executable, __file__, "--work", kind, str(count),
                               *(["--without", ",".join(without)] if without else [])],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"the {kind} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        match = re.search(r"Collected : (\d+)", done.stderr)
        if not match:
            raise SystemExit(f"valgrind printed no count:\n{done.stderr[-2000:]}")
        return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=20, help="units in the short run")
    parser.add_argument("--long", type=int, default=120, help="units in the long run")
    parser.add_argument("--only", default="sale,request,ping")
    parser.add_argument("--without", default="", help=f"parts switched off, comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--work", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    without = [part for part in args.without.split(",") if part]
    unknown = set(without) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.work:
        work(args.work[0], int(args.work[1]), without)
        return
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (Debian package `valgrind`)")
    labels = {"sale": "instructions per sold order (create + pay + confirm, in process)",
              "request": "instructions per request of GET /api/health/ (edge, in process)",
              "ping": "instructions per request of a minimal Flask endpoint (the framework's floor)",
              "cash": "instructions per cash-in (one audit record at the till)"}
    for kind in args.only.split(","):
        short, long = count_instructions(kind, args.short, without), count_instructions(kind, args.long, without)
        per_unit = (long - short) / (args.long - args.short)
        print(f"{labels[kind]}{f' without {args.without}' if without else ''}: {per_unit / 1e6:.2f} M  "
              f"({args.short} units: {short / 1e9:.3f} G, {args.long} units: {long / 1e9:.3f} G)", flush=True)


if __name__ == "__main__":
    main()
