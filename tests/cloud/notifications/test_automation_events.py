"""Automation rules on events and new states (SQLite and PostgreSQL): a synced payment or
cancellation fires the tenant's matching rules once per event, as the worker settles its
note; conditions over the event's fields are checked when the rule is saved; a webhook
action is delivered by the worker to a real HTTP server that checks the HMAC signature,
retried with backoff and its attempts kept; an alert action raises a security alert;
dead letters, shifts left open and daily schedules fire once per episode; the dry-run
replays the last day and sends nothing; two workers deliver each webhook once."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from cloud.extensions import db
from cloud.models import AutomationRule, Notification, Outlet, SecurityAlert, SyncedShift, WebhookDelivery
from cloud.services import webhook_deliveries
from cloud.services.automation_eval import evaluate
from cloud.services.notification_worker import WorkerSettings, run_once
from sync.ids import new_uuid
from sync.timeutil import utcnow
from tests.cloud.test_drain_ingest import Outlet_, order, payment

pytestmark = pytest.mark.postgres

RULES = "/api/notifications/rules/"
SECRET = "whsec-0123456789abcdef"


class Receiver:
    """A real HTTP server on loopback that checks each delivery's signature as a customer's
    endpoint would, records what came, and answers the status codes it is told to."""

    def __init__(self, secret: str = SECRET, answers: list[int] | None = None):
        self.secret, self.answers, self.got = secret, list(answers or []), []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                valid = webhook_deliveries.verify(receiver.secret, self.headers["X-POS-Timestamp"], raw,
                                                  self.headers["X-POS-Signature"])
                with receiver.lock:
                    code = receiver.answers.pop(0) if receiver.answers else (200 if valid else 401)
                    receiver.got.append({"delivery": self.headers["X-POS-Delivery"],
                                         "event": self.headers["X-POS-Event"], "valid": valid,
                                         "body": json.loads(raw), "answered": code})
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/pos"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def _rule(client, world, status=201, tenant="a", role="manager", **fields):
    response = client.post(RULES, json={"name": "Big QRIS", "trigger": "payment_received", **fields},
                           headers=world.headers(role, tenant))
    assert response.status_code == status, response.json
    return response.json


def _hook(url, secret=SECRET):
    return [{"type": "webhook", "url": url, "secret": secret}]


def _sale(app, client, world, method="cash", amount=3000, till=None, **changes):
    till = till or Outlet_(app, client, world.a.outlet_id)
    at = utcnow().replace(microsecond=0)
    sold = order(world.a.outlet_id, created_at=at, business_date=at.date(), **changes)
    paid = {**payment(sold["uuid"], amount), "method": method, "created_at": at,
            "tendered": amount if method == "cash" else None}
    assert [r["status"] for r in till.push([till.event("order.snapshot", sold),
                                            till.event("payment.recorded", paid)])] == ["applied", "applied"]
    return till, sold


def _work(app):
    """One worker pass: notes settled (event rules fire), messages and webhooks delivered."""
    with app.app_context():
        run_once(db.session, {}, WorkerSettings())
        found = webhook_deliveries.run_once(db.session, webhook_deliveries.WebhookSettings(backoff_base_s=1))
        db.session.remove()
        return found


def _count(app, model, *where):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


# --- events, conditions, webhooks ---------------------------------------------------------------


def test_a_payment_rule_calls_the_webhook_once_with_a_valid_signature(app, client, world, receiver):
    rule = _rule(client, world, conditions=[{"field": "amount", "op": ">=", "value": "20.00"},
                                            {"field": "method", "op": "==", "value": "qris"}],
                 actions=_hook(receiver.url))
    till, _ = _sale(app, client, world, method="cash")  # fails method == qris
    _, sold = _sale(app, client, world, method="qris", till=till)
    _sale(app, client, world, method="qris", amount=1500, till=till)  # fails amount >= 20.00
    for _ in range(2):
        _work(app)
    assert [(g["valid"], g["event"]) for g in receiver.got] == [(True, "payment_received")]
    body = receiver.got[0]["body"]
    assert body["rule"] == {"id": rule["id"], "name": "Big QRIS"}
    assert body["data"] == {"outlet_id": world.a.outlet_id, "order_total": "30.00", "order_source": "pos",
                            "order_code": sold["order_number"], "amount": "30.00", "method": "qris"}
    history = client.get(f"{RULES}{rule['id']}/deliveries/", headers=world.headers("manager")).json["results"]
    assert [(d["status"], [a["status_code"] for a in d["history"]]) for d in history] == [("delivered", [200])]
    assert history[0]["id"] == int(receiver.got[0]["delivery"])


def test_a_failed_delivery_is_retried_with_backoff_and_every_attempt_kept(app, client, world, receiver):
    receiver.answers = [503, 200]
    rule = _rule(client, world, actions=_hook(receiver.url))
    _sale(app, client, world)
    assert _work(app).retrying == 1
    assert _work(app).claimed == 0  # not due yet: it waits its backoff
    with app.app_context():
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _work(app).delivered == 1
    delivered = client.get(f"{RULES}{rule['id']}/deliveries/", headers=world.headers("manager")).json["results"][0]
    assert [a["status_code"] for a in delivered["history"]] == [503, 200] and delivered["attempts"] == 2
    assert [g["delivery"] for g in receiver.got] == [str(delivered["id"])] * 2  # the same id: a receiver may dedupe


def test_a_receiver_that_refuses_the_request_fails_it_for_good(app, client, world, receiver):
    receiver.secret = "another-secret-entirely"  # the signature does not verify: it answers 401
    rule = _rule(client, world, actions=_hook(receiver.url))
    _sale(app, client, world)
    assert _work(app).failed == 1
    delivered = client.get(f"{RULES}{rule['id']}/deliveries/", headers=world.headers("manager")).json["results"][0]
    assert delivered["status"] == "failed" and delivered["last_status_code"] == 401


def test_the_secret_is_never_read_back_and_a_change_keeps_it(app, client, world, receiver):
    rule = _rule(client, world, actions=_hook(receiver.url))
    assert rule["actions"] == [{"type": "webhook", "url": receiver.url, "has_secret": True}]
    changed = client.patch(f"{RULES}{rule['id']}/", json={"name": "Renamed"}, headers=world.headers("manager"))
    for response in (changed, client.get(f"{RULES}{rule['id']}/", headers=world.headers("manager")),
                     client.get(RULES, headers=world.headers("manager"))):
        assert SECRET not in response.get_data(as_text=True) and "secret_sealed" not in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(AutomationRule, rule["id"]).actions[0]["secret_sealed"]
        assert SECRET not in stored and webhook_deliveries.unseal(world.a.tenant_id, stored) == SECRET
    _sale(app, client, world)
    _work(app)
    assert [g["valid"] for g in receiver.got] == [True]  # still signed with the secret given at first


@pytest.mark.parametrize("fields, code, field", [
    ({"conditions": [{"field": "colour", "op": "==", "value": "red"}]}, "UNKNOWN_FIELD", "conditions.0.field"),
    ({"conditions": [{"field": "method", "op": ">=", "value": "qris"}]}, "INVALID_OPERATOR", "conditions.0.op"),
    ({"conditions": [{"field": "method", "op": "==", "value": "cheque"}]}, "INVALID_VALUE", "conditions.0.value"),
    ({"conditions": [{"field": "amount", "op": ">=", "value": 50000}]}, "INVALID_VALUE", "conditions.0.value"),
    ({"conditions": [{"field": "amount", "op": ">=", "value": "12.345"}]}, "INVALID_VALUE", "conditions.0.value"),
    ({"conditions": [{"field": "outlet_id", "op": "in", "value": []}]}, "INVALID_VALUE", "conditions.0.value"),
    ({"actions": [{"type": "webhook", "url": "ftp://example.com/x", "secret": SECRET}]}, "INVALID_URL",
     "actions.0.url"),
    ({"actions": [{"type": "webhook", "url": "https://example.com/x"}]}, "SECRET_REQUIRED", "actions.0.secret"),
    ({"actions": [{"type": "webhook", "url": "https://example.com/x", "secret": "short"}]}, "INVALID_SECRET",
     "actions.0.secret"),
    ({"actions": [{"type": "notify", "channel": "whatsapp"}]}, "FIELD_REQUIRED", "actions.0.recipient"),
    ({"trigger": "shift_not_closed"}, "OPEN_HOURS_REQUIRED", "open_hours"),
    ({"trigger": "schedule"}, "AT_TIME_REQUIRED", "at_time"),
    ({"open_hours": 4}, "NOT_FOR_TRIGGER", "open_hours"),
])
def test_a_rule_that_does_not_hold_together_is_refused_with_the_field(client, world, fields, code, field):
    body = {"actions": [{"type": "alert"}], **fields}
    refused = _rule(client, world, status=400, **body)
    assert (refused["code"], refused["field"]) == (code, field), refused


def test_a_condition_may_not_name_another_tenants_outlet(client, world):
    refused = _rule(client, world, status=400, actions=[{"type": "alert"}],
                    conditions=[{"field": "outlet_id", "op": "in", "value": [world.a.outlet_id, world.b.outlet_id]}])
    assert (refused["code"], refused["field"]) == ("INVALID_OUTLET", "conditions.0.value.1")


def test_a_cancelled_order_rule_raises_an_alert_the_owner_sees(app, client, world):
    _rule(client, world, name="Big cancel", trigger="order_cancelled", actions=[{"type": "alert"}],
          conditions=[{"field": "order_total", "op": ">", "value": "10.00"}])
    till = Outlet_(app, client, world.a.outlet_id)
    cancelled = order(world.a.outlet_id, status="cancelled", cancel_reason="customer left",
                      cancelled_at=utcnow().replace(microsecond=0), created_at=utcnow().replace(microsecond=0))
    assert till.push([till.event("order.snapshot", cancelled)])[0]["status"] == "applied"
    _work(app)
    _work(app)
    alerts = client.get("/api/security/alerts/?kind=automation", headers=world.headers("tenant_owner")).json
    assert len(alerts["results"]) == 1
    message = alerts["results"][0]["message"]
    assert message.startswith(f"Order cancelled: {cancelled['order_number']} at ") and "customer left" in message
    other = client.get("/api/security/alerts/?kind=automation", headers=world.headers("tenant_owner", "b")).json
    assert other["results"] == []


def test_refund_and_ready_rules_fire_on_their_events_with_their_fields(app, client, world):
    _rule(client, world, name="QRIS refunds", trigger="order_refunded",
          conditions=[{"field": "method", "op": "==", "value": "qris"},
                      {"field": "amount", "op": "<", "value": "50.00"}],
          actions=[{"channel": "whatsapp", "recipient": "0813-5555-0101"}])
    _rule(client, world, name="Kiosk ready", trigger="order_ready",
          conditions=[{"field": "order_source", "op": "in", "value": ["kiosk", "self"]}],
          actions=[{"channel": "email", "recipient": "kitchen@example.com"}])
    at = utcnow().replace(microsecond=0)
    till = Outlet_(app, client, world.a.outlet_id)
    kiosk = order(world.a.outlet_id, source="kiosk", status="ready", ready_at=at, created_at=at)
    counter = order(world.a.outlet_id, source="pos", status="ready", ready_at=at, created_at=at)
    refunds = [{"uuid": new_uuid(), "order_uuid": counter["uuid"], "shift_uuid": None, "kind": "refund",
                "method": method, "amount": 1000, "reason": "Cold", "lines": [], "created_by": None, "created_at": at}
               for method in ("qris", "cash")]
    results = till.push([till.event("order.snapshot", kiosk), till.event("order.snapshot", counter),
                         *(till.event("refund.recorded", refund) for refund in refunds)])
    assert {r["status"] for r in results} == {"applied"}
    _work(app)
    with app.app_context():
        sent = db.session.execute(select(Notification.type, Notification.body).order_by(Notification.id)).all()
    assert sorted(kind for kind, _ in sent) == ["order_ready", "order_refunded"]
    texts = dict(sent)
    assert kiosk["order_number"] in texts["order_ready"] and "Rule: Kiosk ready" in texts["order_ready"]
    assert "10.00 by QRIS" in texts["order_refunded"] and counter["order_number"] in texts["order_refunded"]


# --- states: dead letters, open shifts, schedules --------------------------------------------------


def test_an_event_the_cloud_refused_fires_a_dead_letter_rule_once(app, client, world):
    _rule(client, world, name="Dead letters", trigger="sync_dead_letter",
          actions=[{"channel": "whatsapp", "recipient": "0813-5555-0101"}],
          conditions=[{"field": "event_type", "op": "==", "value": "order.snapshot"}])
    till = Outlet_(app, client, world.a.outlet_id)
    foreign = till.event("order.snapshot", order(world.a.other_outlet_id))  # names another outlet: rejected
    assert till.push([foreign])[0]["status"] == "rejected"
    with app.app_context():
        assert [evaluate(db.session).fired for _ in range(2)] == [1, 0]
        texts = db.session.execute(select(Notification.body).where(Notification.type == "sync_dead_letter")).scalars()
        name = db.session.get(Outlet, world.a.outlet_id).name
        assert [t.split(":")[0] for t in texts] == [f"*Sync refused* at {name}"]


def _shift(app, world, opened_hours_ago: int) -> str:
    uuid = new_uuid()
    with app.app_context():
        db.session.add(SyncedShift(tenant_id=world.a.tenant_id, outlet_id=world.a.outlet_id, uuid=uuid, terminal=2,
                                   status="open", opened_by=1, opened_at=utcnow() - timedelta(hours=opened_hours_ago),
                                   opening_cash=0, counted={}, movements=[], version=1, received_at=utcnow()))
        db.session.commit()
    return uuid


def test_a_shift_left_open_past_its_hours_fires_once_and_rearms_when_closed(app, client, world):
    _rule(client, world, name="Shift open", trigger="shift_not_closed", open_hours=12, actions=[{"type": "alert"}])
    _shift(app, world, 3)
    late = _shift(app, world, 14)
    with app.app_context():
        assert [evaluate(db.session).fired for _ in range(2)] == [1, 0]
        db.session.execute(update(SyncedShift).where(SyncedShift.uuid == late).values(status="closed"))
        db.session.commit()
        assert evaluate(db.session).cleared == 1
        alert = db.session.execute(select(SecurityAlert).where(SecurityAlert.kind == "automation")).scalar_one()
        assert "till 2 has had a shift open" in alert.message and alert.detail["data"]["hours_open"] == 14


def test_a_schedule_fires_once_per_outlet_day_after_its_time(app, client, world):
    rule = _rule(client, world, name="Closing", trigger="schedule", at_time="21:30", outlet_id=world.a.outlet_id,
                 actions=[{"channel": "email", "recipient": "owner@example.com"}])
    with app.app_context():
        db.session.execute(update(AutomationRule).where(AutomationRule.id == rule["id"])
                           .values(created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
        outlet = db.session.get(Outlet, world.a.outlet_id)
        zone, name = ZoneInfo(outlet.timezone or "UTC"), outlet.name
    day = utcnow().replace(tzinfo=UTC).astimezone(zone).date() - timedelta(days=1)
    moment = datetime.combine(day, time(21, 30), zone).astimezone(UTC).replace(tzinfo=None)
    with app.app_context():
        fired = [evaluate(db.session, at).fired for at in (moment - timedelta(minutes=1), moment + timedelta(minutes=1),
                                                           moment + timedelta(hours=1), moment + timedelta(days=1))]
        subjects = db.session.execute(select(Notification.subject).order_by(Notification.id)).scalars().all()
    assert fired == [0, 1, 0, 1]
    next_day = (day + timedelta(days=1)).isoformat()
    assert subjects == [f"Closing: {name}, {day.isoformat()}", f"Closing: {name}, {next_day}"]


# --- dry-run ------------------------------------------------------------------------------------


def test_a_dry_run_replays_the_last_day_and_sends_nothing(app, client, world, receiver):
    till, _ = _sale(app, client, world, method="qris")
    _sale(app, client, world, method="cash", till=till)
    body = {"name": "QRIS", "trigger": "payment_received", "actions": _hook(receiver.url) + [{"type": "alert"}],
            "conditions": [{"field": "method", "op": "==", "value": "qris"}]}
    answer = client.post(f"{RULES}dry-run/", json=body, headers=world.headers("manager"))
    assert answer.status_code == 200, answer.json
    assert (answer.json["window"], answer.json["would_fire"], answer.json["would_call"],
            answer.json["would_alert"]) == ("last_day", 1, 1, 1)
    assert [m["conditions_hold"] for m in answer.json["matches"]] == [True, False]
    assert json.loads(answer.json["matches"][0]["webhooks"][0]["body"])["data"]["method"] == "qris"
    assert SECRET not in answer.get_data(as_text=True)
    saved = _rule(client, world, **body)
    again = client.post(f"{RULES}{saved['id']}/dry-run/", json={}, headers=world.headers("manager")).json
    assert again["would_call"] == 1
    assert _count(app, WebhookDelivery) == 0 and _count(app, SecurityAlert, SecurityAlert.kind == "automation") == 0
    assert receiver.got == []


def test_a_dry_run_of_another_tenants_rule_is_not_found(client, world, receiver):
    rule = _rule(client, world, actions=_hook(receiver.url))
    for path in (f"{RULES}{rule['id']}/dry-run/", f"{RULES}{rule['id']}/deliveries/"):
        method = client.post if path.endswith("dry-run/") else client.get
        assert method(path, headers=world.headers("manager", "b")).status_code == 404


# --- several workers ----------------------------------------------------------------------------


def test_two_workers_fire_and_deliver_each_event_once(app, client, world, receiver, cloud_db_url):
    """PostgreSQL: two workers (threads, own sessions) settle 40 payments' notes and
    deliver their webhooks at once; the receiver sees each delivery exactly once."""
    if not cloud_db_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite runs one writer)")
    _rule(client, world, actions=_hook(receiver.url))
    till = Outlet_(app, client, world.a.outlet_id)
    for _ in range(40):
        _sale(app, client, world, method="qris", till=till)
    barrier = threading.Barrier(2)

    def work():
        with app.app_context():
            barrier.wait()
            for _ in range(3):
                run_once(db.session, {}, WorkerSettings(batch=5))
                webhook_deliveries.run_once(db.session, webhook_deliveries.WebhookSettings(batch=3))
            db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    deliveries = [g["delivery"] for g in receiver.got]
    assert len(deliveries) == 40 and len(set(deliveries)) == 40 and all(g["valid"] for g in receiver.got)
    assert _count(app, WebhookDelivery, WebhookDelivery.status == "delivered") == 40
