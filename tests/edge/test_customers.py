"""Customers at the outlet: created and found by phone offline; points accrue locally."""
import json

from edge.extensions import db
from edge.models import OutboxEvent
from sync.money import parse_amount


def test_a_customer_is_created_offline_and_queued_for_the_cloud(cashier):
    response = cashier.post("/api/customers/", {"name": "Siti", "phone": "+62 812-3456-7890"})
    assert response.status_code == 201
    assert response.json["phone"] == "081234567890"
    assert response.json["membership_tier"] == "regular" and response.json["synced"] is False
    with cashier.client.application.app_context():
        event = db.session.query(OutboxEvent).filter_by(type="customer.upserted").one()
        assert json.loads(event.payload)["phone"] == "081234567890"


def test_phone_lookup_accepts_any_common_format(cashier):
    cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"})
    found = cashier.post("/api/customers/search/", {"phone": "+6281234567890"})
    assert found.status_code == 200 and found.json["name"] == "Siti"
    assert cashier.post("/api/customers/search/", {"phone": "0899999999"}).status_code == 404


def test_phones_are_unique(cashier):
    cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"})
    again = cashier.post("/api/customers/", {"name": "Other", "phone": "0812 3456 7890"})
    assert again.status_code == 409 and again.json["code"] == "PHONE_TAKEN"


def test_a_bad_phone_is_refused(cashier):
    response = cashier.post("/api/customers/", {"name": "X", "phone": "12ab"})
    assert response.status_code == 400 and response.json["code"] == "INVALID_PHONE"


def test_points_accrue_when_an_order_completes(cashier, cook):
    cashier.open_shift()
    customer = cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"}).json
    order = cashier.order(cashier.item("PZ-PEPP", 2, ["Large"]), customer_id=customer["id"])  # ~253.000
    cashier.pay(order["id"], "cash", tendered="300000.00")
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    cashier.post(f"/api/orders/{order['id']}/complete/")
    after = cashier.get(f"/api/customers/{customer['id']}/").json
    total = parse_amount(order["total_amount"])  # minor units
    assert after["points"] == total // 1_000_000  # one point per Rp 10.000, regular tier
    assert after["total_orders"] == 1 and after["total_spent"] == order["total_amount"]
    with cashier.client.application.app_context():
        event = db.session.query(OutboxEvent).filter_by(type="loyalty.accrued").one()
        assert json.loads(event.payload)["points"] == after["points"]
