"""A hypothesis state machine over one cloud and two edges (two outlets of one tenant).

Rules: sell (carts of real products, with or without a customer or a promo code), pay
(cash, card, part payments), the kitchen flow to completion, refunds, cancellations,
partitions of each edge's link (down: nothing reaches the cloud; lossy: the cloud commits
and the answer is lost; cut: an empty 200 as eventlet reads a cut inside the headers),
edge restarts (a new app on the same data dir: relay state and tokens in memory are
gone), cloud restarts, pushes and pulls. Invariant after every step: the cloud never has
a sale the edge has not, nor a newer version of it. After a final sync with every link
healed: edge and cloud agree on every order (every stored amount, line, version and
status), every payment and refund, and on each outlet's totals.

It runs in process to stay fast: the cloud and edge apps are the real ones, the real
sync client and relay talk through tests/support/flask_transport.py, and a partition is
a transport that raises `Unreachable`. The real-process faults are in test_faults_*.py.

Why max_examples is modest (10 per database, up to 30 steps each, derandomized so CI
runs the same examples every time): every example builds its own cloud database (a copy
of a seeded template) and two edge data dirs and apps, and its steps are real HTTP-level
calls through the Flask apps, so an example costs one to three seconds. 10 x 30 is some
300 rule applications per database; counted on a run, that is about 90 sales, 45
payments (cash, part by card), 50 kitchen steps, 10 refunds, 30 cancellations, 40 pushes
and 20 pulls across every link state, and some 40 restarts, in many interleavings,
while the module stays within about half a minute per database. Rarer interleavings are
the real-process scenarios' job; a failure here shrinks to a short rule sequence.
"""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import create_engine, text

from cloud import create_app as create_cloud
from cloud.extensions import db as cloud_db
from cloud.models import Base as CloudBase
from cloud.models import Outlet, Tenant, User
from cloud.services import auth as cloud_auth
from cloud.services import demo, tenants
from cloud.services import enrollment as cloud_enrollment
from edge import create_app as create_edge
from edge.extensions import db as edge_db
from edge.services.syncing import enrollment, puller
from edge.services.syncing.relay import Relay
from sync.client import CloudClient, CloudError, Unreachable
from tests.conftest import TEST_SECRET
from tests.edge.conftest import Till, login
from tests.support.flask_transport import FlaskSession
from tests.sync.faults import (  # noqa: F401
    assert_cloud_matches_edge,
    backend,
    cloud_facts,
    copy_sqlite,
    create_pg_database,
    drop_pg_database,
    edge_facts,
    pg_url,
)

CLOUD_URL = "http://cloud.test"
OUTLETS = (("YOG", "cashier", "manager", "kitchen"), ("SOL", "cashier2", "manager2", "kitchen2"))
SKUS = ("PZ-MARG", "PZ-PEPP", "PS-CARB", "DR-COLA", "DR-LTEA", "DR-LATT", "DS-TIRA", "DS-PANN")


def cloud_config(url: str) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "JWT_SECRET_KEY": TEST_SECRET,
            "PASSWORD_HASH_PROFILE": "fast", "LOGIN_RATE_LIMIT": "100000 per minute"}


def edge_app(data_dir: Path):
    return create_edge({"DATA_DIR": str(data_dir), "ASYNC_MODE": "threading", "TESTING": True,
                        "SCHEDULER_ENABLED": False, "PRINTING_ENABLED": False,
                        "LOGIN_RATE_LIMIT": "100000 per minute"})


class Link:
    """A `requests.Session` stand-in to the in-process cloud that can be partitioned."""

    def __init__(self, app):
        self.inner = FlaskSession(app)
        self.mode = "up"

    def request(self, method, url, **kwargs):
        if self.mode == "down":
            raise Unreachable("partitioned: the request never left")
        response = self.inner.request(method, url, **kwargs)
        if self.mode == "lossy":
            raise Unreachable("partitioned: the cloud answered, the answer was lost")
        if self.mode == "cut" and method == "POST":
            response.content, response.text = b"", ""  # eventlet's reading of a cut inside the headers
        return response


# --- the template: a seeded cloud with two outlets, and an enrolled edge for each -----------

def _build_template(kind: str, root: Path) -> dict:
    if kind == "sqlite":
        url, database = f"sqlite:///{root / 'cloud.sqlite3'}", None
    else:
        database = create_pg_database("smtmpl")
        url = pg_url(database)
    app = create_cloud(cloud_config(url))
    with app.app_context():
        session = cloud_db.session
        CloudBase.metadata.create_all(cloud_db.engine)
        demo.seed(session)
        tenant = session.query(Tenant).filter_by(slug="pizza-palace").one()
        second = tenants.create_outlet(session, tenant.id, {"code": "SOL", "name": "Solo Paragon",
                                                            "timezone": "Asia/Jakarta"})
        for username, role, pin in (("cashier2", "cashier", "4321"), ("manager2", "manager", None),
                                    ("kitchen2", "kitchen", None)):
            user = User(username=username, role=role, tenant_id=tenant.id, outlet_id=second.id,
                        first_name=username.capitalize())
            cloud_auth.set_password(user, f"{role}123", "password")
            user.tokens_valid_after = None
            if pin:
                cloud_auth.set_pin(user, pin)
            session.add(user)
        keys = []
        for code, *_ in OUTLETS:
            outlet = session.query(Outlet).filter_by(tenant_id=tenant.id, code=code).one()
            keys.append(cloud_enrollment.issue_key(session, outlet, None)[0])
        session.commit()
    edges = []
    for index, key in enumerate(keys):
        data_dir = root / f"edge{index}"
        app_ = edge_app(data_dir)
        with app_.app_context():
            edge_db.create_all()
            credential = enrollment.enroll(edge_db.session, str(data_dir), CLOUD_URL, key, f"edge {index}",
                                           client=CloudClient(CLOUD_URL, session=FlaskSession(app)))
            puller.pull_all(CloudClient(CLOUD_URL, credential.device_id, credential.device_token,
                                        session=FlaskSession(app)))
            edge_db.session.remove()
            edge_db.engine.dispose()
        edges.append(data_dir)
    with app.app_context():
        cloud_db.session.remove()
        cloud_db.engine.dispose()
    return {"backend": kind, "url": url, "database": database, "edges": edges}


@pytest.fixture(scope="module")
def template(request, tmp_path_factory):
    built = {}

    def get(kind: str) -> dict:
        if kind not in built:
            built[kind] = _build_template(kind, tmp_path_factory.mktemp(f"sm-template-{kind}"))
        return built[kind]

    yield get
    for made in built.values():
        if made["database"]:
            drop_pg_database(made["database"])


class CloudView:
    """What faults.assert_cloud_matches_edge needs: rows of the cloud's database."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    def cloud_rows(self, sql: str, **params) -> list[dict]:
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), params)]


class EdgeNode:
    """One outlet's edge: its app on a data dir, its tills, its relay and its link."""

    def __init__(self, data_dir: Path, cloud_app, names: tuple):
        self.data_dir, self.names = data_dir, names
        self.link = Link(cloud_app)
        self.tokens = None
        self.start()

    def start(self) -> None:
        """A new edge process on the data dir: nothing survives but what is on disk (the
        tills keep their tokens, signed with the data dir's secret)."""
        import json

        self.app = edge_app(self.data_dir)
        device = json.loads((self.data_dir / "device.json").read_text())
        self.outlet_id = device["outlet_id"]
        self.client = CloudClient(CLOUD_URL, device["device_id"], device["device_token"], session=self.link)
        self.relay = Relay(self.client, batch=7, rng=lambda: 0.0)
        http = self.app.test_client()
        if self.tokens is None:
            code, cashier, manager, cook = self.names
            self.tokens = (login(http, cashier, pin="1234" if code == "YOG" else "4321"),
                           login(http, manager, password="manager123"), login(http, cook, password="kitchen123"))
        self.cashier, self.manager, self.cook = (Till(http, token) for token in self.tokens)
        if self.cashier.get("/api/shifts/current/").status_code == 404:
            self.cashier.open_shift()

    def stop(self) -> None:
        with self.app.app_context():
            edge_db.session.remove()
            edge_db.engine.dispose()

    def push(self) -> None:
        with self.app.app_context():
            self.relay.drain(force=True)

    def pull(self) -> None:
        with self.app.app_context(), contextlib.suppress(CloudError):
            puller.pull_all(self.client)

    def pending(self) -> int:
        _, outbox = edge_facts(self.data_dir)
        return sum(1 for e in outbox if e["status"] == "pending")


def _ok(response):
    assert response.status_code < 500, (response.status_code, response.json)
    return response


class SyncMachine(RuleBasedStateMachine):
    template: ClassVar[dict] = {}
    orders = Bundle("orders")

    def __init__(self):
        super().__init__()
        self.made_database = None
        self.cloud_app = None
        self.edges: list[EdgeNode] = []

    @initialize()
    def build(self):
        import tempfile

        made = self.template
        self.root = Path(tempfile.mkdtemp(prefix="pos-sm-"))
        if made["backend"] == "sqlite":
            path = self.root / "cloud.sqlite3"
            copy_sqlite(made["url"][len("sqlite:///"):], path)
            self.url = f"sqlite:///{path}"
        else:
            self.made_database = create_pg_database("sm", template=made["database"])
            self.url = pg_url(self.made_database)
        self.cloud_app = create_cloud(cloud_config(self.url))
        self.view = CloudView(self.url)
        for index, names in enumerate(OUTLETS):
            data_dir = self.root / f"edge{index}"
            shutil.copytree(made["edges"][index], data_dir)
            self.edges.append(EdgeNode(data_dir, self.cloud_app, names))
        self.products = {p["sku"]: p for p in self.edges[0].cashier.get("/api/products/?page_size=100")
                         .json["results"]}

    def _cart(self, lines):
        items = []
        for sku, quantity in lines:
            product = self.products[sku]
            modifiers = [g["modifiers"][0]["id"] for g in product["modifier_groups"] if g["required"]]
            items.append({"product_id": product["id"], "quantity": quantity, "modifier_ids": modifiers})
        return items

    # --- selling -------------------------------------------------------------------------
    CARTS = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 3)), min_size=1, max_size=3,
                     unique_by=lambda line: line[0])
    ACTIONS = ("pay", "pay_part_by_card", "serve", "serve", "refund", "cancel")

    @rule(target=orders, edge=st.integers(0, 1), lines=CARTS, promo=st.booleans(), customer=st.booleans())
    def sell(self, edge, lines, promo, customer):
        return self._sell(edge, lines, promo, customer)

    @rule(target=orders, edge=st.integers(0, 1), lines=CARTS, promo=st.booleans(), customer=st.booleans(),
          then=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=5))
    def sell_and_carry_on(self, edge, lines, promo, customer, then):
        order = self._sell(edge, lines, promo, customer)
        for action in then:
            self.progress(order, action)
        return order

    def _sell(self, edge, lines, promo, customer):
        node = self.edges[edge]
        body = {"items": self._cart(lines)}
        if promo:
            body["promo_codes"] = ["WEEKEND30"]
        if customer:
            body["customer_phone"] = f"08123456700{edge}"
            body["customer_name"] = "Budi"
            if node.cashier.post("/api/customers/search/", {"phone": body["customer_phone"]}).status_code != 200:
                _ok(node.cashier.post("/api/customers/", {"name": "Budi", "phone": body["customer_phone"]}))
        response = _ok(node.cashier.post("/api/orders/", body))
        if response.status_code == 422:  # the promo code does not apply to this cart
            response = _ok(node.cashier.post("/api/orders/", {**body, "promo_codes": []}))
        event("sold")
        return edge, response.json["id"]

    @rule(order=orders, action=st.sampled_from(ACTIONS))
    def progress(self, order, action):
        """The next step of an order's life, when its state allows it."""
        node = self.edges[order[0]]
        current = node.cashier.get(f"/api/orders/{order[1]}/").json
        due, status, path = float(current["balance_due"]), current["status"], f"/api/orders/{order[1]}"
        if action.startswith("pay") and due > 0 and status not in ("cancelled", "completed"):
            amount = current["balance_due"]
            if action == "pay_part_by_card":
                amount = f"{max(1.0, round(due / 2)):.2f}"
                _ok(node.cashier.pay(order[1], "card", amount=amount, reference="APPR1"))
            else:
                _ok(node.cashier.pay(order[1], "cash", amount=amount, tendered=amount))
        elif action == "serve" and status in ("draft", "pending"):
            _ok(node.cashier.post(f"{path}/confirm/"))
        elif action == "serve" and status in ("confirmed", "preparing"):
            _ok(node.cook.post(f"/api/kitchen/orders/{order[1]}/ready/"))
        elif action == "serve" and status in ("ready", "served") and due <= 0:
            _ok(node.cashier.post(f"{path}/complete/"))
        elif action == "refund" and float(current["paid_amount"]) > float(current["refunded_amount"]):
            _ok(node.manager.post(f"{path}/refund/", {"reason": "complaint"}))
        elif action == "cancel" and status not in ("cancelled", "completed"):
            _ok(node.manager.post(f"{path}/cancel/", {"reason": "changed mind"}))
        else:
            return
        event(action)

    # --- the link, the processes, sync ---------------------------------------------------
    @rule(edge=st.integers(0, 1), mode=st.sampled_from(["up", "down", "lossy", "cut"]))
    def link(self, edge, mode):
        self.edges[edge].link.mode = mode

    @rule(edge=st.integers(0, 1), pull=st.booleans())
    def sync(self, edge, pull):
        node = self.edges[edge]
        event(f"{'pull' if pull else 'push'} over a link {node.link.mode}")
        node.pull() if pull else node.push()

    # Restarts are rarer than sales (as in a shop; an edge app costs 0.2 s to build).
    @rule(which=st.sampled_from(["edge 0", "edge 1", "cloud"]), dice=st.integers(0, 1))
    def restart(self, which, dice):
        if dice:
            return
        event(f"restart {which}")
        if which == "cloud":  # stateless: a restart is new database connections (the app holds no sales)
            with self.cloud_app.app_context():
                cloud_db.session.remove()
                cloud_db.engine.dispose()
            return
        node = self.edges[int(which[-1])]
        node.stop()
        node.start()

    @invariant()
    def the_cloud_is_never_ahead_of_an_edge(self):
        if not self.edges:
            return
        for node in self.edges:
            edge, _ = edge_facts(node.data_dir)
            cloud = cloud_facts(self.view, node.outlet_id)
            for uuid, order in cloud.orders.items():
                assert uuid in edge.orders and order["version"] <= edge.orders[uuid]["version"]
                if order["version"] == edge.orders[uuid]["version"]:
                    assert order == edge.orders[uuid]
            for uuid, payment in cloud.payments.items():
                assert edge.payments.get(uuid) == payment
            for uuid, refund in cloud.refunds.items():
                assert edge.refunds.get(uuid) == refund

    def teardown(self):
        try:
            if self.edges:
                for node in self.edges:
                    node.link.mode = "up"
                for _ in range(3):
                    for node in self.edges:
                        node.push()
                for node in self.edges:
                    assert node.pending() == 0
                    agreed = assert_cloud_matches_edge(self.view, node.data_dir, outlet_id=node.outlet_id)
                    event(f"orders at an edge: {min(agreed.orders, 10) // 5 * 5}+, payments: "
                          f"{min(agreed.payments, 6) // 3 * 3}+, refunds: {min(agreed.refunds, 1)}+")
                    edge, _ = edge_facts(node.data_dir)
                    cloud = cloud_facts(self.view, node.outlet_id)
                    for field in ("total_amount", "paid_amount", "refunded_amount"):
                        assert sum(o[field] for o in cloud.orders.values()) == \
                            sum(o[field] for o in edge.orders.values()), field
                    status = node.manager.get("/api/sync/status/").json  # the outlet's dashboard
                    assert (status["pending"], status["dead_count"], status["breaker"]) == (0, 0, "closed"), status
                    assert status["last_success_at"] and status["oldest_pending_age_s"] is None, status
        finally:
            for node in self.edges:
                node.stop()
            if self.cloud_app is not None:
                with self.cloud_app.app_context():
                    cloud_db.session.remove()
                    cloud_db.engine.dispose()
            if self.edges:
                self.view.engine.dispose()
            if self.made_database:
                drop_pg_database(self.made_database)
            shutil.rmtree(getattr(self, "root", "/nonexistent"), ignore_errors=True)


@pytest.mark.postgres
def test_edges_and_cloud_agree_after_any_mix_of_sales_partitions_restarts_and_syncs(backend, template):  # noqa: F811
    SyncMachine.template = template(backend)
    run_state_machine_as_test(SyncMachine, settings=settings(
        max_examples=10, stateful_step_count=30, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]))
