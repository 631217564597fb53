"""The outlet's stock ledger: what confirming an order uses (recipes x units, modifiers
included) in the order's transaction, what voids, refunds and cancellations give back,
deliveries and waste, and on-hand as the sum of the movements (demo recipes: a Regular
pizza uses 200 g Dough and 100 g Mozzarella, Large adds 100 g and 50 g, Extra cheese 40 g
of Mozzarella, an Iced Cola one Cola can)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from edge.extensions import db
from edge.models import OutboxEvent, StockMovement
from edge.services.selling import orders


def on_hand(till) -> dict[str, int]:
    listed = till.get("/api/stock/")
    assert listed.status_code == 200, listed.json
    return {row["name"]: row["on_hand"] for row in listed.json["results"]}


def confirmed(till, *items):
    order = till.order(*items)
    sent = till.post(f"/api/orders/{order['id']}/confirm/")
    assert sent.status_code == 200, sent.json
    return sent.json


def test_the_demo_stock_items_reach_the_edge_with_their_units(cashier):
    listed = cashier.get("/api/stock/").json
    assert {(r["name"], r["unit"], r["on_hand"]) for r in listed["results"]} == {
        ("Dough", "g", 0), ("Mozzarella", "g", 0), ("Cola can", "pcs", 0)}
    assert set(listed) == {"count", "next", "previous", "results"}


def test_a_pending_order_uses_nothing_until_it_is_confirmed(cashier):
    cashier.order(cashier.item("PZ-MARG", 2, ["Regular"]))
    assert on_hand(cashier) == {"Dough": 0, "Mozzarella": 0, "Cola can": 0}


def test_confirming_uses_the_recipes_times_the_units_modifiers_included(cashier):
    confirmed(cashier, cashier.item("PZ-MARG", 2, ["Regular"]), cashier.item("PZ-PEPP", 1, ["Large", "Extra cheese"]),
              cashier.item("DR-COLA", 3), cashier.item("DS-TIRA", 1))
    assert on_hand(cashier) == {"Dough": -(2 * 200 + 300), "Mozzarella": -(2 * 100 + 150 + 40), "Cola can": -3}


def test_the_sale_movements_and_their_event_are_written_with_the_order(edge_app, cashier):
    order = confirmed(cashier, cashier.item("PZ-MARG", 1, ["Regular"]))
    with edge_app.app_context():
        rows = db.session.execute(select(StockMovement).where(StockMovement.order_uuid == order["uuid"])).scalars()
        assert sorted((r.kind, r.quantity) for r in rows) == [("sale", -200), ("sale", -100)]
        events = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "stock.moved")).scalars().all()
    assert len(events) == 1
    payload = json.loads(events[0].payload)
    assert payload["kind"] == "sale" and payload["order_uuid"] == order["uuid"]
    assert sorted(line["quantity"] for line in payload["lines"]) == [-200, -100]


def test_a_failed_confirmation_writes_no_movement(edge_app, cashier, monkeypatch):
    order = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))

    def broken(*args, **kwargs):
        raise RuntimeError("the kitchen log failed")

    monkeypatch.setattr(orders.kitchen_log, "record", broken)
    edge_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 500
    with edge_app.app_context():
        assert db.session.execute(select(StockMovement)).first() is None


def test_voiding_a_line_the_kitchen_has_not_started_gives_its_stock_back(cashier, manager):
    order = confirmed(cashier, cashier.item("PZ-MARG", 2, ["Regular"]), cashier.item("DR-COLA", 1))
    pizza = order["items"][0]
    voided = manager.post(f"/api/orders/{order['id']}/void/",
                          {"reason": "changed mind", "lines": [{"item_id": pizza["id"], "quantity": 1}]})
    assert voided.status_code == 201, voided.json
    assert on_hand(manager) == {"Dough": -200, "Mozzarella": -100, "Cola can": -1}


def test_voiding_a_line_the_kitchen_started_gives_nothing_back(cashier, manager, cook):
    order = confirmed(cashier, cashier.item("PZ-MARG", 1, ["Regular"]), cashier.item("DR-COLA", 1))
    pizza = order["items"][0]
    started = cook.patch(f"/api/kitchen/orders/{order['id']}/items/{pizza['id']}/status/",
                         {"prep_status": "preparing"})
    assert started.status_code == 200, started.json
    manager.post(f"/api/orders/{order['id']}/void/", {"reason": "burnt", "lines": [{"item_id": pizza["id"],
                                                                                      "quantity": 1}]})
    assert on_hand(manager)["Dough"] == -200


def test_a_void_before_confirmation_means_those_units_are_never_used(cashier, manager):
    order = cashier.order(cashier.item("PZ-MARG", 3, ["Regular"]))
    pizza = order["items"][0]
    manager.post(f"/api/orders/{order['id']}/void/", {"reason": "fewer", "lines": [{"item_id": pizza["id"],
                                                                                     "quantity": 1}]})
    assert on_hand(manager) == {"Dough": 0, "Mozzarella": 0, "Cola can": 0}
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    assert on_hand(manager)["Dough"] == -400


def _paid_confirmed(cashier, *items):
    cashier.open_shift()
    order = confirmed(cashier, *items)
    paid = cashier.pay(order["id"], "cash", tendered="5000000.00")
    assert paid.status_code == 201, paid.json
    return order


def test_a_refund_gives_no_stock_back_unless_the_manager_says_so(cashier, manager):
    order = _paid_confirmed(cashier, cashier.item("DR-COLA", 2), cashier.item("PZ-MARG", 1, ["Regular"]))
    cola, pizza = order["items"]
    kept = manager.post(f"/api/orders/{order['id']}/refund/",
                        {"reason": "cold", "lines": [{"item_id": pizza["id"], "quantity": 1}]})
    assert kept.status_code == 201, kept.json
    assert on_hand(manager) == {"Dough": -200, "Mozzarella": -100, "Cola can": -2}
    restocked = manager.post(f"/api/orders/{order['id']}/refund/",
                             {"reason": "unopened", "restock": True, "lines": [{"item_id": cola["id"],
                                                                                "quantity": 2}]})
    assert restocked.status_code == 201, restocked.json
    assert on_hand(manager) == {"Dough": -200, "Mozzarella": -100, "Cola can": 0}


def test_cancelling_a_confirmed_order_gives_back_its_lines_not_started(cashier, manager, cook):
    order = confirmed(cashier, cashier.item("PZ-MARG", 1, ["Regular"]), cashier.item("DR-COLA", 1))
    pizza = order["items"][0]
    cook.patch(f"/api/kitchen/orders/{order['id']}/items/{pizza['id']}/status/", {"prep_status": "preparing"})
    cancelled = manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "walked out"})
    assert cancelled.status_code == 200, cancelled.json
    assert on_hand(manager) == {"Dough": -200, "Mozzarella": -100, "Cola can": 0}


def _ids(till) -> dict[str, int]:
    return {row["name"]: row["stock_item_id"] for row in till.get("/api/stock/").json["results"]}


def test_a_delivery_adds_stock_with_its_cost_and_waste_takes_it_away_with_a_reason(manager):
    ids = _ids(manager)
    received = manager.post("/api/stock/receive/", {"reason": "PT Sumber Keju", "lines": [
        {"stock_item_id": ids["Mozzarella"], "quantity": 2500, "cost": "375000.00"}]})
    assert received.status_code == 201, received.json
    assert received.json["lines"] == [{"stock_item_id": ids["Mozzarella"], "quantity": 2500, "cost": "375000.00"}]
    wasted = manager.post("/api/stock/waste/", {"reason": "dropped", "lines": [
        {"stock_item_id": ids["Mozzarella"], "quantity": 120}]})
    assert wasted.status_code == 201, wasted.json
    assert wasted.json["lines"][0]["quantity"] == -120 and wasted.json["kind"] == "waste"
    assert on_hand(manager)["Mozzarella"] == 2380


@pytest.mark.parametrize("body, field", [
    ({"reason": "x", "lines": [{"stock_item_id": 999999, "quantity": 1}]}, "lines.0.stock_item_id"),
    ({"reason": "x", "lines": [{"stock_item_id": 1, "quantity": 0}]}, None),
    ({"reason": "x", "lines": [{"stock_item_id": 1, "quantity": 1.5}]}, None),
    ({"reason": "x", "lines": []}, "lines"),
])
def test_bad_stock_lines_are_refused_with_a_clear_error(manager, body, field):
    for path in ("/api/stock/receive/", "/api/stock/waste/"):
        refused = manager.post(path, body)
        assert refused.status_code == 400, (path, refused.json)
        assert {"error", "message", "field", "code"} <= set(refused.json)
        if field:
            assert refused.json["field"] == field


def test_waste_needs_a_reason(manager):
    ids = _ids(manager)
    refused = manager.post("/api/stock/waste/", {"lines": [{"stock_item_id": ids["Dough"], "quantity": 5}]})
    assert refused.status_code == 400 and refused.json["field"] == "reason"


def test_cashiers_cannot_receive_or_waste_stock(cashier):
    ids = _ids(cashier)
    line = {"stock_item_id": ids["Dough"], "quantity": 5}
    assert cashier.post("/api/stock/receive/", {"lines": [line]}).status_code == 403
    assert cashier.post("/api/stock/waste/", {"reason": "x", "lines": [line]}).status_code == 403


def test_the_ledger_refuses_to_be_rewritten(edge_app, manager):
    ids = _ids(manager)
    manager.post("/api/stock/receive/", {"lines": [{"stock_item_id": ids["Dough"], "quantity": 1000}]})
    with edge_app.app_context():
        for statement in ("UPDATE stock_movements SET quantity = 5", "DELETE FROM stock_movements"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
