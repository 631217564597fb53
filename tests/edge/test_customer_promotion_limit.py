"""A once-per-customer promotion, end to end: a customer's uses the cloud has counted come to
the edge with the customer in the cloud's mirror, and the edge's order API honours them."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Customer as CloudCustomer
from cloud.models import Outlet, PromotionUsage
from edge.extensions import db as edge_db
from edge.models import OutboxEvent
from edge.services.syncing import puller
from sync.ids import new_uuid

OWNER = {"username": "owner", "password": "owner123"}


def _cloud_setup(cloud_app) -> dict[str, str]:
    """Through the cloud's API: an active WELCOME1 promotion (10%, once per customer) and
    two customers; then one use of it by the first, as ingest records a synced order's use
    (another till's, or one from before this edge was installed: not in the edge's own outbox)."""
    client = cloud_app.test_client()
    token = client.post("/api/auth/login/", json=OWNER).json["access"]
    headers = {"Authorization": f"Bearer {token}"}
    promo = client.post("/api/promotions/", headers=headers, json={
        "name": "Welcome", "promo_type": "percentage", "discount_percent": "10.00", "code": "WELCOME1",
        "usage_limit_per_customer": 1})
    assert promo.status_code == 201, promo.json
    assert client.post(f"/api/promotions/{promo.json['id']}/activate/", headers=headers).status_code == 200
    phones = {}
    for name, phone in (("Used It", "081200000001"), ("New Face", "081200000002")):
        made = client.post("/api/customers/", headers=headers, json={"name": name, "phone": phone})
        assert made.status_code == 201, made.json
        phones[name] = phone
    with cloud_app.app_context():
        used_it = cloud_db.session.query(CloudCustomer).filter_by(phone=phones["Used It"]).one()
        outlet = cloud_db.session.query(Outlet).filter_by(code="YOG").one()
        cloud_db.session.add(PromotionUsage(
            tenant_id=used_it.tenant_id, promotion_id=promo.json["id"], outlet_id=outlet.id,
            customer_uuid=used_it.uuid, order_uuid=new_uuid(), count=1, discount_amount=500_000,
            used_at=datetime(2026, 11, 20, 12, 0)))
        cloud_db.session.commit()
    return phones


def _edge_customer_id(till, phone: str) -> int:
    found = till.post("/api/customers/search/", {"phone": phone})
    assert found.status_code == 200, found.json
    return found.json["id"]


def test_a_customer_whose_use_the_cloud_counted_is_refused_a_once_per_customer_promotion(
        cloud_app, edge_app, device_client, cashier):
    phones = _cloud_setup(cloud_app)
    with edge_app.app_context():
        puller.pull_all(device_client)
    item = cashier.item("DR-COLA", 2)

    fresh = cashier.post("/api/orders/", {"items": [item], "promo_codes": ["WELCOME1"],
                                          "customer_id": _edge_customer_id(cashier, phones["New Face"])})
    assert fresh.status_code == 201, fresh.json
    assert [p["name"] for p in fresh.json["promotions"]] == ["Welcome"]  # the rule itself grants it

    used = cashier.post("/api/orders/", {"items": [item], "promo_codes": ["WELCOME1"],
                                         "customer_id": _edge_customer_id(cashier, phones["Used It"])})
    assert used.status_code == 422, used.json
    assert used.json["code"] == "PROMO_CODE_REJECTED"
    assert "already used WELCOME1 the maximum of 1 time" in used.json["message"]


def _welcome_order_for_a_new_face(cloud_app, edge_app, device_client, cashier):
    """An order of two colas holding the once-per-customer WELCOME1 for a customer who never used it."""
    phones = _cloud_setup(cloud_app)
    with edge_app.app_context():
        puller.pull_all(device_client)
    order = cashier.post("/api/orders/", {"items": [cashier.item("DR-COLA", 2)], "promo_codes": ["WELCOME1"],
                                          "customer_id": _edge_customer_id(cashier, phones["New Face"])})
    assert order.status_code == 201, order.json
    return order


def test_an_order_holding_the_customers_one_use_keeps_the_promotion_when_its_items_change(
        cloud_app, edge_app, device_client, cashier):
    """Priced again, an order does not count its own use (queued, not yet counted by the
    cloud) against the customer's limit: the promotion it holds stays on it."""
    order = _welcome_order_for_a_new_face(cloud_app, edge_app, device_client, cashier)
    changed = cashier.patch(f"/api/orders/{order.json['id']}/", {"items": [cashier.item("DR-COLA", 1)]})
    assert changed.status_code == 200, changed.json
    assert [p["name"] for p in changed.json["promotions"]] == ["Welcome"]
    assert [i["quantity"] for i in changed.json["items"]] == [1]


def test_an_order_priced_again_still_holds_exactly_one_use_of_its_promotion(
        cloud_app, edge_app, device_client, cashier):
    """The uses queued for the cloud (+1 / -1 per `promotion.usage` event) add up to what
    the order holds: one, however often it is edited."""
    order = _welcome_order_for_a_new_face(cloud_app, edge_app, device_client, cashier)
    for quantity in (1, 2):
        changed = cashier.patch(f"/api/orders/{order.json['id']}/", {"items": [cashier.item("DR-COLA", quantity)]})
        assert changed.status_code == 200, changed.json
    with edge_app.app_context():
        queued = edge_db.session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.type == "promotion.usage")).scalars().all()
    uses = [json.loads(p) for p in queued]
    assert sum(u["count"] for u in uses if u["order_uuid"] == order.json["uuid"]) == 1
