"""The audit trail at the till: each sensitive action leaves one record, with its actor,
in the action's own transaction, chained by hash, and queued for head office."""
import json

from sqlalchemy import delete, select, update

from edge.extensions import db
from edge.models import AuditRecord, OutboxEvent
from sync import audit_chain


def records(edge_app, action=None):
    with edge_app.app_context():
        query = select(AuditRecord).order_by(AuditRecord.seq)
        if action:
            query = query.where(AuditRecord.action == action)
        return [{**{c: getattr(r, c) for c in ("seq", "action", "actor_username", "actor_role", "object_type",
                                                "object_id", "terminal", "at", "at_local", "prev_hash", "hash")},
                 "before": json.loads(r.before) if r.before else None,
                 "after": json.loads(r.after) if r.after else None}
                for r in db.session.execute(query).scalars()]


def paid_order(till):
    till.open_shift()
    order = till.order(till.item("DR-COLA", 2))
    assert till.pay(order["id"], "cash", tendered="1000000.00").status_code == 201
    return order


def test_a_refund_records_the_manager_the_order_and_the_amount(edge_app, cashier, manager):
    order = paid_order(cashier)
    assert manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"}).status_code == 201
    [found] = records(edge_app, "refund")
    assert (found["actor_username"], found["actor_role"]) == ("manager", "manager")
    assert (found["object_type"], found["object_id"]) == ("order", order["uuid"])
    assert found["after"]["amount"] == order["total_amount"] and found["after"]["reason"] == "spilled"
    assert found["at"].endswith("Z") and found["at_local"][-6:] == "+07:00"  # the demo outlet is in Jakarta


def test_a_code_a_manager_adds_to_a_cashiers_order_records_the_manager_as_giving_the_discount(
        edge_app, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("PZ-PEPP", 1, ["Large"]))
    changed = manager.patch(f"/api/orders/{order['id']}/", {"promo_codes": ["WEEKEND30"]})
    assert changed.status_code == 200, changed.json
    [found] = records(edge_app, "discount")
    assert (found["actor_username"], found["after"]["code"]) == ("manager", "WEEKEND30")


def test_a_void_records_the_lines_taken_off(edge_app, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    item = order["items"][0]
    voided = manager.post(f"/api/orders/{order['id']}/void/",
                          {"reason": "wrong", "lines": [{"item_id": item["id"], "quantity": 1}]})
    assert voided.status_code == 201
    [found] = records(edge_app, "void")
    assert found["actor_username"] == "manager" and found["after"]["lines"] == [{"line_no": 1, "quantity": 1}]


def test_cash_movements_and_a_shift_close_record_amounts_and_the_difference(edge_app, cashier, manager):
    shift = cashier.open_shift("100000.00")
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/", {"kind": "in", "amount": "5000.00",
                                                           "reason": "change"}).status_code == 201
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/", {"kind": "out", "amount": "2000.00",
                                                           "reason": "ice"}).status_code == 201
    closed = manager.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "102500.00"})
    assert closed.status_code == 200, closed.json
    actions = [r["action"] for r in records(edge_app)]
    assert [a for a in actions if a.startswith(("shift", "cash"))] == ["shift_open", "cash_in", "cash_out",
                                                                       "shift_close"]
    [cash_in] = records(edge_app, "cash_in")
    assert cash_in["after"]["amount"] == "5000.00" and cash_in["actor_username"] == "cashier"
    [close] = records(edge_app, "shift_close")
    assert close["after"]["difference"]["cash"] == "-500.00" and close["after"]["expected"]["cash"] == "103000.00"


def test_logins_failures_and_a_lockout_are_recorded(edge_app, client):
    edge_app.config.update(LOGIN_MAX_DELAY_S=0, LOGIN_LOCK_AFTER=3)  # no waiting between the tries
    assert client.post("/api/auth/login/", json={"username": "manager", "password": "manager123"}).status_code == 200
    for _ in range(edge_app.config["LOGIN_LOCK_AFTER"]):
        client.post("/api/auth/login/", json={"username": "Cashier", "pin": "0000"})
    actions = [(r["action"], r["actor_username"]) for r in records(edge_app)]
    assert actions[0] == ("login", "manager")
    assert actions.count(("login_failed", "cashier")) == edge_app.config["LOGIN_LOCK_AFTER"]
    assert actions[-1] == ("login_locked", "cashier")


def test_a_cancel_after_confirm_and_a_reprint_are_recorded(edge_app, cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 1))
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200
    assert manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "left"}).status_code == 200
    [cancel] = records(edge_app, "cancel")
    assert cancel["before"] == {"status": "confirmed"} and cancel["actor_username"] == "manager"


def test_records_chain_by_hash_and_travel_in_the_outbox(edge_app, cashier):
    cashier.open_shift()
    chain = records(edge_app)
    assert [r["seq"] for r in chain] == list(range(1, len(chain) + 1))
    assert chain[0]["prev_hash"] == audit_chain.GENESIS
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(chain, chain[1:], strict=False))
    with edge_app.app_context():
        sent = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "audit.recorded")).scalars().all()
        assert [json.loads(e.payload)["hash"] for e in sent] == [r["hash"] for r in chain]


def test_the_record_rolls_back_with_a_refused_action(edge_app, cashier):
    shift = cashier.open_shift("1000.00")
    before = len(records(edge_app))
    refused = cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                           {"kind": "out", "amount": "5000.00", "reason": "x"})
    assert refused.status_code == 409
    assert len(records(edge_app)) == before


def test_verify_names_a_deleted_and_an_edited_record(edge_app, cashier, manager):
    order = paid_order(cashier)  # two logins and the shift's opening: seq 1-3
    assert manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"}).status_code == 201  # seq 4
    assert manager.get("/api/audit/verify/").json["ok"] is True
    with edge_app.app_context():
        db.session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(actor_username="someone"))
        db.session.commit()
    answer = manager.get("/api/audit/verify/").json
    assert answer["ok"] is False and answer["breaks"][0]["seq"] == 3 and answer["breaks"][0]["problem"] == "hash"
    with edge_app.app_context():
        db.session.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
        db.session.commit()
    [found] = manager.get("/api/audit/verify/").json["breaks"]
    assert (found["seq"], found["problem"], found["expected"], found["found"]) == (4, "missing", "seq 3", "seq 2")


def test_verify_names_the_last_records_deleted(edge_app, cashier, manager):
    cashier.open_shift()  # the two logins and the opening: seq 1-3
    with edge_app.app_context():
        db.session.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
        db.session.commit()
    [found] = manager.get("/api/audit/verify/").json["breaks"]
    assert (found["seq"], found["problem"], found["found"]) == (3, "missing", "seq 2")


def test_a_drawer_opened_with_no_sale_records_who_and_why(edge_app, cashier, manager):
    from tests.edge.paper import add_file_printer

    add_file_printer(manager, role="receipt")
    shift = cashier.open_shift()
    opened = cashier.post(f"/api/shifts/{shift['id']}/drawer/", {"reason": "  change for the bakery  "})
    assert opened.status_code == 201, opened.json
    [job] = opened.json["jobs"]
    assert job["kind"] == "drawer"
    [found] = records(edge_app, "drawer_open")
    assert (found["actor_username"], found["object_type"], found["object_id"]) == ("cashier", "shift", shift["uuid"])
    assert found["after"] == {"reason": "change for the bakery", "print_job_id": job["id"]}


def test_a_drawer_open_without_a_reason_or_a_printer_is_refused_and_records_nothing(edge_app, cashier, manager):
    shift = cashier.open_shift()
    no_printer = cashier.post(f"/api/shifts/{shift['id']}/drawer/", {"reason": "change"})
    assert (no_printer.status_code, no_printer.json["code"]) == (409, "NO_RECEIPT_PRINTER")
    from tests.edge.paper import add_file_printer

    add_file_printer(manager, role="receipt")
    blank = cashier.post(f"/api/shifts/{shift['id']}/drawer/", {"reason": "   "})
    assert (blank.status_code, blank.json["code"], blank.json["field"]) == (400, "REASON_REQUIRED", "reason")
    assert records(edge_app, "drawer_open") == []


def test_an_action_outside_the_vocabulary_is_a_programming_error(edge_app):
    import pytest

    from edge.services import audit

    with edge_app.app_context(), pytest.raises(ValueError, match="drawer_opened"):
        audit.record(db.session, "drawer_opened", user_id=None)


def test_an_86_and_its_undoing_are_recorded_with_who_and_what(edge_app, manager, cashier):
    tiramisu = cashier.product("DS-TIRA")
    for sold_out in (True, False):
        answer = manager.client.put("/api/sold-out/", json={"target": "product", "id": tiramisu["id"],
                                                              "sold_out": sold_out}, headers=manager.headers)
        assert answer.status_code == 200, answer.json
    [marked] = records(edge_app, "sold_out")
    [back] = records(edge_app, "back_in_stock")
    assert (marked["actor_username"], marked["object_type"], marked["object_id"]) == ("manager", "product",
                                                                                      str(tiramisu["id"]))
    assert marked["after"]["sold_out"] is True and back["after"]["sold_out"] is False


def test_stock_changed_by_hand_is_recorded_and_a_sale_is_not(edge_app, manager, cashier):
    ids = {row["name"]: row["stock_item_id"] for row in manager.get("/api/stock/").json["results"]}
    assert manager.post("/api/stock/waste/", {"reason": "dropped", "lines": [
        {"stock_item_id": ids["Mozzarella"], "quantity": 120}]}).status_code == 201
    cashier.open_shift()
    order = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]))
    assert cashier.post(f"/api/orders/{order['id']}/confirm/").status_code == 200  # uses stock: not an adjustment
    [adjusted] = records(edge_app, "stock_adjustment")
    assert adjusted["actor_username"] == "manager" and adjusted["object_type"] == "stock_movement"
    assert adjusted["after"] == {"kind": "waste", "reason": "dropped",
                                 "lines": [{"stock_item_id": ids["Mozzarella"], "quantity": -120}]}
