"""Cost of goods sold and gross margin per product (`GET /api/analytics/margins/`), on SQLite
and PostgreSQL, with sales pushed the way an outlet pushes them.

Dough costs 10.00 a gram, Mozzarella 20.00. A Margherita uses 200 g dough and 100 g
mozzarella (4000.00); its Large size adds 100 g dough (1000.00). On 2026-11-02 outlet a1
sells (service 5 %, then tax 10 % on price + service, as the tenants' defaults):
    O1  2 Margherita Regular          net 190000.00
    O2  3 Margherita Large, 1 refunded net 330000.00, kept 2: 220000.00
    O3  1 Iced Tea (no recipe)        net  20000.00
    O4  1 Margherita, never paid      (not sold)
Margherita: 4 units, net 410000.00, COGS 2 x 4000 + 2 x 5000 = 18000.00, margin 392000.00,
margin % 392000 / 410000 = 95.6097… -> "95.61". Iced Tea: COGS 0, margin % "100.00".
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from cloud.extensions import db
from cloud.models import Outlet, Product
from cloud.services import catalog, enrollment, margins
from cloud.services.actor import Actor
from sync.ids import new_uuid
from sync.money import apply_rate, div_round_half_up
from tests.cloud.factories import make_user, token
from tests.cloud.test_analytics import Device

pytestmark = pytest.mark.postgres

RANGE = {"date_from": "2026-11-02", "date_to": "2026-11-02"}


def _line(line_no, product_id, name, unit_price, quantity, modifiers=()):
    gross = unit_price * quantity
    service = apply_rate(gross, 500)
    tax = apply_rate(gross + service, 1000)
    return {"line_no": line_no, "product_id": product_id, "product_name": name, "sku": "", "category_id": None,
            "station": "main", "quantity": quantity, "modifiers": list(modifiers), "note": "",
            "unit_price": unit_price, "gross": gross, "discount_amount": 0, "total_price": gross,
            "service_charge": service, "tax_amount": tax, "line_total": gross + service + tax,
            "prep_status": "queued", "voided_quantity": 0, "refunded_quantity": 0}


def sell(device: Device, numbers, line: dict, paid: bool = True, refund_units: int = 0) -> None:
    """One order of one line pushed as the edge does: snapshots, the payment, a refund."""
    at = [datetime(2026, 11, 2, 3, 0, 0)]
    total = line["line_total"]
    order = {"uuid": new_uuid(), "order_number": f"T-{next(numbers):04d}", "outlet_id": device.outlet_id,
             "terminal": 1, "business_date": at[0].date(), "shift_uuid": None, "status": "pending", "source": "pos",
             "customer_uuid": None, "customer_name": "", "customer_phone": "", "table": "", "note": "",
             "subtotal": line["gross"], "discount_amount": 0, "service_charge": line["service_charge"],
             "tax_amount": line["tax_amount"], "rounding_amount": 0, "total_amount": total, "paid_amount": 0,
             "change_amount": 0, "voided_amount": 0, "refunded_amount": 0, "version": 1, "cashier_id": None,
             "cancel_reason": "", "created_at": at[0], "confirmed_at": None, "preparing_at": None, "ready_at": None,
             "served_at": None, "completed_at": None, "cancelled_at": None, "items": [line], "promotions": []}

    def snapshot(**changes):
        at[0] += timedelta(seconds=60)
        order.update(changes)
        device.push("order.snapshot", order, at[0])
        order["version"] += 1

    snapshot()
    if not paid:
        return
    device.push("payment.recorded", {
        "uuid": new_uuid(), "order_uuid": order["uuid"], "terminal": 1, "method": "card", "amount": total,
        "tendered": None, "change_amount": 0, "status": "paid", "reference": "OK", "created_at": at[0]}, at[0])
    snapshot(paid_amount=total, status="completed", served_at=at[0], completed_at=at[0])
    if refund_units:
        amount = div_round_half_up(total * refund_units, line["quantity"])
        line["refunded_quantity"] = refund_units
        device.push("refund.recorded", {
            "uuid": new_uuid(), "order_uuid": order["uuid"], "kind": "refund", "method": "card", "amount": amount,
            "reason": "cold", "lines": [{"line_no": 1, "quantity": refund_units, "amount": amount}],
            "created_at": at[0]}, at[0])
        snapshot(refunded_amount=amount)


@pytest.fixture
def sold(app, client, world):
    """The module docstring's sales at outlet a1 and one sale of tenant b."""
    a = world.a
    with app.app_context():
        owner = Actor(a.users["tenant_owner"], "owner", "tenant_owner", a.tenant_id, None)
        tea = catalog.create_product(db.session, owner, {"sku": "TEA", "name": "Iced Tea", "category_id": a.category_id,
                                                         "price": 2_000_000}).id
        pizza = db.session.get(Product, a.product_id)
        sizes = {m.name: m.id for m in pizza.modifier_groups[0].modifiers}
        db.session.commit()
    manager = world.headers("manager")
    dough = client.post("/api/stock-items/", json={"name": "Dough", "unit": "g", "cost": "10.00"},
                        headers=manager).json["id"]
    cheese = client.post("/api/stock-items/", json={"name": "Mozzarella", "unit": "g", "cost": "20.00"},
                         headers=manager).json["id"]
    for body in ({"product_id": a.product_id, "stock_item_id": dough, "quantity": 200},
                 {"product_id": a.product_id, "stock_item_id": cheese, "quantity": 100},
                 {"modifier_id": sizes["Large"], "stock_item_id": dough, "quantity": 100}):
        assert client.post("/api/recipes/", json=body, headers=manager).status_code == 201
    with app.app_context():
        keys = [enrollment.issue_key(db.session, db.session.get(Outlet, outlet), None)[0]
                for outlet in (a.outlet_id, world.b.outlet_id)]
        db.session.commit()
    numbers = itertools.count(1)
    till = _device(app, client, keys[0], a.outlet_id)
    regular = {"id": sizes["Regular"], "name": "Regular", "price": 0}
    large = {"id": sizes["Large"], "name": "Large", "price": 1_500_000}
    sell(till, numbers, _line(1, a.product_id, "Margherita", 9_500_000, 2, [regular]))
    sell(till, numbers, _line(1, a.product_id, "Margherita", 11_000_000, 3, [large]), refund_units=1)
    sell(till, numbers, _line(1, tea, "Iced Tea", 2_000_000, 1))
    sell(till, numbers, _line(1, a.product_id, "Margherita", 9_500_000, 1, [regular]), paid=False)
    theirs = _device(app, client, keys[1], world.b.outlet_id)
    sell(theirs, numbers, _line(1, world.b.product_id, "Margherita", 9_500_000, 5))
    return {"tea": tea}


def _device(app, client, key: str, outlet_id: int) -> Device:
    device = Device.__new__(Device)  # Device enrolls by itself; here the key is issued above
    enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": f"till {outlet_id}"})
    access = client.post("/api/sync/token/", json={"device_id": enrolled.json["device_id"],
                                                     "device_token": enrolled.json["device_token"]})
    device.client, device.outlet_id, device.seq = client, outlet_id, itertools.count(1)
    device.headers = {"Authorization": f"Bearer {access.json['access_token']}"}
    return device


def _margins(client, headers, **params):
    return client.get("/api/analytics/margins/", query_string={**RANGE, **params}, headers=headers)


def test_cogs_is_the_kept_units_times_the_recipes_at_the_stock_costs(client, world, sold):
    answer = _margins(client, world.headers("manager"))
    assert answer.status_code == 200, answer.json
    pizza, tea = answer.json["results"]
    assert {k: pizza[k] for k in ("name", "quantity", "net_sales", "cogs", "margin", "margin_percent",
                                  "has_recipe")} == {
        "name": "Margherita", "quantity": 4, "net_sales": "410000.00", "cogs": "18000.00", "margin": "392000.00",
        "margin_percent": "95.61", "has_recipe": True}
    assert (tea["cogs"], tea["margin_percent"], tea["has_recipe"]) == ("0.00", "100.00", False)


def test_revenue_is_the_products_reports_figure(client, world, sold):
    margins_rows = {r["product_id"]: r["revenue"] for r in _margins(client, world.headers("manager")).json["results"]}
    report = client.get("/api/analytics/products/", query_string=RANGE, headers=world.headers("manager")).json
    assert margins_rows == {r["product_id"]: r["revenue"] for r in report["results"]}


def test_the_totals_add_up_the_products(client, world, sold):
    totals = _margins(client, world.headers("manager")).json["totals"]
    assert (totals["net_sales"], totals["cogs"], totals["margin"], totals["margin_percent"]) == (
        "430000.00", "18000.00", "412000.00", "95.81")


@pytest.mark.parametrize(("part", "whole", "text"), [(1, 8, "12.50"), (1, 3, "33.33"), (2, 3, "66.67"),
                                                     (1, 200, "0.50"), (-1, 3, "-33.33"), (5, 0, None)])
def test_margin_percent_is_two_decimals_rounded_half_up_as_text(part, whole, text):
    assert margins.percent(part, whole) == text


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("tenant_owner", 200), ("cashier", 403),
                                              ("kitchen", 403), ("stockkeeper", 403)])
def test_margins_are_for_managers_and_owners(client, world, role, status):
    assert _margins(client, world.headers(role)).status_code == status


def test_another_tenants_sales_never_show_in_margins(app, client, world, sold):
    theirs = _margins(client, world.headers("manager", "b")).json["results"]
    assert [(r["quantity"], r["cogs"]) for r in theirs] == [(5, "0.00")]  # tenant b has no recipes
    assert _margins(client, world.headers("manager", "b"), outlet_id=world.a.outlet_id).status_code == 404


def test_an_outlet_bound_manager_sees_their_outlets_margins_only(app, client, world, sold):
    with app.app_context():
        bound = token(make_user("manager", "a_other_manager", world.a.tenant_id, world.a.other_outlet_id))
        db.session.commit()
    headers = {"Authorization": f"Bearer {bound}"}
    assert _margins(client, headers).json["results"] == []
    assert _margins(client, headers, outlet_id=world.a.outlet_id).status_code == 404
