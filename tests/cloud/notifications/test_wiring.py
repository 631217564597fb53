"""Notifications wired into the cloud (SQLite and PostgreSQL): templates through the API,
a synced payment for a customer queuing `payment_received`, the worker delivering to a
real SMTP server with retries and backoff, the WhatsApp status webhook, opt-outs,
freshness, bulk sends and their consent rule."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cloud.extensions import db
from cloud.models import Customer, Notification, NotificationStatusEvent, NotificationTrigger
from cloud.models import Device as DeviceRow
from cloud.notifications.channels import channels_from_config
from cloud.notifications.channels.base import SendResult
from cloud.notifications.channels.whatsapp_webhooks import sign
from cloud.notifications.errors import DeliveryPermanent, DeliveryRetryable
from cloud.services import notification_outbox as outbox
from cloud.services.notification_worker import WorkerSettings, run_once
from sync.ids import new_uuid
from sync.timeutil import utcnow
from tests.cloud.test_drain_ingest import Outlet_, order, payment
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.postgres

APP_SECRET = "test-app-secret"
WA_BODY = ("Halo {{ customer_name }}, pembayaran {{ payment_type }} {{ amount }} untuk {{ order_code }} "
           "diterima.{% if is_full_payment %} Lunas.{% else %} Sisa {{ remaining_amount }}.{% endif %}")


@pytest.fixture
def app(make_cloud_app):
    return make_cloud_app(WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-me",
                          NOTIFY_TEST_RATE_LIMIT="1000 per minute", NOTIFY_BULK_RATE_LIMIT="1000 per minute")


def _template(client, world, **changes):
    body = {"name": "Paid (WhatsApp)", "type": "payment_received", "channel": "whatsapp", "body": WA_BODY,
            "is_default": True, **changes}
    response = client.post("/api/notifications/templates/", json=body, headers=world.headers("manager"))
    assert response.status_code == 201, response.json
    return response.json


def _customer(client, world, **changes):
    body = {"name": "Budi Santoso", "phone": "0812-3456-7890", "email": "budi@example.com", **changes}
    body = {key: value for key, value in body.items() if value is not None}
    response = client.post("/api/customers/", json=body, headers=world.headers("manager"))
    assert response.status_code == 201, response.json
    return response.json


class Recorder:
    """A channel that records what it was given and answers what it is told to."""

    def __init__(self, name: str, answers: list[SendResult] | None = None):
        self.name, self.answers, self.sent = name, list(answers or []), []

    def send(self, message):
        self.sent.append(message)
        if self.answers:
            return self.answers.pop(0)
        return SendResult("sent", provider_id=f"wamid.{len(self.sent)}")


def _run(app, channels, **settings):
    with app.app_context():
        return run_once(db.session, channels, WorkerSettings(**settings))


def _notifications(app):
    with app.app_context():
        return db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()


def _sale(app, client, world, customer_uuid, amount=3000, at=None):
    """An order and its payment pushed by a till, made `at` (now by default)."""
    at = at or utcnow().replace(microsecond=0)
    till = Outlet_(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, lines=2, customer_uuid=customer_uuid, created_at=at, business_date=at.date())
    paid = {**payment(sold["uuid"], amount), "created_at": at}
    batch = [till.event("order.snapshot", sold), till.event("payment.recorded", paid)]
    assert [r["status"] for r in till.push(batch)] == ["applied", "applied"]
    return till, sold, batch


# --- templates ---------------------------------------------------------------------------------


def test_a_template_is_saved_with_its_preview_and_listed(client, world):
    saved = _template(client, world)
    assert saved["variables"] == ["customer_name", "payment_type", "amount", "order_code", "is_full_payment",
                                  "remaining_amount"]
    assert saved["preview"]["text"].startswith("Halo Budi Santoso, pembayaran QRIS Rp 20.800 untuk KMG-")
    listed = client.get("/api/notifications/templates/", headers=world.headers("manager")).json
    assert [t["id"] for t in listed["results"]] == [saved["id"]]
    other = client.get("/api/notifications/templates/", headers=world.headers("manager", "b")).json
    assert other["count"] == 0


def test_a_template_reaching_python_internals_is_refused_with_the_contracts_error(client, world):
    response = client.post("/api/notifications/templates/", headers=world.headers("manager"), json={
        "name": "x", "type": "payment_received", "channel": "whatsapp", "body": "{{ ''.__class__.__mro__ }}"})
    assert response.status_code == 400
    assert response.json["code"] == "UNSAFE_ATTRIBUTE" and response.json["field"] == "body"
    assert set(response.json) >= {"error", "message", "field", "code"}


def test_an_unknown_variable_is_refused_naming_it_and_its_line(client, world):
    response = client.post("/api/notifications/templates/", headers=world.headers("manager"), json={
        "name": "x", "type": "order_cancelled", "channel": "whatsapp", "body": "Halo\n{{ amount }}"})
    assert response.status_code == 400
    assert (response.json["code"], response.json["variable"], response.json["line"]) == ("UNKNOWN_VARIABLE",
                                                                                          "amount", 2)


def test_cashiers_may_not_manage_templates(client, world):
    response = client.get("/api/notifications/templates/", headers=world.headers("cashier"))
    assert response.status_code == 403


def test_one_default_per_type_and_channel(client, world):
    first = _template(client, world)
    second = _template(client, world, name="Second")
    assert client.get(f"/api/notifications/templates/{first['id']}/",
                      headers=world.headers("manager")).json["is_default"] is False
    assert client.get(f"/api/notifications/templates/{second['id']}/",
                      headers=world.headers("manager")).json["is_default"] is True


def test_preview_takes_template_vars_in_wire_format(client, world):
    response = client.post("/api/notifications/templates/preview/", headers=world.headers("manager"), json={
        "type": "payment_received", "channel": "whatsapp", "body": WA_BODY,
        "template_vars": {"amount": "5000.00", "is_full_payment": False, "remaining_amount": "1500.00"}})
    assert response.status_code == 200, response.json
    assert "Rp 5.000" in response.json["text"] and "Sisa Rp 1.500." in response.json["text"]
    wrong = client.post("/api/notifications/templates/preview/", headers=world.headers("manager"), json={
        "type": "payment_received", "channel": "whatsapp", "body": WA_BODY, "template_vars": {"amount": 5000.5}})
    assert wrong.status_code == 400 and wrong.json["field"] == "template_vars.amount"


# --- a synced payment ----------------------------------------------------------------------------


def test_a_synced_payment_for_a_customer_sends_payment_received_once_by_whatsapp_and_email(app, client, world):
    _template(client, world)
    _template(client, world, name="Paid (email)", channel="email", subject="Pembayaran {{ order_code }}",
              body="<p>Halo {{ customer_name }}, {{ amount }} diterima.</p>")
    customer = _customer(client, world)
    till, sold, batch = _sale(app, client, world, customer["uuid"])
    till.push(batch)  # the same events again: nothing new
    whatsapp = Recorder("whatsapp")
    with SmtpServer() as smtp:
        with app.app_context():
            email = channels_from_config({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_SECURITY": "none",
                                          "SMTP_FROM": "Warung <noreply@warung.id>", "NOTIFY_TIMEOUT_S": 5})["email"]
        found = _run(app, {"whatsapp": whatsapp, "email": email})
        found_again = _run(app, {"whatsapp": whatsapp, "email": email})
    # two notes: the payment, and the order's order_created (no template of that type: nothing queued)
    assert (found.triggers, found.sent, found_again.claimed) == (2, 2, 0)
    assert [m.recipient for m in whatsapp.sent] == ["081234567890"]
    assert whatsapp.sent[0].text == (f"Halo Budi Santoso, pembayaran Cash Rp 30 untuk {sold['order_number']} "
                                     "diterima. Lunas.")
    assert len(smtp.received) == 1 and smtp.received[0].rcpt_tos == ["budi@example.com"]
    mail = smtp.received[0].message()
    assert mail["Subject"] == f"Pembayaran {sold['order_number']}"
    assert "Halo Budi Santoso, Rp 30 diterima." in mail.get_body(("plain",)).get_content()
    rows = _notifications(app)
    assert [(n.channel, n.status, n.type, n.order_code) for n in rows] == [
        ("whatsapp", "sent", "payment_received", sold["order_number"]),
        ("email", "sent", "payment_received", sold["order_number"])]
    assert rows[0].provider_message_id == "wamid.1" and rows[1].provider_message_id.startswith("<pos.notification-")


def test_a_payment_without_a_customer_queues_nothing(app, client, world):
    _template(client, world)
    _sale(app, client, world, None)
    found = _run(app, {"whatsapp": Recorder("whatsapp")})
    assert (found.triggers, found.claimed) == (1, 0)
    with app.app_context():
        assert db.session.execute(select(NotificationTrigger.outcome)).scalar() == "no customer on the order"


def test_a_payment_that_arrives_before_its_order_waits_for_it(app, client, world):
    _template(client, world)
    customer = _customer(client, world)
    till = Outlet_(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, customer_uuid=customer["uuid"], created_at=utcnow(), business_date=utcnow().date())
    paid = {**payment(sold["uuid"]), "created_at": utcnow()}
    till.push([till.event("payment.recorded", paid)])
    whatsapp = Recorder("whatsapp")
    assert _run(app, {"whatsapp": whatsapp}).triggers == 0
    till.push([till.event("order.snapshot", sold)])
    assert _run(app, {"whatsapp": whatsapp}).sent == 1


def test_an_opted_out_customer_gets_nothing(app, client, world):
    _template(client, world)
    customer = _customer(client, world)
    response = client.post("/api/notifications/opt-outs/", headers=world.headers("cashier"),
                           json={"channel": "whatsapp", "recipient": "+62 812 3456 7890", "reason": "asked at till"})
    assert response.status_code == 201 and response.json["recipient"] == "081234567890"
    _sale(app, client, world, customer["uuid"])
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert whatsapp.sent == [] and _notifications(app) == []


def test_a_message_past_its_freshness_window_is_not_sent(app, client, world):
    _template(client, world)
    customer = _customer(client, world)
    _sale(app, client, world, customer["uuid"], at=utcnow() - timedelta(hours=25))  # synced a day late
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert whatsapp.sent == []
    with app.app_context():
        assert db.session.execute(select(NotificationTrigger.outcome)).scalar().startswith("too late")


# --- the worker ----------------------------------------------------------------------------------


def _queue_test(client, world, **changes):
    body = {"channel": "whatsapp", "recipient": "0812 1111 2222", "message": "Halo dari POS", **changes}
    response = client.post("/api/notifications/test/", json=body, headers=world.headers("manager"))
    assert response.status_code == 202, response.json
    return response.json


def test_a_retryable_failure_is_retried_with_backoff_then_sent(app, client, world):
    queued = _queue_test(client, world)
    assert queued["status"] == "queued" and queued["recipient"] == "081211112222"
    whatsapp = Recorder("whatsapp", [SendResult.failed(DeliveryRetryable("whatsapp", "503 from Meta"))])
    before = utcnow()
    found = _run(app, {"whatsapp": whatsapp}, backoff_base_s=60)
    assert (found.retrying, found.sent) == (1, 0)
    (row,) = _notifications(app)
    assert row.status == "queued" and row.attempts == 1 and row.last_error_code == "DELIVERY_RETRYABLE"
    assert before + timedelta(seconds=29) < row.next_attempt_at < utcnow() + timedelta(seconds=61)
    assert _run(app, {"whatsapp": whatsapp}).claimed == 0  # not yet due
    with app.app_context():
        db.session.get(Notification, row.id).next_attempt_at = utcnow()
        db.session.commit()
    assert _run(app, {"whatsapp": whatsapp}).sent == 1
    (row,) = _notifications(app)
    assert (row.status, row.attempts, len(whatsapp.sent)) == ("sent", 2, 2)


def test_tries_run_out_then_it_fails_for_good(app, client, world):
    _queue_test(client, world)
    whatsapp = Recorder("whatsapp", [SendResult.failed(DeliveryRetryable("whatsapp", "timeout"))] * 3)
    for _ in range(3):
        with app.app_context():
            for row in db.session.execute(select(Notification)).scalars():
                row.next_attempt_at = utcnow()
            db.session.commit()
        _run(app, {"whatsapp": whatsapp}, max_attempts=3)
    (row,) = _notifications(app)
    assert (row.status, row.attempts, row.last_error) == ("failed", 3, "timeout")


def test_a_permanent_failure_is_not_retried(app, client, world):
    _queue_test(client, world)
    whatsapp = Recorder("whatsapp", [SendResult.failed(DeliveryPermanent("whatsapp", "131047 outside window"))])
    assert _run(app, {"whatsapp": whatsapp}).failed == 1
    (row,) = _notifications(app)
    assert row.status == "failed" and row.failed_at is not None


def test_a_channel_without_settings_fails_the_message_with_that_reason(app, client, world):
    _queue_test(client, world)
    _run(app, {})
    (row,) = _notifications(app)
    assert (row.status, row.last_error_code) == ("failed", "CHANNEL_NOT_CONFIGURED")


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(app, client, world):
    _queue_test(client, world)
    with app.app_context():
        first = outbox.claim(db.session, limit=10, lease_s=60)
        second = outbox.claim(db.session, limit=10, lease_s=60)
        later = outbox.claim(db.session, limit=10, lease_s=60, now=utcnow() + timedelta(seconds=61))
    assert len(first) == 1 and second == [] and later == first


def test_bulk_sends_wait_for_their_schedule_and_need_consent(app, client, world):
    template = _template(client, world, type="payment_reminder", name="Reminder",
                         body="Halo {{ customer_name }}, sisa {{ remaining_amount }}.")
    _customer(client, world, phone="081200000001", email=None, marketing_consent=True)
    _customer(client, world, name="Sari", phone="081200000002", email=None, marketing_consent=False)
    schedule_at = (utcnow() + timedelta(hours=1)).isoformat() + "Z"
    response = client.post("/api/notifications/send-bulk/", headers=world.headers("manager"), json={
        "template_id": template["id"], "schedule_at": schedule_at, "recipients": [
            {"contact": "081200000001", "template_vars": {"remaining_amount": "5000.00"}},
            {"contact": "081200000002"}, {"contact": "081299999999"}, {"contact": "not a phone"}]})
    assert response.status_code == 202, response.json
    assert [r["status"] for r in response.json["results"]] == ["queued", "skipped", "skipped", "skipped"]
    assert response.json["results"][1]["reason"].startswith("NO_CONSENT")
    assert response.json["results"][3]["reason"].startswith("INVALID_PHONE")
    whatsapp = Recorder("whatsapp")
    assert _run(app, {"whatsapp": whatsapp}).claimed == 0
    with app.app_context():
        due = outbox.claim(db.session, limit=10, lease_s=60, now=utcnow() + timedelta(hours=1, seconds=1))
    assert len(due) == 1
    (row,) = _notifications(app)
    assert row.body == "Halo Budi Santoso, sisa Rp 5.000."


# --- the WhatsApp webhook ----------------------------------------------------------------------


def _status_body(wamid: str, status: str, reference: str | None = None, ts: int = 1_800_000_000, **extra) -> bytes:
    item = {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": "6281211112222", **extra}
    if reference:
        item["biz_opaque_callback_data"] = reference
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": "2"},
        "statuses": [item]}}]}]}
    return json.dumps(payload).encode()


def _post_webhook(client, body: bytes, secret: str = APP_SECRET):
    return client.post("/api/notifications/webhook/whatsapp/", data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": sign(secret, body)})


def test_the_webhook_moves_a_sent_message_to_delivered_and_read_once(app, client, world):
    _queue_test(client, world)
    _run(app, {"whatsapp": Recorder("whatsapp")})
    (row,) = _notifications(app)
    delivered = _status_body("wamid.1", "delivered", outbox.reference(row.id))
    assert _post_webhook(client, delivered).json == {"received": 1, "applied": 1}
    assert _post_webhook(client, delivered).json == {"received": 1, "repeated": 1}
    assert _post_webhook(client, _status_body("wamid.1", "read", ts=1_800_000_100)).json["applied"] == 1
    assert _post_webhook(client, _status_body("wamid.1", "sent", ts=1_800_000_200)).json["kept"] == 1
    (row,) = _notifications(app)
    assert row.status == "read" and row.delivered_at is not None and row.read_at is not None
    with app.app_context():
        statuses = db.session.execute(select(NotificationStatusEvent.status).where(
            NotificationStatusEvent.notification_id == row.id).order_by(NotificationStatusEvent.id)).scalars().all()
    assert statuses == ["queued", "sent", "delivered", "read", "sent"]


def test_a_webhook_with_a_wrong_signature_changes_nothing(app, client, world):
    _queue_test(client, world)
    _run(app, {"whatsapp": Recorder("whatsapp")})
    response = _post_webhook(client, _status_body("wamid.1", "delivered"), secret="someone-else")
    assert response.status_code == 401 and response.json["code"] == "INVALID_SIGNATURE"
    assert _notifications(app)[0].status == "sent"


def test_a_failed_status_records_metas_reason(app, client, world):
    _queue_test(client, world)
    _run(app, {"whatsapp": Recorder("whatsapp")})
    body = _status_body("wamid.1", "failed", errors=[{"code": 131026, "title": "Message undeliverable",
                                                      "message": "Message undeliverable"}])
    assert _post_webhook(client, body).status_code == 200
    (row,) = _notifications(app)
    assert (row.status, row.last_error_code) == ("failed", "WHATSAPP_131026")


def test_the_subscription_check_answers_the_challenge_only_to_our_token(client):
    ok = client.get("/api/notifications/webhook/whatsapp/?hub.mode=subscribe&hub.verify_token=verify-me"
                    "&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    wrong = client.get("/api/notifications/webhook/whatsapp/?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1")
    assert wrong.status_code == 403


def test_history_lists_the_tenants_messages_with_their_status_history(app, client, world):
    queued = _queue_test(client, world)
    _run(app, {"whatsapp": Recorder("whatsapp")})
    listed = client.get("/api/notifications/history/?status=sent", headers=world.headers("manager")).json
    assert [n["id"] for n in listed["results"]] == [queued["id"]]
    assert client.get("/api/notifications/history/", headers=world.headers("manager", "b")).json["count"] == 0
    detail = client.get(f"/api/notifications/history/{queued['id']}/", headers=world.headers("manager")).json
    assert [h["status"] for h in detail["history"]] == ["queued", "sent"]
    assert client.get(f"/api/notifications/history/{queued['id']}/",
                      headers=world.headers("manager", "b")).status_code == 404


def test_customer_count_unchanged_by_notifications(app):
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Customer)).scalar() == 0


def test_two_workers_deliver_a_thousand_notifications_each_exactly_once(app, cloud_db_url):
    """PostgreSQL: two workers (threads with their own sessions and connections) claim with SKIP LOCKED."""
    if not cloud_db_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (SQLite runs one writer)")
    import threading

    from cloud.notifications.templates import Rendered
    from cloud.services import tenants

    with app.app_context():
        tenant = tenants.create_tenant(db.session, {"name": "Load", "slug": "load"})
        for n in range(1000):
            outbox.enqueue(db.session, tenant.id, channel="whatsapp", recipient=f"0812{n:08d}",
                           rendered=Rendered("", f"message {n}", None), key=f"load:{n}")
        db.session.commit()
    lock, sent = threading.Lock(), []

    class Shared(Recorder):
        def send(self, message):
            with lock:
                sent.append((threading.get_ident(), message.reference))
            return SendResult("sent", provider_id=f"wamid.{message.reference}")

    def work():
        with app.app_context():
            run_once(db.session, {"whatsapp": Shared("whatsapp")}, WorkerSettings(batch=10))
            db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    references = [reference for _, reference in sent]
    assert len(references) == 1000 and len(set(references)) == 1000
    assert len({thread for thread, _ in sent}) == 2  # both took a share
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Notification)
                                  .where(Notification.status == "sent")).scalar() == 1000


def test_the_message_carries_the_e_receipt_link_the_till_printed(app, client, world):
    from sync import receipt_links

    _template(client, world, body="Struk {{ order_code }}: {{ receipt_url }}")
    customer = _customer(client, world)
    till, sold, _ = _sale(app, client, world, customer["uuid"])
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp}, public_url="https://pos.example.com")
    with app.app_context():
        token_hash = db.session.execute(select(DeviceRow.token_hash).where(DeviceRow.id == till.device_id)).scalar()
    link = receipt_links.url("https://pos.example.com", receipt_links.key_from_token_hash(token_hash),
                             till.device_id, sold["uuid"])
    assert [m.text for m in whatsapp.sent] == [f"Struk {sold['order_number']}: {link}"]


def test_a_worker_killed_after_sending_does_not_make_the_message_go_twice_once_its_webhook_came(app, client, world):
    """The one window: claimed, handed to WhatsApp, the worker dies before recording it.
    Meta's webhook carries our reference, so the message is marked sent and a later claim
    (after the lease) finds nothing to send."""
    queued = _queue_test(client, world)
    with app.app_context():
        assert outbox.claim(db.session, limit=10, lease_s=60) == [queued["id"]]  # ... and the worker dies here
    body = _status_body("wamid.crash", "sent", outbox.reference(queued["id"]))
    assert _post_webhook(client, body).json["applied"] == 1
    with app.app_context():
        later = outbox.claim(db.session, limit=10, lease_s=60, now=utcnow() + timedelta(seconds=61))
    assert later == []
    (row,) = _notifications(app)
    assert (row.status, row.provider_message_id) == ("sent", "wamid.crash")


def test_a_worker_killed_before_anything_went_loses_nothing(app, client, world):
    queued = _queue_test(client, world)
    with app.app_context():
        outbox.claim(db.session, limit=10, lease_s=60)  # the worker dies before sending
        again = outbox.claim(db.session, limit=10, lease_s=60, now=utcnow() + timedelta(seconds=61))
    assert again == [queued["id"]]


# --- the order's other moments ------------------------------------------------------------------


def _till_order(app, client, world, customer_uuid, **changes):
    at = utcnow().replace(microsecond=0)
    till = Outlet_(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, customer_uuid=customer_uuid, created_at=at, business_date=at.date(), **changes)
    return till, sold, at


def test_the_kitchens_bump_sends_order_ready_once_through_a_production_complete_template(app, client, world):
    _template(client, world, type="production_complete", name="Ready",
              body="{{ order_code }} siap diambil di {{ outlet_name }}")
    customer = _customer(client, world)
    till, sold, at = _till_order(app, client, world, customer["uuid"])
    till.push([till.event("order.snapshot", sold)])
    ready = {**sold, "version": 2, "status": "ready", "ready_at": at}
    served = {**ready, "version": 3, "status": "served", "served_at": at}
    till.push([till.event("order.snapshot", ready), till.event("order.snapshot", served)])
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert [m.text for m in whatsapp.sent] == [f"{sold['order_number']} siap diambil di AA One"]
    assert _notifications(app)[0].type == "production_complete"


def test_an_order_ready_an_hour_late_is_not_sent(app, client, world):
    _template(client, world, type="order_ready", name="Ready", body="{{ order_code }} siap")
    customer = _customer(client, world)
    an_hour_ago = utcnow().replace(microsecond=0) - timedelta(hours=1)
    till, sold, _ = _till_order(app, client, world, customer["uuid"], status="ready", ready_at=an_hour_ago)
    till.push([till.event("order.snapshot", sold)])  # the till was offline: it syncs an hour after the bump
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert whatsapp.sent == []


def test_a_cancelled_order_and_a_refund_tell_the_customer(app, client, world):
    _template(client, world, type="order_cancelled", name="Cancelled",
              body="{{ order_code }} dibatalkan: {{ cancel_reason }}")
    _template(client, world, type="order_refunded", name="Refunded",
              body="{{ refund_amount }} ({{ refund_method }}) dikembalikan: {{ refund_reason }}")
    customer = _customer(client, world)
    till, sold, at = _till_order(app, client, world, customer["uuid"])
    cancelled = {**sold, "version": 2, "status": "cancelled", "cancelled_at": at, "cancel_reason": "Habis"}
    refunded = {"uuid": new_uuid(), "order_uuid": sold["uuid"], "shift_uuid": None, "kind": "refund",
                "method": "qris", "amount": 1000, "reason": "Dingin", "lines": [], "created_by": None,
                "created_at": at}
    till.push([till.event("order.snapshot", sold), till.event("order.snapshot", cancelled),
               till.event("refund.recorded", refunded)])
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert sorted(m.text for m in whatsapp.sent) == sorted([f"{sold['order_number']} dibatalkan: Habis",
                                                            "Rp 10 (QRIS) dikembalikan: Dingin"])
