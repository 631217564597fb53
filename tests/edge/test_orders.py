"""Orders at the edge: pricing, modifiers, promotions, numbering, retries, status flow."""
import json
import re
import uuid

import pytest
from sqlalchemy import event

from edge.extensions import db
from edge.models import MirrorAllowance, Order, OutboxEvent
from edge.services.selling import orders


def money(value):
    return f"{value:.2f}" if isinstance(value, int) else value


def test_an_order_stores_every_computed_amount_and_the_lines_add_up(cashier):
    order = cashier.order(cashier.item("PZ-PEPP", 1, ["Large", "Extra cheese"]), cashier.item("DR-COLA", 3),
                          promo_codes=["WEEKEND30"])
    assert order["subtotal"] == "174000.00"
    assert order["discount_amount"] == "36000.00"
    assert order["service_charge"] == "6900.00"      # 5 % of 138.000
    assert order["tax_amount"] == "14490.00"         # 10 % of 144.900
    assert order["rounding_amount"] == "10.00"        # to Rp 100
    assert order["total_amount"] == "159400.00"
    for field in ("discount_amount", "service_charge", "tax_amount"):
        assert sum(float(i[field]) for i in order["items"]) == float(order[field])
    assert order["promotions"] == [{"id": order["promotions"][0]["id"], "name": "Weekend Flash Sale",
                                    "code": "WEEKEND30", "discount_amount": "36000.00"}]


def test_modifiers_add_to_the_unit_price(cashier):
    order = cashier.order(cashier.item("PZ-MARG", 2, ["Large", "Mushrooms"]))
    line = order["items"][0]
    assert line["unit_price"] == "108000.00"  # 85.000 + 15.000 + 8.000
    assert line["gross"] == "216000.00"
    assert [m["name"] for m in line["modifiers"]] == ["Large", "Mushrooms"]


def test_a_required_modifier_group_must_be_chosen(cashier):
    pizza = cashier.product("PZ-MARG")
    response = cashier.post("/api/orders/", {"items": [{"product_id": pizza["id"], "quantity": 1}]})
    assert response.status_code == 400
    assert response.json["code"] == "MODIFIER_REQUIRED"
    assert response.json["field"] == "items.0.modifier_ids"
    assert "Size" in response.json["message"]


def test_too_many_choices_in_a_group_are_refused(cashier):
    item = cashier.item("PZ-MARG", 1, ["Regular"])
    pizza = cashier.product("PZ-MARG")
    item["modifier_ids"] += [cashier.modifier(pizza, m) for m in ("Extra cheese", "Mushrooms", "Jalapeños",
                                                                  "Beef pepperoni")]
    response = cashier.post("/api/orders/", {"items": [item]})
    assert response.status_code == 400 and response.json["code"] == "TOO_MANY_MODIFIERS"


def test_a_modifier_of_another_product_is_refused(cashier):
    item = cashier.item("DR-COLA", 1)
    item["modifier_ids"] = [cashier.modifier(cashier.product("PZ-MARG"), "Large")]
    response = cashier.post("/api/orders/", {"items": [item]})
    assert response.status_code == 400 and response.json["code"] == "INVALID_MODIFIER"


def test_unknown_products_and_bad_quantities_are_refused(cashier):
    assert cashier.post("/api/orders/", {"items": [{"product_id": 999, "quantity": 1}]}).json["code"] == \
        "INVALID_PRODUCT"
    zero = cashier.post("/api/orders/", {"items": [{"product_id": 8, "quantity": 0}]})
    assert zero.status_code == 400 and zero.json["field"] == "items.0.quantity"
    assert cashier.post("/api/orders/", {"items": []}).status_code == 400


def test_an_unknown_promo_code_is_refused_with_a_reason(cashier):
    response = cashier.post("/api/orders/", {"items": [cashier.item("DR-COLA")], "promo_codes": ["NOPE"]})
    assert response.status_code == 422
    assert response.json["code"] == "PROMO_CODE_REJECTED"
    assert response.json["rejections"][0]["reason"] == "UNKNOWN_CODE"
    with cashier.client.application.app_context():
        assert db.session.query(Order).count() == 0


@pytest.mark.parametrize("path", ["/api/orders/quote/", "/api/orders/"])
def test_an_unknown_customer_id_is_refused_by_the_quote_as_by_the_order(cashier, path):
    """One rule for who a cart is for: the quote does not price for nobody what the order refuses."""
    response = cashier.post(path, {"items": [cashier.item("DR-COLA", 1)], "customer_id": 999_999})
    assert response.status_code == 400, response.json
    assert (response.json["code"], response.json["field"]) == ("INVALID_CUSTOMER", "customer_id")


def test_quote_prices_a_cart_and_explains_codes_without_saving(cashier):
    response = cashier.post("/api/orders/quote/", {"items": [cashier.item("DR-COLA", 3)], "promo_codes": ["NOPE"]})
    assert response.status_code == 200
    assert response.json["promotions"][0]["name"] == "Buy 2 drinks, get 1 free"
    assert response.json["discount_amount"] == "18000.00"
    assert response.json["rejections"][0]["code"] == "NOPE"
    with cashier.client.application.app_context():
        assert db.session.query(Order).count() == 0


def test_automatic_promotions_apply_without_codes(cashier):
    order = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]), cashier.item("DS-TIRA", 1))
    assert [p["name"] for p in order["promotions"]] == ["Pizza + Tiramisu combo"]
    assert order["discount_amount"] == "15000.00"  # 85.000 + 45.000 - 115.000


def test_order_numbers_are_per_outlet_day_and_terminal(cashier):
    first = cashier.order(cashier.item("DR-COLA"))
    second = cashier.order(cashier.item("DR-COLA"))
    assert re.fullmatch(r"YOG-\d{6}-1-0001", first["order_number"])
    assert second["order_number"].endswith("-1-0002")
    cashier.headers["X-Terminal-ID"] = "2"
    assert cashier.order(cashier.item("DR-COLA"))["order_number"].endswith("-2-0001")


def test_a_repeated_client_uuid_returns_the_same_order(cashier):
    client_uuid = str(uuid.uuid4())
    first = cashier.post("/api/orders/", {"client_uuid": client_uuid, "items": [cashier.item("DR-COLA")]})
    again = cashier.post("/api/orders/", {"client_uuid": client_uuid, "items": [cashier.item("DR-COLA")]})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["uuid"] == client_uuid
    with cashier.client.application.app_context():
        assert db.session.query(Order).count() == 1
        assert db.session.query(OutboxEvent).filter_by(type="order.snapshot").count() == 1


def test_idempotency_key_replays_the_first_response(cashier):
    body = {"items": [cashier.item("DR-COLA")]}
    first = cashier.post("/api/orders/", body, headers={"Idempotency-Key": "k-1"})
    again = cashier.post("/api/orders/", body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json == first.json
    other = cashier.post("/api/orders/", {"items": [cashier.item("DR-LTEA")]}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_every_order_change_queues_a_snapshot_with_a_new_version(cashier):
    order = cashier.order(cashier.item("DR-COLA"))
    cashier.patch(f"/api/orders/{order['id']}/", {"table": "12"})
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    with cashier.client.application.app_context():
        events = db.session.query(OutboxEvent).filter_by(type="order.snapshot").order_by(OutboxEvent.seq).all()
        assert [e.aggregate_version for e in events] == [1, 2, 3]
        assert json.loads(events[-1].payload)["status"] == "confirmed"
        assert json.loads(events[-1].payload)["table"] == "12"


def test_pending_orders_can_be_changed_and_are_repriced(cashier):
    order = cashier.order(cashier.item("DR-COLA"))
    changed = cashier.patch(f"/api/orders/{order['id']}/", {"items": [cashier.item("DR-COLA", 3)]})
    assert changed.status_code == 200
    assert changed.json["discount_amount"] == "18000.00"
    assert changed.json["version"] == 2


def test_confirmed_orders_cannot_be_changed(cashier):
    order = cashier.order(cashier.item("DR-COLA"))
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    response = cashier.patch(f"/api/orders/{order['id']}/", {"note": "late"})
    assert response.status_code == 409 and response.json["code"] == "ORDER_NOT_EDITABLE"


def test_illegal_transitions_get_409(cashier, cook):
    order = cashier.order(cashier.item("DR-COLA"))
    assert cook.patch(f"/api/kitchen/orders/{order['id']}/status/", {"status": "ready"}).json["code"] == \
        "INVALID_TRANSITION"
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    again = cashier.post(f"/api/orders/{order['id']}/confirm/")
    assert again.status_code == 409 and again.json["code"] == "INVALID_TRANSITION"


def test_the_full_status_flow(cashier, cook):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA"), status="draft")
    oid = order["id"]
    assert cashier.patch(f"/api/orders/{oid}/", {"status": "pending"}).json["status"] == "pending"
    assert cashier.post(f"/api/orders/{oid}/confirm/").json["status"] == "confirmed"
    assert cook.patch(f"/api/kitchen/orders/{oid}/status/", {"status": "preparing"}).json["status"] == "preparing"
    assert cook.post(f"/api/kitchen/orders/{oid}/ready/").json["status"] == "ready"
    assert cook.patch(f"/api/kitchen/orders/{oid}/status/", {"status": "served"}).json["status"] == "served"
    assert cashier.pay(oid, "cash", tendered="50000.00").status_code == 201
    done = cashier.post(f"/api/orders/{oid}/complete/")
    assert done.json["status"] == "completed" and done.json["completed_at"]


def test_an_order_completes_only_when_fully_paid(cashier, cook):
    order = cashier.order(cashier.item("DR-COLA"))
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    response = cashier.post(f"/api/orders/{order['id']}/complete/")
    assert response.status_code == 409 and response.json["code"] == "ORDER_NOT_PAID"


def test_cashiers_cancel_only_before_the_kitchen_has_it(cashier, manager):
    early = cashier.order(cashier.item("DR-COLA"))
    assert cashier.post(f"/api/orders/{early['id']}/cancel/", {"reason": "changed mind"}).json["status"] == \
        "cancelled"
    late = cashier.order(cashier.item("DR-COLA"))
    cashier.post(f"/api/orders/{late['id']}/confirm/")
    refused = cashier.post(f"/api/orders/{late['id']}/cancel/", {"reason": "x"})
    assert refused.status_code == 403
    assert manager.post(f"/api/orders/{late['id']}/cancel/", {"reason": "x"}).json["status"] == "cancelled"


def test_kitchen_staff_cannot_create_orders(cook):
    assert cook.post("/api/orders/", {"items": [{"product_id": 8, "quantity": 1}]}).status_code == 403


def test_orders_list_searches_by_number_and_customer(cashier):
    cashier.order(cashier.item("DR-COLA"), customer_name="Siti")
    other = cashier.order(cashier.item("DR-COLA"), customer_name="Budi")
    found = cashier.get("/api/orders/?search=siti").json
    assert found["count"] == 1 and found["results"][0]["customer_name"] == "Siti"
    by_number = cashier.get(f"/api/orders/?search={other['order_number']}").json
    assert [o["id"] for o in by_number["results"]] == [other["id"]]


def test_the_allowance_count_reads_only_the_limited_promotions_uses_by_their_index(cashier):
    """Every sale counts what the outlet's allowance has left; summing every use ever
    recorded made each sale slower than the last."""
    app = cashier.client.application
    with app.app_context():
        assert db.session.query(MirrorAllowance).count() > 0  # the demo's limited promotion
        counts = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            if "sum(promotion_uses.count)" in statement and "customer_id" not in statement:
                counts.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            cashier.order(cashier.item("DR-COLA"))
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert len(counts) == 1
        plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + counts[0][0], counts[0][1]))
        assert "SEARCH promotion_uses USING INDEX ix_promotion_uses_promotion_id (promotion_id=?)" in plan, plan


@pytest.mark.parametrize("path", ["/api/orders/{}/", "/api/payments/{}/", "/api/customers/{}/", "/api/shifts/{}/",
                                  "/api/shifts/{}/report/", "/api/printers/{}/", "/api/orders/{}/receipt/"])
def test_an_id_past_the_integer_range_in_a_path_is_404(manager, path):
    for number in (2**63, 10**30):
        response = manager.get(path.format(number))
        assert response.status_code == 404 and response.json["code"] == "NOT_FOUND", (number, response.json)


def test_an_id_past_the_integer_range_in_an_order_is_refused(cashier):
    cashier.open_shift()
    tiramisu = cashier.item("DS-TIRA")
    for body in ({"items": [tiramisu], "customer_id": 2**63}, {"items": [{**tiramisu, "product_id": 10**30}]},
                 {"items": [{**tiramisu, "modifier_ids": [2**63]}]}):
        response = cashier.post("/api/orders/", body)
        assert response.status_code == 400 and response.json["code"].startswith("INVALID_"), response.json


def test_an_order_loads_whole_in_one_query_and_once_per_session(cashier):
    cashier.open_shift()
    made = cashier.order(cashier.item("PZ-MARG", 1, ["Large"]), cashier.item("DS-TIRA"))
    assert cashier.pay(made["id"], "cash", tendered="1000000.00").status_code == 201
    with cashier.client.application.app_context():
        statements = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            order = orders.get(db.session, made["id"])
            assert (len(order.items), len(order.promotions), len(order.payments), len(order.refunds)) == (
                2, len(made["promotions"]), 1, 0)
            assert orders.get(db.session, made["id"]) is order
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert [s.split()[0] for s in statements if not s.startswith(("BEGIN", "PRAGMA"))] == ["SELECT"]
        db.session.remove()
