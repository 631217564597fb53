"""Sold out at the till ("86"): a manager marks a product or a modifier sold out at the
outlet (offline: the edge alone decides) and back; sales refuse it at once, the menu
flags it, every Socket.IO client of the outlet hears `sold_out_changed`, and the mark
leaves for the cloud as a `sold_out.changed` outbox event."""
from __future__ import annotations

import json

from sqlalchemy import select

from edge.extensions import db, socketio
from edge.models import OutboxEvent
from tests.edge.conftest import login


def mark(till, target, target_id, sold_out=True):
    return till.client.put("/api/sold-out/", json={"target": target, "id": target_id, "sold_out": sold_out},
                           headers=till.headers)


def events(edge_app) -> list[dict]:
    with edge_app.app_context():
        rows = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "sold_out.changed")
                                  .order_by(OutboxEvent.seq)).scalars()
        return [json.loads(row.payload) for row in rows]


def test_a_product_marked_sold_out_is_flagged_on_the_menu_and_refused_by_a_sale(manager, cashier):
    tiramisu = cashier.product("DS-TIRA")
    answer = mark(manager, "product", tiramisu["id"])
    assert answer.status_code == 200, answer.json
    assert answer.json["changed"] is True and answer.json["name"] == "Tiramisu" and answer.json["sold_out"] is True
    listed = cashier.product("DS-TIRA")
    assert listed["is_available"] is False and listed["sold_out"] is True
    refused = cashier.post("/api/orders/", {"items": [cashier.item("DS-TIRA")]})
    assert refused.status_code == 409 and refused.json["code"] == "PRODUCT_UNAVAILABLE"


def test_putting_it_back_sells_it_again(manager, cashier):
    tiramisu = cashier.product("DS-TIRA")
    mark(manager, "product", tiramisu["id"])
    back = mark(manager, "product", tiramisu["id"], sold_out=False)
    assert back.status_code == 200 and back.json["changed"] is True
    assert cashier.product("DS-TIRA")["sold_out"] is False
    cashier.order(cashier.item("DS-TIRA"))


def test_a_modifier_marked_sold_out_is_flagged_and_refused_the_rest_still_sells(manager, cashier):
    pizza = cashier.product("PZ-MARG")
    cheese = cashier.modifier(pizza, "Extra cheese")
    assert mark(manager, "modifier", cheese).status_code == 200
    flagged = [m for g in cashier.product("PZ-MARG")["modifier_groups"] for m in g["modifiers"] if m["id"] == cheese]
    assert flagged[0]["is_available"] is False and flagged[0]["sold_out"] is True
    refused = cashier.post("/api/orders/", {"items": [cashier.item("PZ-MARG", 1, ["Regular", "Extra cheese"])]})
    assert refused.status_code == 409 and refused.json["code"] == "MODIFIER_UNAVAILABLE"
    cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))


def test_each_change_is_one_outbox_event_and_marking_twice_writes_nothing(edge_app, manager, cashier):
    tiramisu = cashier.product("DS-TIRA")["id"]
    mark(manager, "product", tiramisu)
    again = mark(manager, "product", tiramisu)
    assert again.status_code == 200 and again.json["changed"] is False
    mark(manager, "product", tiramisu, sold_out=False)
    sent = events(edge_app)
    assert [(e["target"], e["target_id"], e["sold_out"]) for e in sent] == [
        ("product", tiramisu, True), ("product", tiramisu, False)]
    assert sent[0]["name"] == "Tiramisu" and len({e["uuid"] for e in sent}) == 2


def test_the_marks_are_listed_for_the_kitchen(manager, cook, cashier):
    tiramisu = cashier.product("DS-TIRA")["id"]
    mark(manager, "product", tiramisu)
    listed = cook.get("/api/sold-out/")
    assert listed.status_code == 200
    assert [(r["target"], r["id"], r["name"]) for r in listed.json["results"]] == [("product", tiramisu, "Tiramisu")]


def test_a_cashier_may_not_mark_and_nothing_is_written(edge_app, cashier):
    refused = mark(cashier, "product", cashier.product("DS-TIRA")["id"])
    assert refused.status_code == 403 and refused.json["code"] == "PERMISSION_DENIED"
    assert events(edge_app) == [] and cashier.product("DS-TIRA")["sold_out"] is False


def test_an_unknown_item_or_target_is_refused_in_the_error_format(manager):
    unknown = mark(manager, "product", 999999)
    assert unknown.status_code == 400 and (unknown.json["code"], unknown.json["field"]) == ("INVALID_PRODUCT", "id")
    unknown = mark(manager, "modifier", 999999)
    assert unknown.status_code == 400 and unknown.json["code"] == "INVALID_MODIFIER"
    bad = manager.client.put("/api/sold-out/", json={"target": "category", "id": 1, "sold_out": True},
                             headers=manager.headers)
    assert bad.status_code == 400 and bad.json["field"] == "target"


def test_every_socket_client_of_the_outlet_hears_the_change_at_once(edge_app, client, manager, cashier):
    kitchen = socketio.test_client(edge_app, auth={"token": login(client, "kitchen", password="kitchen123")})
    kiosk = socketio.test_client(edge_app, auth={"token": login(client, "cashier", pin="1234")})
    for screen in (kitchen, kiosk):
        assert screen.is_connected()
        screen.get_received()
    tiramisu = cashier.product("DS-TIRA")["id"]
    mark(manager, "product", tiramisu)
    mark(manager, "product", tiramisu)  # no change: nobody is told
    mark(manager, "product", tiramisu, sold_out=False)
    for screen in (kitchen, kiosk):
        heard = [m["args"][0] for m in screen.get_received() if m["name"] == "sold_out_changed"]
        assert [(h["target"], h["id"], h["name"], h["sold_out"]) for h in heard] == [
            ("product", tiramisu, "Tiramisu", True), ("product", tiramisu, "Tiramisu", False)]
        assert all(h["outletId"] and h["timestamp"] for h in heard)


def test_sold_out_takes_only_true_or_false(manager, cashier):
    for value in (0, 1, "yes", None):
        answer = manager.client.put("/api/sold-out/", json={"target": "product", "id": cashier.product("DS-TIRA")["id"],
                                                             "sold_out": value}, headers=manager.headers)
        assert answer.status_code == 400 and answer.json["field"] == "sold_out", value
