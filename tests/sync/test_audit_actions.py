"""Every sensitive action at the till leaves one audit record with who did it, the object
and what changed, and that record reaches head office through the outbox: listed by
`GET /api/audit/?action=<action>` with the same actor, object and time.

One row of the table per action (or per way of reaching it): the row does the action
through the till's API and says what the till's newest record of that action must show."""
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from edge.extensions import db
from edge.models import AuditRecord
from sync import vocab
from tests.edge.conftest import Till, login
from tests.edge.paper import add_file_printer
from tests.sync.test_audit_trail import drain, office, outlet_id


@dataclass
class Case:
    action: str
    act: Callable  # (edge_app, client, cashier, manager) -> the object id the record names
    actor: str  # username at the till
    object_type: str
    after: dict | None = None  # values the record's after must hold (a subset)
    before: dict | None = None
    terminal: int | None = 1


def ok(response, status=200):
    assert response.status_code == status, response.json
    return response


def me(till):
    return ok(till.get("/api/users/me/")).json["id"]


def paid_order(cashier, sku="DR-COLA", quantity=2):
    cashier.open_shift()
    order = cashier.order(cashier.item(sku, quantity))
    ok(cashier.pay(order["id"], "cash", tendered="1000000.00"), 201)
    return order


def sign_in(edge_app, client, cashier, manager):
    login(client, "manager", password="manager123")
    return me(manager)


def wrong_pin(edge_app, client, cashier, manager):
    ok(client.post("/api/auth/login/", json={"username": "cashier", "pin": "0000"}, headers={"X-Terminal-ID": "1"}),
       401)
    return me(cashier)


def locked_out(edge_app, client, cashier, manager):
    edge_app.config.update(LOGIN_MAX_DELAY_S=0, LOGIN_LOCK_AFTER=2)
    for _ in range(2):
        client.post("/api/auth/login/", json={"username": "cashier", "pin": "0000"}, headers={"X-Terminal-ID": "1"})
    return me(cashier)


def unlock(edge_app, client, cashier, manager):
    locked_out(edge_app, client, cashier, manager)
    ok(manager.post("/api/auth/unlock/", {"username": "cashier"}))
    return me(cashier)


def void(edge_app, client, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    ok(manager.post(f"/api/orders/{order['id']}/void/",
                    {"reason": "wrong", "lines": [{"item_id": order["items"][0]["id"], "quantity": 1}]}), 201)
    return order["uuid"]


def refund(edge_app, client, cashier, manager):
    order = paid_order(cashier)
    ok(manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"}), 201)
    return order["uuid"]


def cancel_after_confirm(edge_app, client, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 1))
    ok(cashier.post(f"/api/orders/{order['id']}/confirm/"))
    ok(manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "left"}))
    return order["uuid"]


def cash(kind):
    def act(edge_app, client, cashier, manager):
        shift = cashier.open_shift("100000.00")
        ok(cashier.post(f"/api/shifts/{shift['id']}/cash-movements/", {"kind": kind, "amount": "5000.00",
                                                                       "reason": "float"}), 201)
        return shift["uuid"]
    return act


def no_sale(edge_app, client, cashier, manager):
    add_file_printer(manager, role="receipt")
    shift = cashier.open_shift()
    ok(cashier.post(f"/api/shifts/{shift['id']}/drawer/", {"reason": "change for the bakery"}), 201)
    return shift["uuid"]


def open_shift(edge_app, client, cashier, manager):
    return cashier.open_shift("100000.00")["uuid"]


def close_shift(edge_app, client, cashier, manager):
    shift = cashier.open_shift("100000.00")
    ok(manager.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "99500.00"}))
    return shift["uuid"]


def reprint_receipt(edge_app, client, cashier, manager):
    add_file_printer(manager, role="receipt")
    order = paid_order(cashier)
    ok(cashier.post(f"/api/orders/{order['id']}/print/", {"kind": "receipt"}), 201)
    return order["uuid"]


def reprint_z(edge_app, client, cashier, manager):
    add_file_printer(manager, role="receipt")
    shift = cashier.open_shift("100000.00")
    ok(manager.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "100000.00"}))
    ok(manager.post(f"/api/shifts/{shift['id']}/print/"), 201)
    return shift["uuid"]


def printer_change(edge_app, client, cashier, manager):
    printer = add_file_printer(manager, role="receipt")
    ok(manager.patch(f"/api/printers/{printer['id']}/", {"name": "counter"}))
    return printer["id"]


def sold_out(marked):
    def act(edge_app, client, cashier, manager):
        tiramisu = cashier.product("DS-TIRA")
        for value in ((True, False) if not marked else (True,)):
            ok(manager.client.put("/api/sold-out/", json={"target": "product", "id": tiramisu["id"],
                                                         "sold_out": value}, headers=manager.headers))
        return tiramisu["id"]
    return act


def waste(edge_app, client, cashier, manager):
    ids = {row["name"]: row["stock_item_id"] for row in ok(manager.get("/api/stock/")).json["results"]}
    ok(manager.post("/api/stock/waste/", {"reason": "dropped",
                                          "lines": [{"stock_item_id": ids["Mozzarella"], "quantity": 120}]}), 201)
    with edge_app.app_context():  # the movement's uuid, made by the till
        return db.session.execute(select(AuditRecord.object_id).where(AuditRecord.action == "stock_adjustment")
                                  ).scalar_one()


def coded_order(edge_app, client, cashier, manager):
    cashier.open_shift()
    return cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]), promo_codes=["WEEKEND30"])["uuid"]


def code_added_later(edge_app, client, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))
    ok(manager.patch(f"/api/orders/{order['id']}/", {"promo_codes": ["WEEKEND30"]}))
    return order["uuid"]


CASES = {
    "login": Case("login", sign_in, "manager", "user"),
    "login_failed": Case("login_failed", wrong_pin, "cashier", "user"),
    "login_locked": Case("login_locked", locked_out, "cashier", "user"),
    "user_unlock": Case("user_unlock", unlock, "manager", "user", after={"was_locked": True}),
    "void": Case("void", void, "manager", "order", after={"reason": "wrong", "lines": [{"line_no": 1,
                                                                                        "quantity": 1}]}),
    "refund": Case("refund", refund, "manager", "order", after={"method": "cash", "reason": "spilled"}),
    "cancel": Case("cancel", cancel_after_confirm, "manager", "order", before={"status": "confirmed"}),
    "cash_in": Case("cash_in", cash("in"), "cashier", "shift", after={"amount": "5000.00", "reason": "float"}),
    "cash_out": Case("cash_out", cash("out"), "cashier", "shift", after={"amount": "5000.00", "reason": "float"}),
    "drawer_open": Case("drawer_open", no_sale, "cashier", "shift", after={"reason": "change for the bakery"}),
    "shift_open": Case("shift_open", open_shift, "cashier", "shift", after={"opening_cash": "100000.00"}),
    "shift_close": Case("shift_close", close_shift, "manager", "shift", before={"status": "open"},
                        after={"status": "closed",  # every method the vocabulary knows is in the expected figures
                               "expected": {**dict.fromkeys(vocab.PAYMENT_METHODS, "0.00"), "cash": "100000.00"},
                               "counted": {"cash": "99500.00"}, "difference": {"cash": "-500.00"}}),
    "reprint-receipt": Case("reprint", reprint_receipt, "cashier", "order", after={"kind": "receipt"}),
    "reprint-z-report": Case("reprint", reprint_z, "manager", "shift", after={"kind": "z_report"}),
    "printer_change": Case("printer_change", printer_change, "manager", "printer", before={"name": "front"},
                           after={"name": "counter"}, terminal=None),
    "sold_out": Case("sold_out", sold_out(True), "manager", "product", after={"sold_out": True}, terminal=None),
    "back_in_stock": Case("back_in_stock", sold_out(False), "manager", "product", after={"sold_out": False},
                          terminal=None),
    "stock_adjustment": Case("stock_adjustment", waste, "manager", "stock_movement",
                             after={"kind": "waste", "reason": "dropped"}, terminal=None),
    "discount": Case("discount", coded_order, "cashier", "order",
                     after={"code": "WEEKEND30", "name": "Weekend Flash Sale", "amount": "25500.00"}),
    "discount-code-added-later": Case("discount", code_added_later, "manager", "order", after={"code": "WEEKEND30"}),
}


def newest(edge_app, action):
    with edge_app.app_context():
        row = db.session.execute(select(AuditRecord).where(AuditRecord.action == action)
                                 .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
        return {c: getattr(row, c) for c in ("uuid", "actor_username", "actor_role", "object_type", "object_id",
                                              "terminal", "outlet_id", "at", "at_local")} | {
            "before": json.loads(row.before) if row.before else None,
            "after": json.loads(row.after) if row.after else None}


def holds(found, expected):
    return expected is None or (found is not None and {k: found.get(k) for k in expected} == expected)


@pytest.fixture
def cashier(client):  # terminal 1, like the manager below: the records name the till they were made at
    return Till(client, login(client, "cashier", pin="1234"), terminal=1)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_action_is_recorded_at_the_till_and_reaches_head_office(edge_app, cloud_app, device_client, client,
                                                                     cashier, manager, case):
    object_id = case.act(edge_app, client, cashier, manager)
    record = newest(edge_app, case.action)
    assert (record["actor_username"], record["object_type"], record["object_id"]) == (
        case.actor, case.object_type, str(object_id))
    assert holds(record["after"], case.after) and holds(record["before"], case.before), record
    assert record["terminal"] == case.terminal and record["at"].endswith("Z") and record["at_local"][-6:] == "+07:00"
    drain(edge_app, device_client)
    office_client, headers = office(cloud_app)
    listed = ok(office_client.get("/api/audit/", query_string={"action": case.action}, headers=headers)).json
    [entry] = [e for e in listed["results"] if e["uuid"] == record["uuid"]]
    assert entry["action"] == case.action and entry["actor"]["username"] == case.actor
    assert entry["outlet_id"] == outlet_id(cloud_app) == record["outlet_id"]
    assert (entry["object_type"], entry["object_id"]) == (case.object_type, str(object_id))
    assert entry["at"].endswith("Z") and entry["at"][:19] == record["at"][:19] and entry["chain_ok"] is True
    assert (entry["before"], entry["after"]) == (record["before"], record["after"])


def test_an_automatic_promotion_is_no_discount_anyone_chose(edge_app, client, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 3))  # buy 2 drinks, get 1 free: applies by itself
    assert order["promotions"] and not any(p.get("code") for p in order["promotions"])
    with edge_app.app_context():
        assert db.session.execute(select(AuditRecord).where(AuditRecord.action == "discount")).first() is None
