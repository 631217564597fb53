"""Head-office analytics (`/api/analytics/…`), on SQLite and PostgreSQL.

The sales reach the cloud the way an outlet's do: an enrolled device pushes the edge's
events (order snapshots version after version, payments, voids, refunds, loyalty deltas)
through `POST /api/sync/push/`, and the ingest records them. Every expected figure below
is worked out by hand from the fixture's sales (`shop`), in rupiah:

Prices: Margherita 95.000, Iced Tea 20.000; service 5 %, then tax 10 % on price + service,
so one Margherita line costs 109.725 and one Iced Tea 23.100 (n units: n times that).

Tenant AA, outlet AA1 ("one") and AA2 ("two"); the period is 2026-11-01 .. 2026-11-07:

    id   outlet day    status     lines                 owed     paid by                  customer  prep
    O1   one    11-02  completed  2 Marg + 1 Tea        242.550  cash (tendered 250.000)  Ani       12.5 min
    O2   one    11-02  completed  1 Marg                109.725  card                     -          9 min
    O3   one    11-04  completed  3 Tea, 1 refunded      69.300  qris, 23.100 back        Ani       20 min
    O4   one    11-05  cancelled  1 Marg               (109.725) -                        -         50 min (ignored)
    O5   one    11-05  completed  1 Marg + 1 Tea voided 109.725  cash (132.825 - 23.100)  -         16 min
    O6   two    11-03  completed  1 Marg                109.725  ewallet                  Budi      30 min
    O7   two    11-06  completed  4 Tea                  92.400  cash 50.000 + card 42.400 -        35 min
    O8   one    11-06  confirmed  1 Marg                (open)   -                        -         not ready

Before the period: P0 (one, 10-01) 10 Marg = 1.097.250 by Citra (who becomes silver);
P1 (one, 10-30, the previous 7 days) 1 Marg = 109.725 by Ani. Dewi never bought.
Tenant BB sells 1 Marg on 11-02 at its own outlet: it must never show in AA's figures.

So in the period: 6 completed orders, sales 733.425, refunds 23.100, revenue 710.325,
average 118.387,50; the previous period: 1 order, revenue 109.725.

Sales count when they are paid, refunds when they are given (2027-01-04 .. 01-06):
J1 (one, 01-04) 1 Marg 109.725 cash, Dewi, served but never completed; J2 (one, 01-04)
2 Tea 46.200 card, one Tea (23.100) given back on 01-06; J3 (one, 01-05) confirmed, unpaid.
"""
from __future__ import annotations

import csv
import io
import itertools
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from cloud import create_app
from cloud.extensions import db
from cloud.models import Customer, Outlet
from cloud.services import catalog, enrollment
from cloud.services.actor import Actor
from sync import loyalty, vocab
from sync.ids import new_uuid, sha256_hex
from sync.money import apply_rate, div_round_half_up, parse_amount
from sync.schemas import events
from sync.timeutil import isoformat
from tests.cloud.conftest import POSTGRES_URL, _base_config
from tests.cloud.factories import build_world, make_user, token
from tests.cloud.snapshots import empty

pytestmark = pytest.mark.postgres

SERVICE_BP, TAX_BP = 500, 1000  # the tenants' defaults: service 5 %, tax 10 % on price + service
POINTS_PER_AMOUNT = 1_000_000  # one point per Rp 10.000 (the tenants' default)
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-07"}
STATUSES = ("draft", "pending", "confirmed", "preparing", "ready", "served", "completed", "cancelled")


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    sku: str
    price: int
    category_id: int


class Device:
    """An outlet's enrolled edge, as far as the cloud can tell: it pushes events with its
    device credential, in outbox order, and every one of them must be applied."""

    def __init__(self, app, client, outlet_id: int):
        self.client = client
        with app.app_context():
            key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, outlet_id), None)
            db.session.commit()
        enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": f"till {outlet_id}"})
        assert enrolled.status_code == 201, enrolled.json
        access = client.post("/api/sync/token/", json={"device_id": enrolled.json["device_id"],
                                                         "device_token": enrolled.json["device_token"]})
        self.headers = {"Authorization": f"Bearer {access.json['access_token']}"}
        self.outlet_id = outlet_id
        self.seq = itertools.count(1)

    def push(self, kind: str, values: dict, at: datetime) -> None:
        payload = events.dump(kind, values)  # what the edge's outbox stores
        event = {"seq": next(self.seq), "event_id": new_uuid(), "type": kind, "occurred_at": isoformat(at),
                 "payload": payload, "payload_sha256": sha256_hex(payload)}
        response = self.client.post("/api/sync/push/", json={"events": [event]}, headers=self.headers)
        assert response.status_code == 200, response.json
        assert response.json["results"][0]["status"] == "applied", response.json


def share_of(line: dict, units: int) -> int:
    """What `units` of a line are worth: the edge's rule for a void or refund by line."""
    return div_round_half_up(line["line_total"] * units, line["quantity"])


class Till:
    """Sells on one outlet the way the edge does and pushes each change as it happens:
    a snapshot per order version, the payments, voids and refunds, the loyalty deltas."""

    def __init__(self, app, device: Device):
        self.app, self.device = app, device
        self.numbers = itertools.count(1)

    def _customer(self, customer_uuid):
        with self.app.app_context():
            customer = db.session.query(Customer).filter_by(uuid=customer_uuid).one()
            return customer.membership_tier, customer.points

    def sell(self, day: date, *lines: tuple[Item, int], status: str = "completed", customer: str | None = None,
             payments: tuple = (("cash", None),), prep_s: int | None = None, void: tuple | None = None,
             refund: tuple | None = None, hour: int = 3, refund_days_later: int = 0) -> str:
        """One order; `void` = (line_no, units) taken off before paying, `refund` = (line_no,
        units, method) given back after completing (`refund_days_later` days after). A
        `served` order is paid and handed over but never marked completed. Returns the uuid."""
        created = datetime(day.year, day.month, day.day, hour, 0, 0)  # 10:00 at an outlet in Jakarta
        items = []
        for line_no, (item, quantity) in enumerate(lines, start=1):
            gross = item.price * quantity
            service = apply_rate(gross, SERVICE_BP)
            tax = apply_rate(gross + service, TAX_BP)
            items.append({"line_no": line_no, "product_id": item.id, "product_name": item.name, "sku": item.sku,
                          "category_id": item.category_id, "station": "main", "quantity": quantity,
                          "modifiers": [], "note": "", "unit_price": item.price, "gross": gross,
                          "discount_amount": 0, "total_price": gross, "service_charge": service,
                          "tax_amount": tax, "line_total": gross + service + tax, "prep_status": "queued",
                          "voided_quantity": 0, "refunded_quantity": 0})
        subtotal = sum(i["gross"] for i in items)
        service = apply_rate(subtotal, SERVICE_BP)  # the edge prices the order, then allocates to lines
        tax = apply_rate(subtotal + service, TAX_BP)
        assert service == sum(i["service_charge"] for i in items) and tax == sum(i["tax_amount"] for i in items)
        number = f"T{self.device.outlet_id}-{day:%y%m%d}-1-{next(self.numbers):04d}"
        order = {"uuid": new_uuid(), "order_number": number,
                 "outlet_id": self.device.outlet_id, "terminal": 1, "business_date": day, "shift_uuid": None,
                 "status": "pending", "source": "pos", "customer_uuid": customer, "customer_name": "",
                 "customer_phone": "", "table": "", "note": "", "subtotal": subtotal, "discount_amount": 0,
                 "service_charge": service, "tax_amount": tax, "rounding_amount": 0,
                 "total_amount": subtotal + service + tax, "paid_amount": 0, "change_amount": 0,
                 "voided_amount": 0, "refunded_amount": 0, "version": 1, "cashier_id": None, "cancel_reason": "",
                 "created_at": created, "confirmed_at": None, "preparing_at": None, "ready_at": None,
                 "served_at": None, "completed_at": None, "cancelled_at": None, "items": items, "promotions": []}
        clock = [created]

        def later(seconds=60):
            clock[0] += timedelta(seconds=seconds)
            return clock[0]

        def snapshot(**changes):  # every change is a new version of the whole order
            order.update(changes)
            self.device.push("order.snapshot", order, clock[0])
            order["version"] += 1

        snapshot()
        if status == "cancelled" or prep_s is not None or status == "confirmed":
            snapshot(status="confirmed", confirmed_at=later())
        if prep_s is not None:
            snapshot(status="ready", ready_at=later(prep_s))
        if status == "confirmed":
            return order["uuid"]
        if status == "cancelled":
            snapshot(status="cancelled", cancelled_at=later(), cancel_reason="customer left")
            return order["uuid"]
        if void:
            line_no, units = void
            line = items[line_no - 1]
            amount = share_of(line, units)
            line["voided_quantity"] += units
            self.device.push("refund.recorded", {
                "uuid": new_uuid(), "order_uuid": order["uuid"], "kind": "void", "method": None, "amount": amount,
                "reason": "changed mind", "lines": [{"line_no": line_no, "quantity": units, "amount": amount}],
                "created_at": later()}, clock[0])
            snapshot(voided_amount=order["voided_amount"] + amount)
        due = order["total_amount"] - order["voided_amount"]
        for method, amount in payments:
            applied = due - order["paid_amount"] if amount is None else amount
            tendered = -(-applied // 5_000_000) * 5_000_000 if method == "cash" else None  # next Rp 50.000
            self.device.push("payment.recorded", {
                "uuid": new_uuid(), "order_uuid": order["uuid"], "terminal": 1, "method": method, "amount": applied,
                "tendered": tendered, "change_amount": (tendered or applied) - applied, "status": "paid",
                "reference": "APPROVAL-1" if method == "card" else "", "created_at": later()}, clock[0])
            snapshot(paid_amount=order["paid_amount"] + applied,
                     change_amount=order["change_amount"] + (tendered or applied) - applied)
        if status == "served":
            snapshot(status="served", served_at=later())
            return order["uuid"]
        snapshot(status="completed", served_at=later(), completed_at=clock[0])
        if customer:
            tier, _ = self._customer(customer)
            self.device.push("loyalty.accrued", {
                "customer_uuid": customer, "order_uuid": order["uuid"], "reason": "sale",
                "points": loyalty.points_for(due, tier, POINTS_PER_AMOUNT), "orders": 1, "spent": due}, clock[0])
        if refund:
            later(refund_days_later * 86400)
            line_no, units, method = refund
            line = items[line_no - 1]
            amount = share_of(line, units)
            line["refunded_quantity"] += units
            self.device.push("refund.recorded", {
                "uuid": new_uuid(), "order_uuid": order["uuid"], "kind": "refund", "method": method,
                "amount": amount, "reason": "spilled", "lines": [{"line_no": line_no, "quantity": units,
                                                                  "amount": amount}],
                "created_at": later()}, clock[0])
            snapshot(refunded_amount=order["refunded_amount"] + amount)
            if customer:
                tier, points = self._customer(customer)
                self.device.push("loyalty.accrued", {
                    "customer_uuid": customer, "order_uuid": order["uuid"], "reason": "refund",
                    "points": -min(loyalty.points_for(amount, tier, POINTS_PER_AMOUNT), points), "orders": 0,
                    "spent": -amount}, clock[0])
        return order["uuid"]


@dataclass
class Shop:
    world: object
    outlet_manager: dict  # headers of a manager bound to outlet AA1
    customers: dict  # name -> cloud id


def _customer(client, headers, name, phone) -> dict:
    response = client.post("/api/customers/", json={"name": name, "phone": phone}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shop_app(request, tmp_path_factory):
    """One cloud per database for the whole module: the tests here only read, and pushing
    the fixture's sales event by event is the slow part."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("analytics") / "cloud.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        empty(request.getfixturevalue("postgres_schema"))
        url = POSTGRES_URL
    app = create_app(_base_config(url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def api(shop_app):
    return shop_app.test_client()


@pytest.fixture(scope="module")
def shop(shop_app, api) -> Shop:
    app, client = shop_app, api
    world = build_world(app)
    a, b = world.a, world.b
    with app.app_context():
        owner = Actor(a.users["tenant_owner"], "owner", "tenant_owner", a.tenant_id, None)
        tea = catalog.create_product(db.session, owner, {"sku": "AA-TEA", "name": "Iced Tea",
                                                         "category_id": a.category_id, "price": 2_000_000})
        bound = make_user("manager", "aa_outlet_manager", a.tenant_id, a.outlet_id)
        db.session.commit()
        outlet_manager = {"Authorization": f"Bearer {token(bound)}"}
        tea = Item(tea.id, "Iced Tea", "AA-TEA", 2_000_000, a.category_id)
    marg = Item(a.product_id, "Margherita", "AA-PZ", 9_500_000, a.category_id)
    cashier = world.headers("cashier")
    people = {name: _customer(client, cashier, name, phone) for name, phone in (
        ("Ani", "081200000001"), ("Budi", "081200000002"), ("Citra", "081200000003"), ("Dewi", "081200000004"))}
    uuid = {name: person["uuid"] for name, person in people.items()}

    one = Till(app, Device(app, client, a.outlet_id))
    two = Till(app, Device(app, client, a.other_outlet_id))
    one.sell(date(2026, 10, 1), (marg, 10), customer=uuid["Citra"])  # P0
    one.sell(date(2026, 10, 30), (marg, 1), customer=uuid["Ani"])  # P1
    one.sell(date(2026, 11, 2), (marg, 2), (tea, 1), customer=uuid["Ani"], prep_s=750)  # O1
    one.sell(date(2026, 11, 2), (marg, 1), payments=(("card", None),), prep_s=540, hour=4)  # O2
    one.sell(date(2026, 11, 4), (tea, 3), customer=uuid["Ani"], payments=(("qris", None),), prep_s=1200,
             refund=(1, 1, "qris"))  # O3
    one.sell(date(2026, 11, 5), (marg, 1), status="cancelled", prep_s=3000)  # O4
    one.sell(date(2026, 11, 5), (marg, 1), (tea, 1), void=(2, 1), prep_s=960, hour=5)  # O5
    two.sell(date(2026, 11, 3), (marg, 1), customer=uuid["Budi"], payments=(("ewallet", None),), prep_s=1800)  # O6
    two.sell(date(2026, 11, 6), (tea, 4), payments=(("cash", 5_000_000), ("card", None)), prep_s=2100)  # O7
    one.sell(date(2026, 11, 6), (marg, 1), status="confirmed", hour=6)  # O8

    # January 2027: sales count when they are paid, refunds when they are given
    one.sell(date(2027, 1, 4), (marg, 1), status="served", customer=uuid["Dewi"])  # J1: paid, served, not completed
    one.sell(date(2027, 1, 4), (tea, 2), payments=(("card", None),), refund=(1, 1, "card"),
             refund_days_later=2, hour=4)  # J2: paid on the 4th, one tea given back on the 6th
    one.sell(date(2027, 1, 5), (marg, 1), status="confirmed")  # J3: in the kitchen, not paid: no sale

    other = Till(app, Device(app, client, b.outlet_id))
    other.sell(date(2026, 11, 2), (Item(b.product_id, "Margherita", "BB-PZ", 9_500_000, b.category_id), 1))
    _customer(client, world.headers("cashier", "b"), "Eko", "081200000009")
    return Shop(world, outlet_manager, {name: person["id"] for name, person in people.items()})


def get(client, path, headers, **params):
    response = client.get(path, headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def dashboard(client, headers, **params):
    return get(client, "/api/analytics/dashboard/", headers, **{**PERIOD, **params})


# --- the dashboard ----------------------------------------------------------------------

def test_revenue_is_completed_sales_less_voids_and_refunds(api, shop):
    metrics = dashboard(api, shop.world.headers("manager"))["metrics"]
    # O1 242.550 + O2 109.725 + O3 69.300 + O5 (132.825 - 23.100 voided) + O6 109.725 + O7 92.400
    assert metrics["gross_sales"] == "733425.00"
    assert metrics["refunds_total"] == "23100.00"  # one Iced Tea of O3
    assert metrics["total_revenue"] == "710325.00"
    assert metrics["total_orders"] == 6
    assert metrics["avg_order_value"] == "118387.50"  # 710.325 / 6


def test_cancelled_and_open_orders_count_in_no_sales_figure(api, shop):
    body = dashboard(api, shop.world.headers("manager"))
    assert body["metrics"]["cancelled_orders"] == 1  # O4
    assert body["status_distribution"] == {**dict.fromkeys(STATUSES, 0), "completed": 6, "cancelled": 1,
                                           "confirmed": 1}


def test_customers_served_are_known_customers_with_a_completed_order(api, shop):
    assert dashboard(api, shop.world.headers("manager"))["metrics"]["customers_served"] == 2  # Ani, Budi


def test_trends_compare_with_the_previous_period_of_the_same_length(api, shop):
    body = dashboard(api, shop.world.headers("manager"))
    assert body["period"] == {"date_from": "2026-11-01", "date_to": "2026-11-07", "days": 7, "outlet_id": None,
                              "previous_from": "2026-10-25", "previous_to": "2026-10-31"}
    assert body["previous"]["total_orders"] == 1 and body["previous"]["total_revenue"] == "109725.00"  # P1
    assert body["trends"] == {
        "orders_growth": 500.0,  # 1 -> 6
        "revenue_growth": 547.4,  # 109.725 -> 710.325: +600.600 / 109.725 = 5.4737
        "avg_order_value_growth": 7.9,  # 109.725 -> 118.387,50: +8.662,50 / 109.725 = 0.0789
        "customers_growth": 100.0,  # Ani -> Ani and Budi
    }


def test_growth_is_null_when_the_previous_period_sold_nothing(api, shop):
    body = dashboard(api, shop.world.headers("manager"), date_from="2026-10-01", date_to="2026-10-07")
    assert body["metrics"]["total_revenue"] == "1097250.00"  # P0 alone
    assert body["previous"]["total_orders"] == 0
    assert body["trends"] == {"orders_growth": None, "revenue_growth": None, "avg_order_value_growth": None,
                              "customers_growth": None}


def test_top_products_count_only_units_kept_and_their_share_of_the_line(api, shop):
    top = dashboard(api, shop.world.headers("manager"))["top_products"]
    assert [(p["name"], p["quantity"], p["revenue"], p["orders"], p["share"]) for p in top] == [
        # O1 2 + O2 1 + O5 1 + O6 1 = 5 units, 5 x 109.725; 548.625 / 710.325
        ("Margherita", 5, "548625.00", 4, 77.24),
        # O1 1 + O3 3 - 1 refunded + O5 1 - 1 voided + O7 4 = 7 units: 23.100 + 46.200 + 0 + 92.400
        ("Iced Tea", 7, "161700.00", 3, 22.76),
    ]


def test_payment_methods_sum_paid_amounts_and_refunds_per_method(api, shop):
    methods = dashboard(api, shop.world.headers("manager"))["payment_methods"]
    assert methods == [
        # O1 242.550 (of 250.000 tendered) + O5 109.725 + O7 50.000
        {"method": "cash", "count": 3, "amount": "402275.00", "refunds": "0.00", "net": "402275.00"},
        {"method": "card", "count": 2, "amount": "152125.00", "refunds": "0.00", "net": "152125.00"},  # O2, O7
        {"method": "ewallet", "count": 1, "amount": "109725.00", "refunds": "0.00", "net": "109725.00"},  # O6
        {"method": "qris", "count": 1, "amount": "69300.00", "refunds": "23100.00", "net": "46200.00"},  # O3
    ]


def test_per_outlet_figures_cover_every_outlet(api, shop):
    rows = {row["code"]: row for row in dashboard(api, shop.world.headers("manager"))["per_outlet"]}
    assert set(rows) == {"AA1", "AA2"}
    one, two = rows["AA1"], rows["AA2"]
    # O1 + O2 + O3 + O5 = 531.300 - 23.100
    assert (one["total_orders"], one["total_revenue"], one["avg_order_value"], one["cancelled_orders"],
            one["customers_served"]) == (4, "508200.00", "127050.00", 1, 1)
    # O6 + O7 = 202.125, average 101.062,50
    assert (two["total_orders"], two["total_revenue"], two["avg_order_value"], two["cancelled_orders"],
            two["customers_served"]) == (2, "202125.00", "101062.50", 0, 1)


def test_prep_time_is_the_median_from_confirmed_to_ready(api, shop):
    body = dashboard(api, shop.world.headers("manager"))
    # 9, 12.5, 16, 20, 30, 35 minutes (O2, O1, O5, O3, O6, O7; cancelled O4 and open O8 left out)
    assert body["prep_times"] == {"orders": 6, "median_minutes": 18.0, "average_minutes": 20.4,
                                  "p90_minutes": 35.0}
    medians = {row["code"]: row["median_prep_minutes"] for row in body["per_outlet"]}
    assert medians == {"AA1": 14.3, "AA2": 32.5}  # (12.5 + 16) / 2 = 14.25; (30 + 35) / 2


def test_an_outlet_filter_narrows_every_figure(api, shop):
    body = dashboard(api, shop.world.headers("manager"), outlet_id=shop.world.a.other_outlet_id)
    assert body["metrics"]["total_revenue"] == "202125.00" and body["metrics"]["total_orders"] == 2
    assert [row["code"] for row in body["per_outlet"]] == ["AA2"]
    assert [p["method"] for p in body["payment_methods"]] == ["ewallet", "cash", "card"]  # by net, highest first
    assert body["period"]["outlet_id"] == shop.world.a.other_outlet_id


def test_an_outlet_bound_manager_sees_only_their_outlet(api, shop):
    body = dashboard(api, shop.outlet_manager)
    assert body["metrics"]["total_orders"] == 4 and body["metrics"]["total_revenue"] == "508200.00"
    assert [row["code"] for row in body["per_outlet"]] == ["AA1"]
    assert body["period"]["outlet_id"] == shop.world.a.outlet_id


def test_an_outlet_bound_manager_cannot_ask_for_another_outlet(api, shop):
    response = api.get("/api/analytics/dashboard/", headers=shop.outlet_manager,
                          query_string={"outlet_id": shop.world.a.other_outlet_id})
    assert response.status_code == 404 and response.json["code"] == "NOT_FOUND"


def test_another_tenants_sales_never_show(api, shop):
    body = dashboard(api, shop.world.headers("manager", "b"))
    assert body["metrics"]["total_orders"] == 1 and body["metrics"]["total_revenue"] == "109725.00"
    assert [row["code"] for row in body["per_outlet"]] == ["BB1", "BB2"]
    assert body["tenant"]["name"] == "BB Foods"
    response = api.get("/api/analytics/dashboard/", headers=shop.world.headers("manager", "b"),
                          query_string={"outlet_id": shop.world.a.outlet_id})
    assert response.status_code == 404


def test_the_report_names_the_tenant_and_its_currency(api, shop):
    body = dashboard(api, shop.world.headers("manager"))
    assert body["tenant"] == {"id": shop.world.a.tenant_id, "name": "AA Foods", "currency": "IDR"}


@pytest.mark.parametrize("role, status", [("kitchen", 403), ("cashier", 403), ("manager", 200),
                                          ("tenant_owner", 200), ("admin", 200), ("super_admin", 200)])
def test_analytics_are_for_managers_and_up(api, shop, role, status):
    for path in ("dashboard", "revenue", "products", "customers", "revenue/export", "products/export"):
        response = api.get(f"/api/analytics/{path}/", headers=shop.world.headers(role))
        assert response.status_code == status, (path, response.json)


def test_without_a_token_analytics_answer_401(api, shop):
    assert api.get("/api/analytics/dashboard/").status_code == 401


def test_a_platform_admin_must_choose_a_tenant(api, shop):
    headers = {"Authorization": shop.world.headers("super_admin")["Authorization"]}
    response = api.get("/api/analytics/dashboard/", headers=headers)
    assert response.status_code == 400 and response.json["code"] == "TENANT_REQUIRED"


def test_the_default_range_is_the_last_30_days_up_to_today(api, shop):
    period = get(api, "/api/analytics/dashboard/", shop.world.headers("manager"))["period"]
    assert period["days"] == 30
    assert date.fromisoformat(period["date_to"]) - date.fromisoformat(period["date_from"]) == timedelta(days=29)
    assert abs((date.fromisoformat(period["date_to"]) - date.today()).days) <= 1  # the outlets' local today


@pytest.mark.parametrize("params, code", [
    ({"date_from": "2026-11-08", "date_to": "2026-11-07"}, "INVALID_DATE_RANGE"),
    ({"date_from": "2020-01-01", "date_to": "2026-11-07"}, "DATE_RANGE_TOO_LONG"),
    ({"date_from": "1999-12-31"}, "INVALID_DATE_FROM"),
    ({"date_to": "yesterday"}, "INVALID_DATE_TO"),
    ({"outlet_id": "0"}, "INVALID_OUTLET_ID"),
])
def test_bad_filters_are_400_with_the_field(api, shop, params, code):
    response = api.get("/api/analytics/dashboard/", headers=shop.world.headers("manager"), query_string=params)
    assert response.status_code == 400 and response.json["code"] == code, response.json


# --- revenue over time ------------------------------------------------------------------

def revenue(api, headers, **params):
    return get(api, "/api/analytics/revenue/", headers, **params)


def test_daily_revenue_has_every_day_of_the_range_with_zeros(api, shop):
    body = revenue(api, shop.world.headers("manager"), period="daily", **PERIOD)
    assert [(d["bucket"], d["orders"], d["revenue"]) for d in body["data"]] == [
        ("2026-11-01", 0, "0.00"),
        ("2026-11-02", 2, "352275.00"),  # O1 + O2
        ("2026-11-03", 1, "109725.00"),  # O6
        ("2026-11-04", 1, "46200.00"),  # O3 less its refund
        ("2026-11-05", 1, "109725.00"),  # O5 (O4 was cancelled)
        ("2026-11-06", 1, "92400.00"),  # O7 (O8 is still open)
        ("2026-11-07", 0, "0.00"),
    ]
    assert body["data"][3]["refunds"] == "23100.00" and body["data"][3]["gross_sales"] == "69300.00"
    assert body["totals"] == {"total_orders": 6, "total_revenue": "710325.00", "gross_sales": "733425.00",
                              "refunds_total": "23100.00", "avg_order_value": "118387.50",
                              "avg_revenue_per_bucket": "101475.00", "buckets": 7,  # 710.325 / 7
                              "methods": by_method(cash="402275.00", card="152125.00", qris="46200.00",
                                                   ewallet="109725.00")}
    assert body["data"][3]["methods"] == by_method(qris="46200.00")


def test_weekly_buckets_are_iso_weeks_cut_to_the_range(api, shop):
    body = revenue(api, shop.world.headers("manager"), period="weekly", date_from="2026-10-28",
                   date_to="2026-11-07")
    assert [(d["bucket"], d["start"], d["end"], d["orders"], d["revenue"]) for d in body["data"]] == [
        ("2026-W44", "2026-10-28", "2026-11-01", 1, "109725.00"),  # Mon 10-26 .. Sun 11-01: P1
        ("2026-W45", "2026-11-02", "2026-11-07", 6, "710325.00"),  # Mon 11-02 .. (Sun 11-08)
    ]


def test_monthly_buckets_include_empty_months(api, shop):
    body = revenue(api, shop.world.headers("manager"), period="monthly", date_from="2026-09-15",
                   date_to="2026-11-07")
    assert [(d["bucket"], d["start"], d["end"], d["orders"], d["revenue"]) for d in body["data"]] == [
        ("2026-09", "2026-09-15", "2026-09-30", 0, "0.00"),
        ("2026-10", "2026-10-01", "2026-10-31", 2, "1206975.00"),  # P0 1.097.250 + P1 109.725
        ("2026-11", "2026-11-01", "2026-11-07", 6, "710325.00"),
    ]
    assert body["totals"]["total_revenue"] == "1917300.00" and body["totals"]["avg_revenue_per_bucket"] == "639100.00"


def test_a_date_range_without_sales_is_all_zero_buckets(api, shop):
    body = revenue(api, shop.world.headers("manager"), period="daily", date_from="2026-12-01",
                   date_to="2026-12-03")
    assert [(d["bucket"], d["orders"], d["revenue"]) for d in body["data"]] == [
        ("2026-12-01", 0, "0.00"), ("2026-12-02", 0, "0.00"), ("2026-12-03", 0, "0.00")]
    assert body["totals"]["avg_order_value"] == "0.00"


def test_an_unknown_period_is_refused(api, shop):
    response = api.get("/api/analytics/revenue/?period=hourly", headers=shop.world.headers("manager"))
    assert response.status_code == 400 and response.json["field"] == "period"


# --- products ---------------------------------------------------------------------------

def test_products_are_a_paginated_list_by_revenue(api, shop):
    body = get(api, "/api/analytics/products/", shop.world.headers("manager"), page_size=1, **PERIOD)
    assert body["count"] == 2 and body["previous"] is None and "page=2" in body["next"]
    assert [(p["name"], p["revenue"], p["share"]) for p in body["results"]] == [("Margherita", "548625.00", 77.24)]
    assert body["total_revenue"] == "710325.00"
    second = get(api, "/api/analytics/products/", shop.world.headers("manager"), page_size=1, page=2, **PERIOD)
    assert [p["name"] for p in second["results"]] == ["Iced Tea"] and second["next"] is None


def test_products_can_be_ordered_and_searched(api, shop):
    headers = shop.world.headers("manager")
    by_units = get(api, "/api/analytics/products/", headers, ordering="-quantity", **PERIOD)
    assert [(p["name"], p["quantity"]) for p in by_units["results"]] == [("Iced Tea", 7), ("Margherita", 5)]
    found = get(api, "/api/analytics/products/", headers, search="tea", **PERIOD)
    assert [(p["name"], p["share"]) for p in found["results"]] == [("Iced Tea", 22.76)]  # share of all products
    response = api.get("/api/analytics/products/?ordering=price", headers=headers)
    assert response.status_code == 400 and response.json["code"] == "INVALID_ORDERING"


def test_an_outlet_bound_manager_sees_their_outlets_products(api, shop):
    body = get(api, "/api/analytics/products/", shop.outlet_manager, **PERIOD)
    # AA1: Marg O1 2 + O2 1 + O5 1 = 4 x 109.725; Tea O1 1 + O3 2 = 3 units, 23.100 + 46.200
    assert [(p["name"], p["quantity"], p["revenue"]) for p in body["results"]] == [
        ("Margherita", 4, "438900.00"), ("Iced Tea", 3, "69300.00")]


# --- customers --------------------------------------------------------------------------

def test_customer_figures_of_the_period(api, shop):
    body = get(api, "/api/analytics/customers/", shop.world.headers("manager"), **PERIOD)
    assert body["total_customers"] == 4  # Ani, Budi, Citra, Dewi (not BB's Eko)
    assert body["customers_served"] == 2  # Ani, Budi
    assert body["new_customers"] == 1  # Budi's first order is O6; Ani bought P1 in October
    assert body["returning_customers"] == 1  # Ani
    assert body["repeat_customers"] == 1  # Ani: O1 and O3
    assert body["tiers"] == {"regular": 3, "silver": 1, "gold": 0, "platinum": 0}  # Citra: 1.097.250 spent
    # points: Ani 10 (P1) + 24 (O1) + 6 (O3) - 2 (O3's refund), Budi 10, Citra 109, Dewi 0
    assert body["points_outstanding"] == 157


def test_top_customers_rank_by_spend_in_the_period(api, shop):
    top = get(api, "/api/analytics/customers/", shop.world.headers("manager"), **PERIOD)["top_customers"]
    assert [(c["name"], c["orders"], c["total_spent"], c["avg_order_value"], c["points"]) for c in top] == [
        ("Ani", 2, "288750.00", "144375.00", 38),  # O1 242.550 + O3 69.300 - 23.100
        ("Budi", 1, "109725.00", "109725.00", 10),  # O6
    ]


def test_customer_figures_follow_the_outlet_scope(api, shop):
    body = get(api, "/api/analytics/customers/", shop.world.headers("manager"),
               outlet_id=shop.world.a.other_outlet_id, **PERIOD)
    assert (body["customers_served"], body["new_customers"], body["repeat_customers"]) == (1, 1, 0)  # Budi
    assert [c["name"] for c in body["top_customers"]] == ["Budi"]
    assert body["total_customers"] == 4  # the customer base is the tenant's


# --- sales count when they are paid ---------------------------------------------------------

JANUARY = {"date_from": "2027-01-04", "date_to": "2027-01-06"}


def test_a_paid_order_counts_as_a_sale_before_it_is_completed(api, shop):
    """J1 was paid and served but nobody tapped "Hand over · complete": head office still
    sees its money (before: Rp 0 until completion)."""
    body = dashboard(api, shop.world.headers("manager"), date_from="2027-01-04", date_to="2027-01-04")
    # J1 109.725 cash + J2 46.200 card; J2's refund is two days later
    assert body["metrics"]["gross_sales"] == "155925.00" and body["metrics"]["refunds_total"] == "0.00"
    assert body["metrics"]["total_orders"] == 2 and body["metrics"]["customers_served"] == 1  # Dewi
    assert body["status_distribution"]["served"] == 1 and body["status_distribution"]["completed"] == 1
    assert [p["name"] for p in body["top_products"]] == ["Margherita", "Iced Tea"]


def test_a_refund_counts_on_the_day_it_is_given(api, shop):
    body = revenue(api, shop.world.headers("manager"), period="daily", **JANUARY)
    assert [(d["bucket"], d["orders"], d["gross_sales"], d["refunds"], d["revenue"]) for d in body["data"]] == [
        ("2027-01-04", 2, "155925.00", "0.00", "155925.00"),
        ("2027-01-05", 0, "0.00", "0.00", "0.00"),  # J3 is in the kitchen, unpaid: no sale
        ("2027-01-06", 0, "0.00", "23100.00", "-23100.00"),  # J2's tea given back
    ]
    assert body["data"][2]["methods"]["card"] == "-23100.00"
    metrics = dashboard(api, shop.world.headers("manager"), **JANUARY)["metrics"]
    assert (metrics["gross_sales"], metrics["refunds_total"], metrics["total_revenue"]) == (
        "155925.00", "23100.00", "132825.00")


def test_payment_methods_net_what_each_took_and_gave_back_in_the_range(api, shop):
    methods = dashboard(api, shop.world.headers("manager"), **JANUARY)["payment_methods"]
    assert methods == [
        {"method": "cash", "count": 1, "amount": "109725.00", "refunds": "0.00", "net": "109725.00"},
        {"method": "card", "count": 1, "amount": "46200.00", "refunds": "23100.00", "net": "23100.00"},
    ]


def test_customers_and_products_follow_paid_orders(api, shop):
    body = get(api, "/api/analytics/customers/", shop.world.headers("manager"), **JANUARY)
    assert (body["customers_served"], body["new_customers"]) == (1, 1)  # Dewi's first order, paid, not completed
    assert [(c["name"], c["orders"], c["total_spent"]) for c in body["top_customers"]] == [("Dewi", 1, "109725.00")]
    products = get(api, "/api/analytics/products/", shop.world.headers("manager"), **JANUARY)["results"]
    assert [(p["name"], p["quantity"], p["revenue"]) for p in products] == [
        ("Margherita", 1, "109725.00"), ("Iced Tea", 1, "23100.00")]


# --- exports ----------------------------------------------------------------------------

def by_method(**amounts: str) -> dict[str, str]:
    """Every payment method of the vocabulary, in its order: these amounts, the rest 0.00."""
    return {method: amounts.get(method, "0.00") for method in vocab.PAYMENT_METHODS}


def test_the_revenue_report_downloads_as_csv_with_a_totals_row(api, shop):
    response = api.get("/api/analytics/revenue/export/", headers=shop.world.headers("manager"),
                          query_string={"period": "weekly", "format": "csv", "date_from": "2026-10-28",
                                        "date_to": "2026-11-07"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "revenue-weekly-2026-10-28-2026-11-07.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["bucket", "start", "end", "orders", "gross_sales", "refunds", "revenue", "avg_value",
         *vocab.PAYMENT_METHODS],
        ["2026-W44", "2026-10-28", "2026-11-01", "1", "109725.00", "0.00", "109725.00", "109725.00",
         *by_method(cash="109725.00").values()],
        ["2026-W45", "2026-11-02", "2026-11-07", "6", "733425.00", "23100.00", "710325.00", "118387.50",
         *by_method(cash="402275.00", card="152125.00", qris="46200.00", ewallet="109725.00").values()],
        ["total", "2026-10-28", "2026-11-07", "7", "843150.00", "23100.00", "820050.00", "117150.00",
         *by_method(cash="512000.00", card="152125.00", qris="46200.00", ewallet="109725.00").values()],
    ]


def test_the_products_report_downloads_as_an_excel_sheet(api, shop):
    response = api.get("/api/analytics/products/export/", headers=shop.world.headers("manager"),
                          query_string={"format": "xlsx", **PERIOD})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["product_id", "sku", "name", "quantity", "orders", "revenue", "share"]
    assert [row[2:] for row in rows[1:]] == [["Margherita", "5", "4", "548625", "77.24"],
                                             ["Iced Tea", "7", "3", "161700", "22.76"]]


# --- a real edge's sales ----------------------------------------------------------------

def test_an_edges_sales_reach_the_dashboard_as_the_edge_counted_them(shop_app, api, tmp_path):
    """The demo outlet's edge (in process, enrolled through the real sync client) sells,
    refunds a line and cancels an order; its relay pushes; the dashboard's figures for
    today are the edge's own totals (the demo tenant rounds cash to Rp 100)."""
    from cloud.services import demo
    from edge.extensions import db as edge_db
    from edge.services.syncing import enrollment as edge_enrollment
    from edge.services.syncing import puller
    from edge.services.syncing.relay import Relay
    from sync.client import CloudClient
    from tests.edge.conftest import CLOUD_URL, login, make_edge
    from tests.edge.conftest import Till as EdgeTill
    from tests.support.flask_transport import FlaskSession

    minor = parse_amount
    with shop_app.app_context():
        _, key = demo.seed(db.session)
        db.session.commit()
    edge = make_edge(tmp_path / "edge")
    try:
        with edge.app_context():
            credential = edge_enrollment.enroll(edge_db.session, edge.config["DATA_DIR"], CLOUD_URL, key, "till",
                                                client=CloudClient(CLOUD_URL, session=FlaskSession(shop_app)))
            device = CloudClient(CLOUD_URL, device_id=credential.device_id, device_token=credential.device_token,
                                 session=FlaskSession(shop_app))
            puller.pull_all(device)
        client = edge.test_client()
        cashier = EdgeTill(client, login(client, "cashier", pin="1234"))
        manager = EdgeTill(client, login(client, "manager", password="manager123"))
        cook = EdgeTill(client, login(client, "kitchen", password="kitchen123"))
        cashier.open_shift()

        def sale(*items, method="cash"):
            order = cashier.order(*items)
            cashier.post(f"/api/orders/{order['id']}/confirm/")
            cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
            paid = cashier.pay(order["id"], method, **({"tendered": "1000000.00"} if method == "cash"
                                                      else {"reference": "APPROVAL-1"}))
            assert paid.status_code == 201, paid.json
            assert cashier.post(f"/api/orders/{order['id']}/complete/").status_code == 200
            return cashier.get(f"/api/orders/{order['id']}/").json

        first = sale(cashier.item("PZ-PEPP", 1, ["Large"]), cashier.item("DR-COLA", 2))
        second = sale(cashier.item("DR-LTEA", 3), method="card")
        refund = manager.post(f"/api/orders/{second['id']}/refund/",
                              {"reason": "spilled", "lines": [{"item_id": second["items"][0]["id"], "quantity": 1}]})
        assert refund.status_code == 201, refund.json
        dropped = cashier.order(cashier.item("DS-TIRA"))
        assert cashier.post(f"/api/orders/{dropped['id']}/cancel/", {"reason": "left"}).status_code == 200
        with edge.app_context():
            outcome = Relay(device, rng=lambda: 1.0).drain()
        assert outcome.dead == 0
    finally:
        with edge.app_context():
            edge_db.session.remove()
            edge_db.engine.dispose()

    owner = api.post("/api/auth/login/", json={"username": "owner", "password": "owner123"}).json["access"]
    business_day = get(api, "/api/orders/", {"Authorization": f"Bearer {owner}"})["results"][0]["business_date"]
    body = get(api, "/api/analytics/dashboard/", {"Authorization": f"Bearer {owner}"},
               date_from=business_day, date_to=business_day)

    sold = minor(first["total_amount"]) + minor(second["total_amount"])
    assert body["metrics"]["total_orders"] == 2 and body["metrics"]["cancelled_orders"] == 1
    assert minor(body["metrics"]["gross_sales"]) == sold
    assert body["metrics"]["refunds_total"] == refund.json["amount"]
    assert minor(body["metrics"]["total_revenue"]) == sold - minor(refund.json["amount"])
    tea = next(p for p in body["top_products"] if p["name"] == "Iced Lemon Tea")
    assert tea["quantity"] == 2
    assert minor(tea["revenue"]) == minor(second["items"][0]["line_total"]) - minor(refund.json["amount"])
    assert {m["method"]: m["amount"] for m in body["payment_methods"]} == {
        "cash": first["total_amount"], "card": second["total_amount"]}
    assert body["prep_times"]["orders"] == 2 and body["tenant"]["name"] == "Pizza Palace"
