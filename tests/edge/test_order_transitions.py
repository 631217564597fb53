"""Every order status x every target status, through the API each move really goes by.

The table the edge enforces is read from where it is defined (one name, `TABLE`, so it
can be re-pointed when the vocabulary moves); the walk checks that each legal move is
taken and each other one is refused with 409, leaving the order as it was. A second test
pins the table to the contract's flow, so a wrong table cannot pass the walk by itself."""
from __future__ import annotations

import pytest

from edge.extensions import db
from edge.models import Order
from edge.services.selling.orders import EDITABLE
from sync.vocab import TRANSITIONS as TABLE

STATUSES = tuple(TABLE)
KITCHEN = ("preparing", "ready", "served")
CLOSED = ("completed", "cancelled")
STAMP_OF = {"confirmed": "confirmed_at", "preparing": "preparing_at", "ready": "ready_at", "served": "served_at",
            "completed": "completed_at", "cancelled": "cancelled_at"}


def _order_in(edge_app, till, status: str, *, paid: bool) -> int:
    """A fresh order, paid in full or not, put straight into `status` (with the
    timestamps an order there would have)."""
    order = till.order(till.item("DR-COLA"))
    if paid:
        answer = till.pay(order["id"], "card", amount=order["total_amount"], reference="AUTH1")
        assert answer.status_code == 201, answer.json
    with edge_app.app_context():
        row = db.session.get(Order, order["id"])
        row.status = status
        reached = ("cancelled",) if status == "cancelled" else STATUSES[:STATUSES.index(status) + 1]
        for passed in reached:
            if passed in STAMP_OF:
                setattr(row, STAMP_OF[passed], row.created_at)
        db.session.commit()
    return order["id"]


def _ask(manager, cook, order_id: int, target: str):
    """Ask for `target` the way the tills and the kitchen do."""
    if target == "confirmed":
        return manager.post(f"/api/orders/{order_id}/confirm/")
    if target in KITCHEN:
        return cook.patch(f"/api/kitchen/orders/{order_id}/status/", {"status": target})
    if target == "completed":
        return manager.post(f"/api/orders/{order_id}/complete/")
    if target == "cancelled":
        return manager.post(f"/api/orders/{order_id}/cancel/", {"reason": "walk"})
    return manager.patch(f"/api/orders/{order_id}/", {"status": target})  # draft, pending


def _legal(start: str, target: str) -> bool:
    if target in EDITABLE and start not in EDITABLE:
        return False  # draft and pending are set by editing, which only a draft or pending order allows
    return target in TABLE[start]


@pytest.mark.parametrize("start", STATUSES)
def test_from_each_status_exactly_the_tables_moves_are_taken(edge_app, manager, cook, start):
    manager.open_shift()
    outcomes = {}
    for target in STATUSES:
        order_id = _order_in(edge_app, manager, start, paid=target == "completed")  # cancel needs it unpaid
        answer = _ask(manager, cook, order_id, target)
        after = manager.get(f"/api/orders/{order_id}/").json["status"]
        outcomes[target] = (answer.status_code, after, (answer.json or {}).get("code"))
    expected = {}
    for target in STATUSES:
        if target == start and start in EDITABLE:
            expected[target] = (200, start, None)  # an edit that names the status it has is no move at all
        elif _legal(start, target):
            expected[target] = (200, target, None)
        else:
            code = "ORDER_NOT_EDITABLE" if target in EDITABLE and start not in EDITABLE else "INVALID_TRANSITION"
            expected[target] = (409, start, code)
    assert outcomes == expected


def test_the_table_is_the_contracts_flow():
    """draft -> pending -> confirmed -> preparing -> ready -> served -> completed; cancelled
    from any state before completed; nothing leaves completed or cancelled."""
    flow = ("draft", "pending", "confirmed", "preparing", "ready", "served", "completed")
    assert set(TABLE) == {*flow, "cancelled"}
    for here, following in zip(flow, flow[1:], strict=False):
        assert following in TABLE[here], (here, following)
        assert "cancelled" in TABLE[here], here
    for closed in CLOSED:
        assert TABLE[closed] == set(), closed
    for here, targets in TABLE.items():
        for target in targets:  # the shortcuts only ever go forward
            assert target == "cancelled" or flow.index(target) > flow.index(here), (here, target)


def test_an_order_the_kitchen_marks_ready_takes_its_items_along_but_not_a_voided_one(manager, cook):
    manager.open_shift()
    order = manager.order(manager.item("DR-COLA"), manager.item("DS-TIRA"))
    assert manager.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    voided = manager.post(f"/api/orders/{order['id']}/void/",
                          {"reason": "sold out", "lines": [{"item_id": order["items"][1]["id"], "quantity": 1}]})
    assert voided.status_code == 201, voided.json
    for status in ("preparing", "ready"):
        assert cook.patch(f"/api/kitchen/orders/{order['id']}/status/", {"status": status}).status_code == 200
    items = manager.get(f"/api/orders/{order['id']}/").json["items"]
    assert [item["prep_status"] for item in items] == ["ready", "voided"]


def test_the_kitchen_cannot_cross_off_a_voided_item(manager, cook):
    manager.open_shift()
    order = manager.order(manager.item("DR-COLA"), manager.item("DS-TIRA"))
    assert manager.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    tiramisu = order["items"][1]
    voided = manager.post(f"/api/orders/{order['id']}/void/",
                          {"reason": "sold out", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert voided.status_code == 201, voided.json
    refused = cook.patch(f"/api/kitchen/orders/{order['id']}/items/{tiramisu['id']}/status/", {"prep_status": "ready"})
    assert (refused.status_code, refused.json["code"]) == (409, "ITEM_VOIDED")
    assert manager.get(f"/api/orders/{order['id']}/").json["items"][1]["prep_status"] == "voided"
