"""Sending the e-receipt from the till: a cashier gives a phone number or an email address
for a paid order; the request is queued in the edge's outbox (offline too) and the cloud
sends the message once the event and the order have synced, once however often it is pushed."""
import json

import pytest
from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Notification
from cloud.notifications.channels.base import SendResult
from cloud.services.notification_worker import WorkerSettings, run_once
from edge.extensions import db
from edge.models import OutboxEvent
from edge.services.syncing.relay import Relay


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)
        return SendResult("sent", provider_id=f"id.{len(self.sent)}")


def _paid(cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    paid = cashier.pay(order["id"], tendered=order["total_amount"])
    assert paid.status_code == 201, paid.json
    return order


def _requests(edge_app):
    with edge_app.app_context():
        rows = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "receipt.requested")).scalars()
        return [json.loads(row.payload) for row in rows]


def test_a_paid_orders_e_receipt_is_queued_in_the_outbox_with_its_link(edge_app, cashier):
    order = _paid(cashier)
    answer = cashier.post(f"/api/orders/{order['id']}/e-receipt/",
                          {"channel": "whatsapp", "recipient": "0812-9876-5432"})
    assert answer.status_code == 202, answer.json
    assert (answer.json["recipient"], answer.json["status"]) == ("081298765432", "queued")
    assert answer.json["receipt_url"] == order["receipt_url"]
    [payload] = _requests(edge_app)
    assert (payload["order_uuid"], payload["channel"], payload["recipient"], payload["receipt_url"]) == (
        order["uuid"], "whatsapp", "081298765432", order["receipt_url"])
    assert payload["uuid"] == answer.json["uuid"]


@pytest.mark.parametrize("body, code", [
    ({"channel": "whatsapp", "recipient": "12"}, "INVALID_PHONE"),
    ({"channel": "email", "recipient": "budi@example.com\nBcc: x@y.z"}, "INVALID_EMAIL"),
    ({"channel": "email", "recipient": "two@a.com, three@b.com"}, "INVALID_EMAIL"),
    ({"channel": "sms", "recipient": "0812 9876 5432"}, None),
])
def test_a_recipient_the_channel_cannot_take_is_refused_and_nothing_is_queued(edge_app, cashier, body, code):
    order = _paid(cashier)
    refused = cashier.post(f"/api/orders/{order['id']}/e-receipt/", body)
    assert refused.status_code == 400 and set(refused.json) >= {"error", "message", "field", "code"}
    if code:
        assert (refused.json["code"], refused.json["field"]) == (code, "recipient")
    assert _requests(edge_app) == []


def test_an_order_not_paid_in_full_has_no_e_receipt_to_send(edge_app, cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 1))
    refused = cashier.post(f"/api/orders/{order['id']}/e-receipt/", {"channel": "email", "recipient": "b@c.id"})
    assert refused.status_code == 409 and refused.json["code"] == "ORDER_NOT_PAID"
    assert _requests(edge_app) == []


def test_the_cloud_sends_the_e_receipt_once_after_the_sync(edge_app, cloud_app, device_client, cashier):
    order = _paid(cashier)
    for channel, recipient in (("whatsapp", "0812 9876 5432"), ("email", "budi@example.com")):
        answer = cashier.post(f"/api/orders/{order['id']}/e-receipt/", {"channel": channel, "recipient": recipient})
        assert answer.status_code == 202, answer.json
    with edge_app.app_context():
        Relay(device_client).drain(force=True)
        db.session.execute(OutboxEvent.__table__.update().values(status="pending"))  # as if the answer was lost
        db.session.commit()
        Relay(device_client).drain(force=True)  # everything again: duplicates
    whatsapp, email = Recorder(), Recorder()
    with cloud_app.app_context():
        for _ in range(2):
            run_once(cloud_db.session, {"whatsapp": whatsapp, "email": email}, WorkerSettings())
        messages = cloud_db.session.execute(select(Notification).where(Notification.type == "e_receipt")).scalars()
        assert sorted((m.channel, m.recipient, m.status) for m in messages) == [
            ("email", "budi@example.com", "sent"), ("whatsapp", "081298765432", "sent")]
    assert len(whatsapp.sent) == 1 and len(email.sent) == 1
    assert order["receipt_url"] in whatsapp.sent[0].text and order["order_number"] in whatsapp.sent[0].text
    assert email.sent[0].subject.startswith(f"Struk {order['order_number']}")
