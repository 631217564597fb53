"""Every figure agrees: a random day of sales at an outlet, driven through the real edge
(split tenders, promotions, voids, refunds by line and whole, cash in and out, orders
left in the kitchen or never completed, a cancelled order, a shift closed with a
difference), synced to the cloud. Per payment method, six sources give the same money:

- the printed Z report, decoded from its ESC/POS bytes (whole rupiah, as printed);
- the on-screen Z, i.e. the answer to the close that the kiosk renders;
- the cloud dashboard's payment methods;
- the revenue report downloaded as CSV, and as XLSX (the total row's method columns);
- a sum over the orders the edge stored (paid payments less refunds).

Each example gets a new outlet of the demo tenant with its own staff and its own edge,
so one cloud serves every example (on SQLite, and on PostgreSQL when
POS_TEST_POSTGRES_URL is set). The example count is kept small: each runs a whole day.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import create_engine, select

from cloud import create_app as create_cloud
from cloud.extensions import db as cloud_db
from cloud.models import Base as CloudBase
from cloud.models import Tenant
from cloud.services import demo, tenants
from cloud.services import enrollment as cloud_enrollment
from edge.extensions import db as edge_db
from edge.services.syncing import enrollment, puller
from edge.services.syncing.relay import Relay
from sync.client import CloudClient
from sync.money import div_round_half_up, parse_amount
from sync.schemas.events import METHODS
from tests.cloud.conftest import POSTGRES_URL, _base_config
from tests.cloud.factories import PASSWORD, make_user
from tests.cloud.snapshots import empty
from tests.edge.conftest import CLOUD_URL, Till, login, make_edge
from tests.edge.paper import add_file_printer, printed
from tests.support.flask_transport import FlaskSession
from tests.support.needs import NO_POSTGRES

pytestmark = pytest.mark.postgres

# What the tills sell, with the choice each required modifier group needs.
MENU = {"PZ-MARG": ("Regular",), "PZ-PEPP": ("Large",), "PS-AGLI": ("Hot",), "DR-COLA": (), "DR-LTEA": (),
        "DS-TIRA": ()}
PIZZAS = {"PZ-MARG", "PZ-PEPP"}

sales = st.fixed_dictionaries({
    "lines": st.lists(st.tuples(st.sampled_from(sorted(MENU)), st.integers(1, 3)), min_size=1, max_size=3),
    "code": st.booleans(),  # WEEKEND30 when the cart has a pizza (the automatic ones apply by themselves)
    "pay": st.sampled_from(("cash", "card", "split")),
    "void": st.booleans(),  # one unit of the first line taken off before paying
    "refund": st.sampled_from((None, None, "whole", "line")),
    "refund_by": st.sampled_from((None, "cash", "card")),
    "fate": st.sampled_from(("complete", "served", "kitchen", "counter")),
})
days = st.fixed_dictionaries({
    "opening": st.sampled_from(("300000.00", "500000.00")),
    "sales": st.lists(sales, min_size=1, max_size=5),
    "cancelled": st.booleans(),
    "movements": st.lists(st.tuples(st.sampled_from(("in", "out")), st.sampled_from((10_000, 25_000, 50_000))),
                          max_size=2),
    "difference": st.sampled_from((0, -5_000, 2_500, -120_000)),  # counted - expected, in rupiah
})


# --- one cloud per database; a new outlet and edge per example ----------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def cloud(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('agreement') / 'cloud.sqlite3'}"
    else:
        if not POSTGRES_URL:
            pytest.skip(NO_POSTGRES)
        engine = create_engine(POSTGRES_URL)
        CloudBase.metadata.drop_all(engine)
        CloudBase.metadata.create_all(engine)
        empty(engine)
        engine.dispose()
        url = POSTGRES_URL
    app = create_cloud(_base_config(url))
    with app.app_context():
        if request.param == "sqlite":
            CloudBase.metadata.create_all(cloud_db.engine)
        demo.seed(cloud_db.session)
        cloud_db.session.commit()
    client = app.test_client()
    owner = client.post("/api/auth/login/", json={"username": "owner", "password": "owner123"}).json["access"]
    app.config["TEST_OWNER"] = {"Authorization": f"Bearer {owner}"}
    yield app
    with app.app_context():
        cloud_db.session.remove()
        cloud_db.engine.dispose()


_outlets = itertools.count(1)


class Shop:
    """A new outlet of the demo tenant, its staff, and its enrolled edge (a data dir of its own)."""

    def __init__(self, cloud_app):
        self.cloud = cloud_app
        number = next(_outlets)
        with cloud_app.app_context():
            tenant = cloud_db.session.execute(select(Tenant).where(Tenant.slug == "pizza-palace")).scalar_one()
            outlet = tenants.create_outlet(cloud_db.session, tenant.id, {"code": f"AG{number}",
                                                                         "name": f"Agreement {number}"})
            for role in ("cashier", "manager", "kitchen"):
                make_user(role, f"ag{number}_{role}", tenant.id, outlet.id)
            key, _ = cloud_enrollment.issue_key(cloud_db.session, outlet, None)
            cloud_db.session.commit()
            self.outlet_id = outlet.id
        self.directory = Path(tempfile.mkdtemp(prefix="agreement-edge-"))
        self.edge = make_edge(self.directory)
        with self.edge.app_context():
            credential = enrollment.enroll(edge_db.session, self.edge.config["DATA_DIR"], CLOUD_URL, key, "till",
                                           client=CloudClient(CLOUD_URL, session=FlaskSession(cloud_app)))
            self.device = CloudClient(CLOUD_URL, device_id=credential.device_id,
                                      device_token=credential.device_token, session=FlaskSession(cloud_app))
            puller.pull_all(self.device)
        client = self.edge.test_client()
        self.cashier = Till(client, login(client, f"ag{number}_cashier", password=PASSWORD))
        self.manager = Till(client, login(client, f"ag{number}_manager", password=PASSWORD))
        self.cook = Till(client, login(client, f"ag{number}_kitchen", password=PASSWORD))

    def sync(self) -> None:
        with self.edge.app_context():
            relay = Relay(self.device, rng=lambda: 1.0)
            for _ in range(20):
                outcome = relay.drain(force=True)
                assert outcome.dead == 0 and outcome.error is None, outcome
                if not outcome.sent:
                    break

    def close(self) -> None:
        with self.edge.app_context():
            edge_db.session.remove()
            edge_db.engine.dispose()
        shutil.rmtree(self.directory, ignore_errors=True)


# --- the day ---------------------------------------------------------------------------------

def ok(response, *statuses):
    assert response.status_code in (statuses or (200, 201)), response.json
    return response.json


def sell(shop: Shop, sale: dict) -> None:
    till = shop.cashier
    items = [till.item(sku, quantity, list(MENU[sku])) for sku, quantity in sale["lines"]]
    codes = []
    if sale["code"] and any(sku in PIZZAS for sku, _ in sale["lines"]):
        quote = ok(till.post("/api/orders/quote/", {"items": items, "promo_codes": ["WEEKEND30"]}))
        codes = [] if quote["rejections"] else ["WEEKEND30"]
    order = ok(till.post("/api/orders/", {"items": items, "promo_codes": codes}))
    units = sum(item["quantity"] for item in order["items"])
    if sale["void"] and units > 1:
        ok(shop.manager.post(f"/api/orders/{order['id']}/void/", {
            "reason": "changed mind", "lines": [{"item_id": order["items"][0]["id"], "quantity": 1}]}), 201)
        order = ok(till.get(f"/api/orders/{order['id']}/"))
    due = parse_amount(order["balance_due"])
    if sale["pay"] == "split" and due >= 200:
        card = due // 200 * 100  # about half, in whole rupiah
        ok(till.pay(order["id"], "card", amount=f"{card // 100}.00", reference="APPROVAL-1"), 201)
    if sale["pay"] == "card":
        ok(till.pay(order["id"], "card", reference="APPROVAL-2"), 201)
    else:
        ok(till.pay(order["id"], "cash", tendered="2000000.00"), 201)
    if sale["fate"] != "counter":
        ok(till.post(f"/api/orders/{order['id']}/confirm/"))
    if sale["fate"] in ("served", "complete"):
        ok(shop.cook.post(f"/api/kitchen/orders/{order['id']}/ready/"))
    if sale["fate"] == "served":
        ok(shop.cook.patch(f"/api/kitchen/orders/{order['id']}/status/", {"status": "served"}))
    if sale["fate"] == "complete":
        ok(till.post(f"/api/orders/{order['id']}/complete/"))
    if sale["refund"]:
        order = ok(till.get(f"/api/orders/{order['id']}/"))
        request = {"reason": "customer complaint"}
        if sale["refund_by"] in {p["method"] for p in order["payments"]}:
            request["method"] = sale["refund_by"]
        if sale["refund"] == "line":
            line = next((i for i in order["items"] if i["quantity"] > i["voided_quantity"] + i["refunded_quantity"]),
                        None)
            if line is None:
                return
            request["lines"] = [{"item_id": line["id"], "quantity": 1}]
        answer = shop.manager.post(f"/api/orders/{order['id']}/refund/", request)
        # a line worth less than the smallest cash amount, or made free by a promotion, gives nothing back
        assert answer.status_code == 201 or answer.json["code"] in ("REFUND_BELOW_CASH_UNIT", "NOTHING_TO_REFUND"), \
            answer.json


def run_day(shop: Shop, day: dict) -> dict:
    """Sell the day, close the shift with its difference; the close's answer (the on-screen Z)."""
    shift = shop.cashier.open_shift(day["opening"])
    for kind, amount in day["movements"]:
        ok(shop.cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                             {"kind": kind, "amount": f"{amount}.00", "reason": "float"}), 201)
    for sale in day["sales"]:
        sell(shop, sale)
    if day["cancelled"]:
        dropped = ok(shop.cashier.post("/api/orders/", {"items": [shop.cashier.item("DR-COLA")]}))
        ok(shop.cashier.post(f"/api/orders/{dropped['id']}/cancel/", {"reason": "customer left"}))
    expected = ok(shop.cashier.get(f"/api/shifts/{shift['id']}/report/"))["report"]["expected"]["cash"]
    counted = parse_amount(expected) + day["difference"] * 100
    # a count far off needs a manager: the manager closes every day here
    return ok(shop.manager.post(f"/api/shifts/{shift['id']}/close/",
                                {"counted_cash": f"{counted // 100}.{counted % 100:02d}", "expected_cash": expected}))


# --- the six readings, per method in minor units ---------------------------------------------

PRINTED_AMOUNT = re.compile(r"(-?)Rp ([\d.]+)$")


def rupiah(minor: int) -> int:
    """Minor units as printed: whole rupiah, half up on the magnitude."""
    whole = div_round_half_up(abs(minor), 100)
    return -whole if minor < 0 else whole


def printed_amount(line: str) -> int:
    found = PRINTED_AMOUNT.search(line.rstrip())
    assert found, line
    value = int(found.group(2).replace(".", ""))
    return -value if found.group(1) else value


def from_printed_z(shop: Shop) -> tuple[dict, int]:
    """Net per method (whole rupiah) and the total collected, off the Z's paper."""
    (z,) = printed(shop.edge, "report")
    lines, nets, method = z.lines, {}, None
    names = {"Cash": "cash", "Card": "card", "QRIS": "qris", "E-wallet": "ewallet"}
    for line in lines[lines.index("PAYMENTS BY METHOD") + 1:]:
        if line.startswith("-" * 10):
            break
        head = line.split("  ")[0]
        if head in names and "Payments" in line:
            method = names[head]
        elif line.strip().startswith("Net "):
            nets[method] = printed_amount(line)
    collected = printed_amount(z.line("Total collected").text)
    return nets, collected


def from_stored_orders(shop: Shop) -> tuple[dict, int]:
    orders = ok(shop.manager.get("/api/orders/?page_size=100"))["results"]
    nets = dict.fromkeys(METHODS, 0)
    sold = 0
    for order in orders:
        paid = [p for p in order["payments"] if p["status"] == "paid"]
        for payment in paid:
            nets[payment["method"]] += parse_amount(payment["amount"])
        for refund in order["refunds"]:
            if refund["kind"] == "refund":
                nets[refund["method"]] -= parse_amount(refund["amount"])
        sold += bool(paid) and order["status"] != "cancelled"
    return nets, sold


def from_cloud(shop: Shop, business_day: str) -> dict:
    client, owner = shop.cloud.test_client(), shop.cloud.config["TEST_OWNER"]
    scope = {"outlet_id": shop.outlet_id, "date_from": business_day, "date_to": business_day}
    dashboard = ok(client.get("/api/analytics/dashboard/", headers=owner, query_string=scope))
    readings = {"dashboard": {m["method"]: parse_amount(m["net"]) for m in dashboard["payment_methods"]}}
    exported = client.get("/api/analytics/revenue/export/", headers=owner, query_string={**scope, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    total = next(row for row in rows if row["bucket"] == "total")
    readings["csv"] = {m: parse_amount(total[m]) for m in METHODS}
    exported = client.get("/api/analytics/revenue/export/", headers=owner, query_string={**scope, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(exported.get_data())).active
    header, *body = list(sheet.iter_rows(values_only=True))
    total = dict(zip(header, next(row for row in body if row[0] == "total"), strict=True))
    readings["xlsx"] = {m: int(Decimal(str(total[m])) * 100) for m in METHODS}
    return {"readings": readings, "metrics": dashboard["metrics"], "csv_revenue": parse_amount(
        next(row for row in rows if row["bucket"] == "total")["revenue"])}


# --- the test -------------------------------------------------------------------------------

# No shrinking: each example is a whole day through two apps, and a failure prints its blob
# (@reproduce_failure) to replay it exactly.
@settings(max_examples=15, deadline=None, database=None, print_blob=True,
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(day=days)
def test_a_days_money_agrees_on_paper_screen_dashboard_exports_and_orders(cloud, day):
    shop = Shop(cloud)
    try:
        add_file_printer(shop.manager)
        z = run_day(shop, day)["report"]
        shop.sync()
        business_day = ok(shop.manager.get("/api/orders/?page_size=1"))["results"][0]["business_date"]

        stored, sold = from_stored_orders(shop)
        cloud_figures = from_cloud(shop, business_day)
        readings = {
            "on-screen Z": {m: parse_amount(z["collected"][m]) for m in METHODS},
            "stored orders": stored,
            **cloud_figures["readings"],
        }
        for name, figures in readings.items():
            full = {m: figures.get(m, 0) for m in METHODS}
            assert full == stored, f"{name} disagrees with the stored orders: {full} != {stored}"
        printed_nets, printed_total = from_printed_z(shop)
        assert {m: printed_nets.get(m, 0) for m in METHODS} == {m: rupiah(stored[m]) for m in METHODS}
        assert printed_total == rupiah(sum(stored.values())) == rupiah(parse_amount(z["totals"]["collected"]))

        metrics = cloud_figures["metrics"]
        assert parse_amount(metrics["total_revenue"]) == sum(stored.values()) == cloud_figures["csv_revenue"]
        assert metrics["total_orders"] == sold
        assert metrics["cancelled_orders"] == int(day["cancelled"])
        difference = parse_amount(z["difference"]["cash"])
        assert difference == day["difference"] * 100 and z["counted"]["card"] is None
    finally:
        shop.close()
