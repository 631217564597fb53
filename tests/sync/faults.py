"""Shared machinery of the sync fault tests (tests/sync/test_faults_*.py).

Real `pos cloud run` and `pos edge run` processes on loopback ports, the fault proxy of
tests/support/tcp_proxy.py between them, a fresh cloud database per test on SQLite and
(when POS_TEST_POSTGRES_URL is set) on PostgreSQL, and the checks every scenario ends
with: edge and cloud agree on every sale, nothing twice, nothing missing, and the sync
dashboard (`pos sync status` and GET /api/sync/status/) tells the truth.

Speed: seeding the demo tenant and enrolling an edge costs about five seconds of process
start-ups, so it is done once per backend and session (a "template": a cloud database
with the demo data and one enrolled device, plus that device's edge data dir). Each test
then starts from a copy: SQLite's backup API, `CREATE DATABASE ... TEMPLATE` on the
server of POS_TEST_POSTGRES_URL, and a copy of the data dir. The copies are independent
databases, so tests share no state.
"""
from __future__ import annotations

import atexit
import dataclasses
import glob
import itertools
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from edge.services.syncing import credentials
from tests.support.needs import NO_POSTGRES
from tests.support.processes import Cloud, Edge, run_pos
from tests.support.tcp_proxy import TcpProxy

POSTGRES_URL = os.environ.get("POS_TEST_POSTGRES_URL")
PUSH_PATH = r"^POST /api/sync/push/"

ORDER_AMOUNTS = ("subtotal", "discount_amount", "service_charge", "tax_amount", "rounding_amount", "total_amount",
                 "paid_amount", "change_amount", "voided_amount", "refunded_amount")
ORDER_FIELDS = ("order_number", "terminal", "business_date", "status", "source", "version", "customer_name",
                "cancel_reason", *ORDER_AMOUNTS)
ORDER_TIMES = ("created_at", "confirmed_at", "completed_at", "cancelled_at")
ITEM_FIELDS = ("line_no", "product_id", "product_name", "quantity", "unit_price", "gross", "discount_amount",
               "total_price", "service_charge", "tax_amount", "line_total", "voided_quantity", "refunded_quantity")
PAYMENT_FIELDS = ("order_uuid", "method", "amount", "tendered", "change_amount", "status")
REFUND_FIELDS = ("order_uuid", "kind", "method", "amount")

# The edge environment of every fault test: short timers, so a scenario sees many pushes.
EDGE_ENV = {"POS_EDGE_PUSH_INTERVAL_S": "1", "POS_EDGE_PULL_INTERVAL_S": "5", "POS_EDGE_BACKOFF_BASE_S": "0.5",
            "POS_EDGE_BACKOFF_CAP_S": "2"}


# --- databases ---------------------------------------------------------------------------

def _pg_connect(dbname: str | None = None):
    import psycopg

    url = make_url(POSTGRES_URL)
    return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
                           password=url.password, dbname=dbname or url.database, autocommit=True)


_names = itertools.count(1)


def _pg_name(tag: str) -> str:
    base = make_url(POSTGRES_URL).database or "pos"
    return f"{base}_{tag}_{os.getpid()}_{next(_names)}"[:63]


def create_pg_database(tag: str, template: str | None = None) -> str:
    """A new database on the server of POS_TEST_POSTGRES_URL; returns its name."""
    name = _pg_name(tag)
    with _pg_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_pg_database(name: str) -> None:
    with _pg_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backup_data_dir(data_dir: Path, target: Path) -> Path:
    """What a shop's nightly backup of a running edge holds: a consistent copy of the
    database (SQLite's backup API) with the credential and secret beside it."""
    target.mkdir(parents=True)
    copy_sqlite(data_dir / "edge.sqlite3", target / "edge.sqlite3")
    for name in ("device.json", "secret.key"):
        if (data_dir / name).exists():
            shutil.copy2(data_dir / name, target / name)
    return target


def copy_sqlite(source: str | Path, target: str | Path) -> None:
    """A consistent copy, the WAL's content included (a file copy would miss it)."""
    src, dst = sqlite3.connect(str(source)), sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> str:
    """Every scenario runs on SQLite and, when POS_TEST_POSTGRES_URL is set, on PostgreSQL."""
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    return request.param


# --- processes -----------------------------------------------------------------------------

class FaultCloud(Cloud):
    """`pos cloud run` with `--workers N` (gunicorn processes; PostgreSQL for N > 1)."""

    def __init__(self, workdir: Path, database_url: str, workers: int = 1, port: int | None = None):
        super().__init__(workdir, port=port, database_url=database_url)
        self.workers = workers
        self.args += ["--workers", str(workers)]


def libfaketime() -> str:
    """Path of libfaketime (Debian package `faketime`)."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is not installed: `apt-get install faketime` (CI's .ci/run installs it)")
    return found[0]


def faketime_env(offset: str | None) -> dict:
    """Environment that runs a process with its wall clock moved by `offset` ("-1d", "+1d").

    Only the wall clock moves (CLOCK_REALTIME: time.time, datetime.now, the HTTP Date the
    client compares); the monotonic clock eventlet's hub and timeouts run on stays true, as
    it does on a device whose RTC is wrong."""
    if offset is None:
        return {"LD_PRELOAD": "", "FAKETIME": ""}
    return {"LD_PRELOAD": libfaketime(), "FAKETIME": offset, "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_NO_CACHE": "1"}


class SteppedClock:
    """A wall clock the test steps while the process runs: libfaketime reads the offset
    ("+365d", "-2d") from a file, again at most a second after it changed. Only the wall
    clock moves; the monotonic clock stays true, as on a device whose RTC or NTP steps.
    (Under this preload CPython's own `time.sleep` fails with EINVAL; eventlet's green
    sleep and `Event.wait` work.)"""

    def __init__(self, path: Path, offset: str = "+0d"):
        self.path = Path(path)
        self.steps: list[str] = []
        self.set(offset)

    @property
    def env(self) -> dict:
        return {"LD_PRELOAD": libfaketime(), "FAKETIME_TIMESTAMP_FILE": str(self.path),
                "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}

    def set(self, offset: str) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(offset + "\n")
        os.replace(tmp, self.path)  # the reader never sees half a line
        self.offset = offset
        self.steps.append(offset)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


class SmallDisk:
    """A size-limited tmpfs mounted over a directory (an edge's data dir), its content
    kept: a disk the test fills (a ballast file up to ENOSPC) and frees again. Needs root
    or CAP_SYS_ADMIN, as in CI; otherwise the test is skipped with the reason."""

    def __init__(self, directory: Path, size_mb: int, *, skip_if_impossible: bool = True):
        self.directory, self.size_mb = Path(directory), size_mb
        self.ballast = self.directory / "ballast.bin"
        self.fills = 0
        keep = self.directory.with_name(self.directory.name + ".before-mount")
        shutil.copytree(self.directory, keep)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(self.directory)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(keep)
            reason = f"cannot mount a size-limited tmpfs here (needs root): {done.stderr.strip()}"
            if skip_if_impossible:
                pytest.skip(reason)
            raise OSError(reason)
        shutil.copytree(keep, self.directory, dirs_exist_ok=True)
        shutil.rmtree(keep)

    def fill(self) -> None:
        """Write the ballast until the disk is full (every byte: SQLite then fails)."""
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 20, 4096):  # big pieces, then the last pages
                chunk = b"\0" * size
                try:
                    while True:
                        os.write(fd, chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)
        self.fills += 1

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.directory).free

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.directory)], capture_output=True, check=False)


@dataclass
class Template:
    """A seeded cloud database with one enrolled device, and that device's data dir."""

    backend: str
    database: str        # SQLite file path or PostgreSQL database name
    edge_dir: Path
    tenant_version: int


def _build_template(backend: str, root: Path) -> Template:
    root.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        database = str(root / "cloud.sqlite3")
        url = f"sqlite:///{database}"
    else:
        database = create_pg_database("tmpl")
        url = pg_url(database)
    cloud = FaultCloud(root, url).start()
    try:
        edge = Edge(root / "edge")
        edge.enroll(cloud.url, cloud.seed_demo())
    finally:
        cloud.stop()
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT max(version) FROM tenant_versions")).scalar_one()
    engine.dispose()
    return Template(backend, database, root / "edge", int(version))


def copy_outlet(template: Template, workdir: Path, *, cloud_env: dict | None = None, cloud_port: int | None = None,
                edge_env: dict | None = None) -> tuple[Cloud, Edge]:
    """A cloud (on a copy of a SQLite template's database) and its enrolled edge (on a copy
    of the template's data dir), not started: the end-to-end tests' outlet without a
    `pos cloud seed-demo` and a `pos edge enroll` of its own. The copy's credential names
    the new cloud's URL, as enrolling there would have (receipt links are signed for it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy_sqlite(template.database, workdir / "cloud.sqlite3")
    shutil.copytree(template.edge_dir, workdir / "edge")
    cloud = Cloud(workdir, port=cloud_port, env=cloud_env)
    credential = credentials.load_device(workdir / "edge")
    credentials.save_device(workdir / "edge", dataclasses.replace(credential, cloud_url=cloud.url))
    return cloud, Edge(workdir / "edge", env=edge_env)


# One template per backend for the whole session. The cache is the module's, not a
# fixture's: each test module imports the fixture, and pytest would keep one
# session-scoped value per importing module.
_templates: dict[str, Template] = {}
_templates_lock = threading.Lock()


@atexit.register
def _drop_templates() -> None:
    for template in _templates.values():
        if template.backend == "postgres":
            drop_pg_database(template.database)


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """`templates(backend)`: that backend's template, built on first use."""
    def get(backend: str) -> Template:
        with _templates_lock:
            if backend not in _templates:
                _templates[backend] = _build_template(backend, tmp_path_factory.mktemp(f"template-{backend}"))
            return _templates[backend]

    return get


# --- an outlet: cloud, proxy, edge ------------------------------------------------------

class Outlet:
    """One test's world: a cloud process on a fresh copy of the template database, a
    fault proxy in front of it, and an edge process (data dir copied from the template)
    whose `--cloud-url` is the proxy."""

    def __init__(self, template: Template, workdir: Path, *, workers: int = 1, edge_env: dict | None = None):
        self.template = template
        self.backend = template.backend
        self.workdir = workdir
        self.pg_database = None
        workdir.mkdir(parents=True, exist_ok=True)
        if self.backend == "sqlite":
            path = workdir / "cloud.sqlite3"
            copy_sqlite(template.database, path)
            self.database_url = f"sqlite:///{path}"
        else:
            self.pg_database = create_pg_database("t", template=template.database)
            self.database_url = pg_url(self.pg_database)
        self.cloud = FaultCloud(workdir, self.database_url, workers=workers)
        self.proxy = TcpProxy(self.cloud.port)
        self.edges: list[Edge] = []
        self.edge = self.add_edge("edge", env=edge_env)
        self._engine = None

    def enroll_edge(self, name: str, env: dict | None = None) -> Edge:
        """A second edge of the outlet: a fresh data dir enrolled with a new key from the
        owner that keeps the outlet's other devices (a new device with its own numbering space)."""
        outlet_id = json.loads((self.template.edge_dir / "device.json").read_text())["outlet_id"]
        key = requests.post(f"{self.cloud.url}/api/outlets/{outlet_id}/enrollment-key/",
                            json={"keep_other_devices": True},
                            headers={"Authorization": f"Bearer {self.owner_token()}"}, timeout=10)
        key.raise_for_status()
        data_dir = self.workdir / name
        edge = Edge(data_dir, cloud_url=self.proxy.url, env={**EDGE_ENV, **(env or {})})
        edge.enroll(self.proxy.url, key.json()["enrollment_key"])
        self.edges.append(edge)
        return edge

    def restore_edge(self, name: str, backup: Path, env: dict | None = None) -> Edge:
        """An edge process on a copy of a backup of a data dir (`backup_data_dir`)."""
        return self.add_edge(name, env=env, copy_of=backup)

    def add_edge(self, name: str, env: dict | None = None, copy_of: Path | None = None) -> Edge:
        """An edge process on a copy of the template's (or `copy_of`'s) data dir."""
        data_dir = self.workdir / name
        shutil.copytree(copy_of or self.template.edge_dir, data_dir)
        edge = Edge(data_dir, cloud_url=self.proxy.url, env={**EDGE_ENV, **(env or {})})
        self.edges.append(edge)
        return edge

    # --- the cloud's database, read directly ---
    @property
    def engine(self):
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        return self._engine

    def cloud_rows(self, sql: str, **params) -> list[dict]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), params)]

    def cursor_range(self) -> tuple[int, int]:
        """Where an edge's pull cursor may rightly be: between the template's version and
        the tenant's current change version (pulls run every few seconds)."""
        now = self.cloud_rows("SELECT max(version) AS v FROM tenant_versions")[0]["v"]
        return self.template.tenant_version, int(now)

    def owner_token(self) -> str:
        response = requests.post(f"{self.cloud.url}/api/auth/login/",
                                 json={"username": "owner", "password": "owner123"}, timeout=10)
        response.raise_for_status()
        return response.json()["access"]

    def close(self) -> None:
        for edge in self.edges:
            edge.stop()
        self.cloud.stop()
        self.proxy.close()
        if self._engine is not None:
            self._engine.dispose()
        if self.pg_database:
            drop_pg_database(self.pg_database)


@pytest.fixture
def make_outlet(backend, templates, tmp_path):
    """`make_outlet(workers=1, edge_env=None)` -> an Outlet (processes not started)."""
    made: list[Outlet] = []

    def make(**kwargs) -> Outlet:
        outlet = Outlet(templates(backend), tmp_path / f"outlet{len(made) + 1}", **kwargs)
        made.append(outlet)
        return outlet

    yield make
    for outlet in made:
        outlet.close()


# --- talking to an edge like a till does ---------------------------------------------------

class Till:
    """A cashier (or manager) at one edge process, over real HTTP. No keep-alive session:
    the edge may be killed between two calls."""

    def __init__(self, edge: Edge, username: str = "cashier", terminal: int = 1, timeout: float = 10, **secret):
        self.edge, self.timeout = edge, timeout
        if not secret:
            secret = {"pin": "1234"} if username == "cashier" else {"password": f"{username}123"}
        token = edge.login(username, **secret)
        self.headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)}
        self._catalog = None

    def call(self, method: str, path: str, body: dict | None = None, timeout: float | None = None,
             headers: dict | None = None) -> requests.Response:
        return requests.request(method, f"{self.edge.url}{path}", json=body, headers={**self.headers,
                                **(headers or {})}, timeout=timeout or self.timeout)

    def ok(self, method: str, path: str, body: dict | None = None, **kw) -> dict:
        response = self.call(method, path, body, **kw)
        assert response.status_code in (200, 201), (path, response.status_code, response.text[:500])
        return response.json()

    @property
    def catalog(self) -> list[dict]:
        if self._catalog is None:
            self._catalog = self.ok("GET", "/api/products/?page_size=100")["results"]
        return self._catalog

    def cart(self, rng: random.Random, lines: int | None = None) -> list[dict]:
        """A random cart of real products, with their required modifiers chosen."""
        items = []
        for product in rng.sample(self.catalog, lines or rng.randint(1, 3)):
            modifiers = []
            for group in product["modifier_groups"]:
                wanted = group["min_choices"] if group["required"] else rng.choice([0, 0, 1])
                modifiers += [m["id"] for m in rng.sample(group["modifiers"], min(wanted, len(group["modifiers"])))]
            items.append({"product_id": product["id"], "quantity": rng.randint(1, 3), "modifier_ids": modifiers})
        return items

    def order(self, rng: random.Random, **fields) -> dict:
        return self.ok("POST", "/api/orders/", {"items": self.cart(rng), **fields})

    def open_shift(self) -> dict:
        return self.ok("POST", "/api/shifts/open/", {"opening_cash": "500000.00"})

    def pay_cash(self, order: dict) -> dict:
        return self.ok("POST", "/api/payments/", {"order_id": order["id"], "method": "cash",
                                                  "tendered": order["balance_due"]})

    def sync_status(self) -> dict:
        return self.ok("GET", "/api/sync/status/")


def busy_day(cashier: Till, manager: Till, cook: Till, rng: random.Random, orders: int) -> list[dict]:
    """A day with every kind of sale fact the edge sends: a customer registered offline,
    orders with and without customers and promo codes, cash and split card+cash payments,
    the kitchen flow to completion (loyalty points), refunds, cancellations (promotion
    uses given back), a cash movement. Returns the orders as the API last answered."""
    customer = cashier.ok("POST", "/api/customers/", {"name": "Siti Aminah",
                                                     "phone": f"0812{rng.randrange(10**7, 10**8)}"})
    current = cashier.call("GET", "/api/shifts/current/")
    shift = current.json() if current.status_code == 200 else cashier.open_shift()
    cashier.ok("POST", f"/api/shifts/{shift['id']}/cash-movements/", {"kind": "in", "amount": "50000.00",
                                                                       "reason": "change float"})
    sold = []
    for index in range(orders):
        fields = {}
        if index % 3 == 0:
            fields["customer_id"] = customer["id"]
        if index % 4 == 1:
            fields["promo_codes"] = ["WEEKEND30"]
            items = [{"product_id": next(p["id"] for p in cashier.catalog if p["sku"] == "PZ-PEPP"),
                      "quantity": 1, "modifier_ids": [next(m["id"] for g in next(
                          p for p in cashier.catalog if p["sku"] == "PZ-PEPP")["modifier_groups"]
                          for m in g["modifiers"] if m["name"] == "Large")]}]
        else:
            items = cashier.cart(rng)
        order = cashier.ok("POST", "/api/orders/", {"items": items, **fields})
        fate = index % 6
        if fate == 5:  # cancelled before the kitchen
            order = cashier.ok("POST", f"/api/orders/{order['id']}/cancel/", {"reason": "customer left"})
        elif fate in (0, 1, 2, 3):
            cashier.ok("POST", f"/api/orders/{order['id']}/confirm/")
            cook.ok("POST", f"/api/kitchen/orders/{order['id']}/ready/")
            if fate == 1:  # split tender: part card, the rest cash
                due = order["total_amount"]
                half = f"{(int(float(due) * 100) // 200) / 100:.2f}"
                cashier.ok("POST", "/api/payments/", {"order_id": order["id"], "method": "card", "amount": half,
                                                     "reference": f"APPR{index:04d}"})
                order = cashier.ok("GET", f"/api/orders/{order['id']}/")
            cashier.pay_cash(order)
            order = cashier.ok("POST", f"/api/orders/{order['id']}/complete/")
            if fate == 3:
                manager.ok("POST", f"/api/orders/{order['id']}/refund/", {"reason": "cold pizza"})
                order = cashier.ok("GET", f"/api/orders/{order['id']}/")
        sold.append(order)
    return sold


# --- reading the edge's database -----------------------------------------------------------

@contextmanager
def edge_sqlite(data_dir: Path):
    connection = sqlite3.connect(str(Path(data_dir) / "edge.sqlite3"), timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        yield connection
    finally:
        connection.close()


def _day(value) -> str | None:
    return None if value is None else str(value)[:10]


def _second(value) -> str | None:
    """Timestamps travel with whole seconds (ISO 8601, Z): compare them so."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    return str(value).replace("T", " ")[:19]


def _order_row(row: dict) -> dict:
    out = {f: row[f] for f in ORDER_FIELDS}
    out["business_date"] = _day(out["business_date"])
    out.update({f: _second(row[f]) for f in ORDER_TIMES})
    return out


@dataclass
class Facts:
    """The sales facts one side holds, keyed by uuid."""

    orders: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)      # order uuid -> [line dicts]
    payments: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    shifts: dict = field(default_factory=dict)


def edge_facts(data_dir: Path) -> tuple[Facts, list[dict]]:
    """Everything the edge sold, and its outbox."""
    facts = Facts()
    with edge_sqlite(data_dir) as db:
        ids = {}
        for row in db.execute("SELECT * FROM orders"):
            row = dict(row)
            ids[row["id"]] = row["uuid"]
            facts.orders[row["uuid"]] = _order_row(row)
        for row in db.execute("SELECT * FROM order_items ORDER BY order_id, line_no"):
            facts.items.setdefault(ids[row["order_id"]], []).append({f: row[f] for f in ITEM_FIELDS})
        for row in db.execute("SELECT p.*, o.uuid AS order_uuid FROM payments p JOIN orders o ON o.id = p.order_id"):
            facts.payments[row["uuid"]] = {f: row[f] for f in PAYMENT_FIELDS}
        for row in db.execute("SELECT r.*, o.uuid AS order_uuid FROM refunds r JOIN orders o ON o.id = r.order_id"):
            facts.refunds[row["uuid"]] = {f: row[f] for f in REFUND_FIELDS}
        for row in db.execute("SELECT uuid, status, version, opening_cash FROM shifts"):
            facts.shifts[row["uuid"]] = dict(row)
        outbox = [dict(row) for row in db.execute(
            "SELECT seq, event_id, type, aggregate_id, aggregate_version, status, dead_reason, occurred_at "
            "FROM outbox ORDER BY seq")]
    return facts, outbox


def outbox_wire(data_dir: Path, status: str = "pending") -> list[dict]:
    """The edge's outbox events in `status`, in seq order, as the relay puts them on the
    wire (each with its `sent_at`, for grouping the relay's batches back)."""
    with edge_sqlite(data_dir) as db:
        rows = [dict(r) for r in db.execute("SELECT * FROM outbox WHERE status = ? ORDER BY seq", (status,))]
    return [{"seq": r["seq"], "event_id": r["event_id"], "type": r["type"],
             "occurred_at": r["occurred_at"].replace(" ", "T")[:19] + "Z", "payload": json.loads(r["payload"]),
             "payload_sha256": r["payload_sha256"], "sent_at": r["sent_at"]} for r in rows]


def device_client(data_dir: Path, cloud_url: str):
    """The real sync client with the device credential of an edge's data dir."""
    from sync.client import CloudClient

    device = json.loads((Path(data_dir) / "device.json").read_text())
    return CloudClient(cloud_url, device["device_id"], device["device_token"])


def cloud_facts(outlet: Outlet, outlet_id: int | None = None) -> Facts:
    facts = Facts()
    where, params = ("WHERE outlet_id = :o", {"o": outlet_id}) if outlet_id else ("", {})
    ids = {}
    for row in outlet.cloud_rows(f"SELECT * FROM orders {where}", **params):
        assert row["uuid"] not in facts.orders, f"order {row['uuid']} is twice in the cloud"
        ids[row["id"]] = row["uuid"]
        facts.orders[row["uuid"]] = _order_row(row)
    for row in outlet.cloud_rows("SELECT * FROM order_items ORDER BY order_id, line_no"):
        if row["order_id"] in ids:
            facts.items.setdefault(ids[row["order_id"]], []).append({f: row[f] for f in ITEM_FIELDS})
    for table, fields_, target in (("payments", PAYMENT_FIELDS, facts.payments),
                                   ("refunds", REFUND_FIELDS, facts.refunds)):
        for row in outlet.cloud_rows(f"SELECT * FROM {table} {where}", **params):
            assert row["uuid"] not in target, f"{table} {row['uuid']} is twice in the cloud"
            target[row["uuid"]] = {f: row[f] for f in fields_}
    for row in outlet.cloud_rows(f"SELECT uuid, status, version, opening_cash FROM shifts {where}", **params):
        facts.shifts[row["uuid"]] = row
    return facts


@dataclass
class Agreement:
    orders: int
    payments: int
    refunds: int
    events: int


def assert_cloud_matches_edge(outlet: Outlet, data_dir: Path | None = None, *, dead_ok: int = 0,
                              outlet_id: int | None = None) -> Agreement:
    """After a sync: the cloud holds every sale of the edge exactly once, with identical
    stored amounts, lines, versions and statuses, and nothing else; the events the cloud
    applied are exactly the events the edge marked sent (except `dead_ok` dead letters,
    whose aggregates are left out of the comparison)."""
    edge, outbox = edge_facts(data_dir or outlet.edge.data_dir)
    pending = [e for e in outbox if e["status"] == "pending"]
    assert not pending, f"{len(pending)} events still pending, first: {pending[0]}"
    dead = [e for e in outbox if e["status"] == "dead"]
    assert len(dead) == dead_ok, f"dead letters: {dead}"
    skipped = {e["aggregate_id"] for e in dead if e["type"] == "order.snapshot"}
    sent = {e["event_id"] for e in outbox if e["status"] == "sent"}

    processed = outlet.cloud_rows("SELECT event_id, status, outlet_id FROM processed_events")
    processed = [p for p in processed if outlet_id is None or p["outlet_id"] == outlet_id]
    applied = [p["event_id"] for p in processed if p["status"] == "applied"]
    assert len(applied) == len(set(applied)), "an event was applied twice"
    assert set(applied) == sent, (f"applied but not sent: {len(set(applied) - sent)}, "
                                  f"sent but not applied: {len(sent - set(applied))}")

    cloud = cloud_facts(outlet, outlet_id)
    for name in ("orders", "items", "payments", "refunds", "shifts"):
        mine = {k: v for k, v in getattr(edge, name).items() if k not in skipped}
        theirs = getattr(cloud, name)
        missing = sorted(set(mine) - set(theirs))
        extra = sorted(set(theirs) - set(mine))
        assert not missing, f"{len(missing)} {name} of the edge are not in the cloud, e.g. {missing[:3]}"
        assert not extra, f"{len(extra)} {name} in the cloud are not on the edge, e.g. {extra[:3]}"
        differ = [k for k in mine if mine[k] != theirs[k]]
        assert not differ, f"{name} differ, e.g. {differ[0]}:\n edge  {mine[differ[0]]}\n cloud {theirs[differ[0]]}"
    return Agreement(len(cloud.orders), len(cloud.payments), len(cloud.refunds), len(applied))


# --- an outlet's invariants across edges (backups, twins, second edges) ---------------------

def sell_and_pay(till: Till, rng: random.Random, count: int, acknowledged: dict) -> list[dict]:
    """Orders paid in cash; every payment the edge acknowledged (201) is remembered."""
    sold = []
    for _ in range(count):
        order = till.order(rng)
        payment = till.pay_cash(order)
        acknowledged[payment["uuid"]] = order["uuid"]
        sold.append(order)
    return sold


def discrepancies(outlet, kind: str | None = None) -> list[dict]:
    query = f"?kind={kind}&page_size=100" if kind else "?page_size=100"
    answer = requests.get(f"{outlet.cloud.url}/api/sync/discrepancies/{query}",
                          headers={"Authorization": f"Bearer {outlet.owner_token()}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def printed_terminal(number: str) -> int:
    return int(number.rsplit("-", 2)[1])


def check_outlet_invariants(outlet, edges, acknowledged: dict) -> dict:
    """After a final sync: every acknowledged payment exists once in the cloud (and on its
    order), no order number repeats in the outlet (in the cloud, nor across the edges'
    own databases), and each edge's orders and payments are the cloud's."""
    cloud = cloud_facts(outlet)  # asserts no uuid twice
    missing = [p for p in acknowledged if p not in cloud.payments]
    assert not missing, f"{len(missing)} acknowledged payments are not in the cloud, e.g. {missing[:3]}"
    assert all(cloud.payments[p]["order_uuid"] == o for p, o in acknowledged.items())
    numbers = Counter(o["order_number"] for o in cloud.orders.values())
    assert [n for n, c in numbers.items() if c > 1] == [], "an order number repeats in the cloud"
    holders: dict[str, set] = {}
    for edge in edges:
        facts, _ = edge_facts(edge.data_dir)
        for uuid, order in facts.orders.items():
            holders.setdefault(order["order_number"], set()).add(uuid)
            assert uuid in cloud.orders, f"order {order['order_number']} of {edge.data_dir.name} is not in the cloud"
        for uuid in facts.payments:
            assert uuid in cloud.payments, f"payment {uuid} of {edge.data_dir.name} is not in the cloud"
    assert [n for n, uuids in holders.items() if len(uuids) > 1] == [], "two edges hold one number for two orders"
    return {"orders": len(cloud.orders), "payments": len(cloud.payments), "acknowledged": len(acknowledged)}


def incidents(till: Till) -> list[dict]:
    return till.sync_status()["incidents"]


# --- waiting -------------------------------------------------------------------------------

def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def pending_count(data_dir: Path) -> int:
    with edge_sqlite(data_dir) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def wait_drained(edge: Edge, timeout: float = 60) -> float:
    """Until the edge has nothing pending; returns the seconds it took."""
    started = time.monotonic()
    wait_until(lambda: pending_count(edge.data_dir) == 0, timeout, "the backlog to drain")
    return time.monotonic() - started


# --- the dashboard -------------------------------------------------------------------------

_TEXT = {
    "pending": re.compile(r"^pending events:\s+(\d+)(?: \(oldest (-?\d+) s\))?$", re.MULTILINE),
    "dead_count": re.compile(r"^dead letters:\s+(\d+)$", re.MULTILINE),
    "dead": re.compile(r"^  #(\d+) (\S+) (\S+): (.*)$", re.MULTILINE),
    "cursor": re.compile(r"^pull cursor:\s+(\d+) \(last pull (.*)\)$", re.MULTILINE),
    "last_success_at": re.compile(r"^last success:\s+(.*)$", re.MULTILINE),
    "breaker": re.compile(r"^breaker:\s+(\w+) \((\d+) failures in a row\)$", re.MULTILINE),
    "last_push_error": re.compile(r"^last push error:\s+(.*)$", re.MULTILINE),
    "clock_skew_s": re.compile(r"^clock skew:\s+(?:unknown|([+-]\d+) s against the cloud)$", re.MULTILINE),
}


def parse_status_text(shown: str) -> dict:
    """`pos sync status` as printed, back into the facts it shows."""
    def one(name):
        found = _TEXT[name].search(shown)
        assert found, f"`pos sync status` shows no {name}:\n{shown}"
        return found

    pending = one("pending")
    breaker = one("breaker")
    skew = one("clock_skew_s").group(1)
    error = _TEXT["last_push_error"].search(shown)
    success = one("last_success_at").group(1)
    return {
        "pending": int(pending.group(1)),
        "oldest_pending_age_s": int(pending.group(2)) if pending.group(2) else None,
        "dead_count": int(one("dead_count").group(1)),
        "dead": [{"seq": int(m.group(1)), "type": m.group(2), "aggregate_id": m.group(3), "reason": m.group(4)}
                 for m in _TEXT["dead"].finditer(shown)],
        "cursor": int(one("cursor").group(1)),
        "last_success_at": None if success == "never" else success,
        "breaker": breaker.group(1), "consecutive_failures": int(breaker.group(2)),
        "last_push_error": error.group(1) if error else None,
        "clock_skew_s": int(skew) if skew else None,
    }


@dataclass
class Dashboard:
    cli: dict            # `pos sync status`, printed by a subprocess on the data dir, parsed back
    text: str
    api: dict | None     # GET /api/sync/status/ (None when the edge is not running)


def read_dashboard(edge: Edge, manager: Till | None = None, env: dict | None = None) -> Dashboard:
    """The sync facts as a manager sees them: `pos sync status` (a subprocess on the edge's
    data dir, as on the outlet's PC) and, when the edge runs, GET /api/sync/status/."""
    shown = run_pos("sync", "status", "--data-dir", str(edge.data_dir), env=env)
    api = manager.sync_status() if manager is not None else None
    return Dashboard(parse_status_text(shown), shown, api)


def check_dashboard(board: Dashboard, *, pending: int, dead: list[str] = (), breaker: str | tuple = "closed",
                    cursor: tuple | None = None, succeeded: bool | None = None, oldest_age: tuple | None = None,
                    skew: tuple | None = None, error: str | None = None) -> None:
    """Every view shows the same, right facts: pending count, oldest pending age, dead
    letters with their reasons, cursor, last success, breaker state and clock skew."""
    views = [("cli", board.cli)] + ([("api", board.api)] if board.api is not None else [])
    breakers = (breaker,) if isinstance(breaker, str) else breaker
    for name, view in views:
        assert view["pending"] == pending, (name, view["pending"], pending)
        assert view["dead_count"] == len(dead), (name, view["dead"])
        for reason, letter in zip(sorted(dead), sorted(view["dead"], key=lambda d: d["reason"]), strict=True):
            assert reason in letter["reason"], (name, reason, letter)
        assert view["breaker"] in breakers, (name, view["breaker"], breakers)
        if cursor is not None:
            low, high = cursor
            assert low <= view["cursor"] <= high, (name, view["cursor"], cursor)
        if succeeded is not None:
            assert bool(view["last_success_at"]) == succeeded, (name, view["last_success_at"])
        if pending == 0:
            assert view["oldest_pending_age_s"] is None, (name, view)
        elif oldest_age is not None:
            low, high = oldest_age
            assert low <= (view["oldest_pending_age_s"] or 0) <= high, (name, view["oldest_pending_age_s"],
                                                                          oldest_age)
        if skew is not None:
            low, high = skew
            assert view["clock_skew_s"] is not None and low <= view["clock_skew_s"] <= high, (name, view)
        if error is not None:
            assert error in (view["last_push_error"] or ""), (name, view["last_push_error"], error)
    if board.api is not None:  # the API and the CLI read the same rows (the relay and pulls run meanwhile)
        for key in ("pending", "dead_count", "last_success_at"):
            assert board.api[key] == board.cli[key], (key, board.api[key], board.cli[key])
        assert [d["seq"] for d in board.api["dead"]] == [d["seq"] for d in board.cli["dead"]]


class Laps:
    """Where a scenario's time goes: `laps.lap("name")` after each step, `str(laps)`."""

    def __init__(self):
        self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> float:
        now = time.monotonic()
        self.laps.append((name, now - self.last))
        self.last = now
        return self.laps[-1][1]

    def __str__(self) -> str:
        return " ".join(f"{name}:{seconds:.1f}s" for name, seconds in self.laps)


def report(name: str, **figures) -> None:
    """One line of figures in the test's output (shown with -s or on failure)."""
    print(f"[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))
