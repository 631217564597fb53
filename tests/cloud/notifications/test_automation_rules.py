"""Automation rules (SQLite and PostgreSQL): saved through the API with their condition and
actions checked, evaluated by the worker's rules pass, firing once per episode through the
notification outbox and re-arming when the condition clears; the dry-run writes nothing;
two evaluators at once fire an episode once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cloud.extensions import db
from cloud.models import AutomationRuleState, Device, Notification
from cloud.services import enrollment
from cloud.services.automation_eval import evaluate
from cloud.services.notification_worker import WorkerSettings, run_once
from sync.ids import new_uuid
from sync.timeutil import utcnow
from tests.cloud.notifications.test_wiring import Recorder
from tests.cloud.test_role_matrix import enroll_device, event, push

pytestmark = pytest.mark.postgres

RULES = "/api/notifications/rules/"
MANAGER_PHONE = "0813-5555-0101"


class Till:
    """An enrolled device of outlet A pushing stock movements."""

    def __init__(self, app, client, world):
        from cloud.models import Outlet

        with app.app_context():
            key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, world.a.outlet_id), None, True)
            db.session.commit()
        self.client, self.seq = client, 0
        self.device_id, _, self.access = enroll_device(client, key, "till")

    def move(self, item_id: int, quantity: int, kind: str) -> None:
        self.seq += 1
        moved = event(self.seq, "stock.moved", {"uuid": new_uuid(), "kind": kind, "created_at": "2026-11-20T10:00:00Z",
                                                "lines": [{"stock_item_id": item_id, "quantity": quantity}]})
        assert [r["status"] for r in push(self.client, self.access, [moved])] == ["applied"]


def _item(client, world, name="Dough"):
    response = client.post("/api/stock-items/", json={"name": name, "unit": "g", "cost": "10.00"},
                           headers=world.headers("manager"))
    assert response.status_code == 201, response.json
    return response.json["id"]


def _rule(client, world, status=201, tenant="a", role="manager", **fields):
    body = {"name": "Dough low", "trigger": "stock_low", "threshold": 500,
            "actions": [{"channel": "whatsapp", "recipient": MANAGER_PHONE}], **fields}
    response = client.post(RULES, json=body, headers=world.headers(role, tenant))
    assert response.status_code == status, response.json
    return response.json


def _evaluate(app, now=None):
    with app.app_context():
        found = evaluate(db.session, now)
        db.session.remove()
        return found


def _messages(app, type_=None):
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        if type_:
            stmt = stmt.where(Notification.type == type_)
        return db.session.execute(stmt).scalars().all()


# --- saving --------------------------------------------------------------------------------------


def test_a_rule_is_saved_with_its_recipient_normalised_and_seen_only_by_its_tenant(client, world):
    saved = _rule(client, world, outlet_id=world.a.outlet_id)
    assert (saved["trigger"], saved["threshold"], saved["outlet_id"]) == ("stock_low", 500, world.a.outlet_id)
    assert saved["actions"] == [{"type": "notify", "channel": "whatsapp", "recipient": "081355550101"}]
    assert saved["states"] == []
    assert [r["id"] for r in client.get(RULES, headers=world.headers("manager")).json["results"]] == [saved["id"]]
    assert client.get(RULES, headers=world.headers("manager", "b")).json["count"] == 0
    assert client.get(f"{RULES}{saved['id']}/", headers=world.headers("manager", "b")).status_code == 404


def test_cashiers_may_not_see_or_make_rules(client, world):
    assert client.get(RULES, headers=world.headers("cashier")).status_code == 403
    _rule(client, world, status=403, role="cashier")


@pytest.mark.parametrize("fields, code, field", [
    ({"threshold": None}, "THRESHOLD_REQUIRED", "threshold"),
    ({"offline_minutes": 5}, "NOT_FOR_TRIGGER", "offline_minutes"),
    ({"trigger": "outlet_offline", "threshold": None}, "OFFLINE_MINUTES_REQUIRED", "offline_minutes"),
    ({"trigger": "outlet_offline", "offline_minutes": 5}, "NOT_FOR_TRIGGER", "threshold"),
    ({"actions": [{"channel": "whatsapp", "recipient": "not a phone"}]}, "INVALID_PHONE", "actions.0.recipient"),
    ({"actions": [{"channel": "email", "recipient": "a@b.c\nBcc: x@y.z"}]}, "INVALID_EMAIL", "actions.0.recipient"),
    ({"actions": []}, None, "actions"),
    ({"trigger": "stock_high"}, None, "trigger"),
    ({"stock_item_id": 999999}, "INVALID_STOCK_ITEM", "stock_item_id"),
])
def test_a_rule_that_does_not_hold_together_is_refused_with_the_contracts_error(client, world, fields, code, field):
    refused = _rule(client, world, status=400, **fields)
    assert refused["field"] == field and set(refused) >= {"error", "message", "field", "code"}
    if code:
        assert refused["code"] == code


def test_a_rule_may_not_name_another_tenants_outlet_or_stock_item(client, world):
    assert _rule(client, world, status=400, outlet_id=world.b.outlet_id)["code"] == "INVALID_OUTLET"
    theirs = client.post("/api/stock-items/", json={"name": "Their dough", "unit": "g"},
                         headers=world.headers("manager", "b")).json["id"]
    assert _rule(client, world, status=400, stock_item_id=theirs)["code"] == "INVALID_STOCK_ITEM"


# --- stock_low -----------------------------------------------------------------------------------


def test_stock_low_fires_once_per_episode_and_rearms_when_stock_comes_back(app, client, world):
    dough = _item(client, world)
    till = Till(app, client, world)
    till.move(dough, 1000, "receive")
    rule = _rule(client, world, stock_item_id=dough)
    assert _evaluate(app).fired == 0 and _messages(app) == []
    till.move(dough, -600, "sale")  # 400 g left: below 500
    assert _evaluate(app).fired == 1
    for _ in range(3):  # every later pass while it stays low sends nothing
        assert _evaluate(app).fired == 0
    till.move(dough, -100, "sale")
    assert _evaluate(app).fired == 0
    [message] = _messages(app, "stock_low")
    assert message.recipient == "081355550101" and message.channel == "whatsapp"
    assert "Dough is at 400 g, below 500 g" in message.body and "AA One" in message.body  # when it fired
    state = client.get(f"{RULES}{rule['id']}/", headers=world.headers("manager")).json["states"]
    assert [(s["subject"], s["firing"], s["episodes"], s["value"]) for s in state] == [
        (f"outlet:{world.a.outlet_id}:item:{dough}", True, 1, 400)]
    till.move(dough, 5000, "receive")  # restocked: the rule re-arms
    assert _evaluate(app).cleared == 1
    till.move(dough, -5000, "waste")
    assert _evaluate(app).fired == 1
    assert len(_messages(app, "stock_low")) == 2


def test_the_worker_sends_a_fired_rules_message_once(app, client, world):
    dough = _item(client, world)
    till = Till(app, client, world)
    till.move(dough, -200, "sale")
    _rule(client, world, actions=[{"channel": "whatsapp", "recipient": MANAGER_PHONE},
                                  {"channel": "email", "recipient": "manager@example.com"}])
    _evaluate(app)
    _evaluate(app)
    whatsapp, email = Recorder("whatsapp"), Recorder("email")
    with app.app_context():
        run_once(db.session, {"whatsapp": whatsapp, "email": email}, WorkerSettings())
        run_once(db.session, {"whatsapp": whatsapp, "email": email}, WorkerSettings())
    assert len(whatsapp.sent) == 1 and len(email.sent) == 1
    assert "*Stock low*" in whatsapp.sent[0].text
    assert email.sent[0].subject == "Stock low: Dough at AA One"
    assert "*" not in email.sent[0].text and "Dough is at -200 g" in email.sent[0].html


def test_an_outlet_without_a_ledger_line_for_an_item_is_not_watched(app, client, world):
    _item(client, world, "Mozzarella")
    Till(app, client, world)
    _rule(client, world)
    assert _evaluate(app).fired == 0


def test_changing_the_threshold_rearms_the_rule(app, client, world):
    dough = _item(client, world)
    till = Till(app, client, world)
    till.move(dough, 400, "receive")
    rule = _rule(client, world)
    assert _evaluate(app).fired == 1
    changed = client.patch(f"{RULES}{rule['id']}/", json={"threshold": 450}, headers=world.headers("manager"))
    assert changed.status_code == 200 and changed.json["states"][0]["firing"] is False
    assert _evaluate(app).fired == 1
    assert len(_messages(app)) == 2


def test_an_inactive_rule_does_not_fire(app, client, world):
    dough = _item(client, world)
    Till(app, client, world).move(dough, -1, "sale")
    _rule(client, world, is_active=False)
    assert _evaluate(app).rules == 0 and _messages(app) == []


# --- outlet_offline ------------------------------------------------------------------------------


def _silence(app, device_id: int, minutes: int) -> None:
    with app.app_context():
        db.session.execute(update(Device).where(Device.id == device_id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def test_outlet_offline_fires_once_and_clears_when_the_outlet_pulls_again(app, client, world):
    till = Till(app, client, world)
    _rule(client, world, trigger="outlet_offline", threshold=None, offline_minutes=10)
    assert _evaluate(app).fired == 0
    _silence(app, till.device_id, 11)
    assert _evaluate(app).fired == 1 and _evaluate(app).fired == 0
    [message] = _messages(app, "outlet_offline")
    assert "AA One has not synced since" in message.body and "(more than 10 minutes)" in message.body
    pulled = client.get("/api/sync/pull/?since=0", headers={"Authorization": f"Bearer {till.access}"})
    assert pulled.status_code == 200  # a pull is contact
    assert _evaluate(app).cleared == 1
    _silence(app, till.device_id, 12)
    assert _evaluate(app).fired == 1
    assert len(_messages(app, "outlet_offline")) == 2


def test_a_pull_records_contact_at_most_every_twenty_seconds(app, client, world):
    till = Till(app, client, world)
    _silence(app, till.device_id, 5)
    headers = {"Authorization": f"Bearer {till.access}"}
    before = utcnow().replace(microsecond=0)  # the column may keep whole seconds
    client.get("/api/sync/pull/?since=0", headers=headers)
    with app.app_context():
        first = db.session.get(Device, till.device_id).last_seen_at
    assert first >= before  # recorded by this pull (no wall-clock bound: the machine may be slow)
    client.get("/api/sync/pull/?since=0", headers=headers)
    with app.app_context():
        assert db.session.get(Device, till.device_id).last_seen_at == first


# --- dry-run -------------------------------------------------------------------------------------


def test_a_dry_run_shows_the_messages_and_writes_nothing(app, client, world):
    dough = _item(client, world)
    Till(app, client, world).move(dough, 100, "receive")
    body = {"name": "Dough low", "trigger": "stock_low", "threshold": 500,
            "actions": [{"channel": "email", "recipient": "manager@example.com"}]}
    answer = client.post(f"{RULES}dry-run/", json=body, headers=world.headers("manager"))
    assert answer.status_code == 200, answer.json
    assert (answer.json["would_fire"], answer.json["would_queue"]) == (1, 1)
    [match] = answer.json["matches"]
    assert (match["stock_item_name"], match["value"], match["already_firing"]) == ("Dough", 100, False)
    assert match["messages"][0]["subject"] == "Stock low: Dough at AA One"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AutomationRuleState)).scalar() == 0
    assert _messages(app) == [] and client.get(RULES, headers=world.headers("manager")).json["count"] == 0
    saved = _rule(client, world, **body)
    _evaluate(app)
    again = client.post(f"{RULES}{saved['id']}/dry-run/", headers=world.headers("manager")).json
    assert again["matches"][0]["already_firing"] is True and again["would_queue"] == 0


# --- two evaluators --------------------------------------------------------------------------------


def test_two_evaluators_at_once_fire_each_episode_once(app, client, world, cloud_db_url):
    """PostgreSQL: two workers' rules passes (threads, own sessions) race over 30 rules."""
    if not cloud_db_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite runs one writer)")
    import threading

    dough = _item(client, world)
    Till(app, client, world).move(dough, -1, "sale")
    for n in range(30):
        _rule(client, world, name=f"Rule {n}", actions=[{"channel": "whatsapp", "recipient": f"0813555501{n:02d}"}])
    barrier = threading.Barrier(2)
    fired = []

    def work():
        with app.app_context():
            barrier.wait()
            for _ in range(3):
                fired.append(evaluate(db.session).fired)
            db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert sum(fired) == 30
    messages = _messages(app, "stock_low")
    assert len(messages) == 30 and len({m.recipient for m in messages}) == 30
