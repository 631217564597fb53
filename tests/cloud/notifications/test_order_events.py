"""The brief's two template types that had no event: `order_created` (the first synced
snapshot of an order with a customer) and `payment_reminder` (an order with a customer
still owing money a set time after it was taken), each sent once per order."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cloud.extensions import db
from cloud.services.notification_triggers import note_payment_reminders
from sync.timeutil import utcnow
from tests.cloud.notifications.test_wiring import Recorder, _customer, _notifications, _run, _template
from tests.cloud.test_drain_ingest import Outlet_, order, payment

pytestmark = pytest.mark.postgres

DAY = timedelta(hours=24)


def _push_order(app, client, world, customer_uuid, at, paid=0, **changes):
    till = Outlet_(app, client, world.a.outlet_id)
    sold = order(world.a.outlet_id, lines=2, customer_uuid=customer_uuid, created_at=at, business_date=at.date(),
                 paid_amount=paid, **changes)
    batch = [till.event("order.snapshot", sold)]
    if paid:
        batch.append(till.event("payment.recorded", {**payment(sold["uuid"], paid), "created_at": at}))
    assert {r["status"] for r in till.push(batch)} == {"applied"}
    return till, sold, batch


def _remind(app, now=None):
    with app.app_context():
        return note_payment_reminders(db.session, now or utcnow(), DAY, DAY + timedelta(days=7))


def test_an_order_with_a_customer_sends_order_created_once(app, client, world):
    _template(client, world, name="Created", type="order_created",
              body="Halo {{ customer_name }}, pesanan {{ order_code }} diterima. Total {{ order_total }}")
    customer = _customer(client, world)
    till, sold, batch = _push_order(app, client, world, customer["uuid"], utcnow().replace(microsecond=0))
    till.push([till.event("order.snapshot", {**sold, "version": 2, "status": "confirmed"})])  # a later snapshot
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    _run(app, {"whatsapp": whatsapp})
    assert [m.text for m in whatsapp.sent] == [f"Halo Budi Santoso, pesanan {sold['order_number']} diterima. "
                                               "Total Rp 30"]
    assert [n.type for n in _notifications(app)] == ["order_created"]


def test_an_order_without_a_customer_or_past_the_hour_sends_no_order_created(app, client, world):
    _template(client, world, name="Created", type="order_created", body="{{ order_code }}")
    customer = _customer(client, world)
    _push_order(app, client, world, None, utcnow().replace(microsecond=0))
    _push_order(app, client, world, customer["uuid"], utcnow().replace(microsecond=0) - timedelta(hours=2))
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert whatsapp.sent == [] and _notifications(app) == []


def test_an_order_still_owing_a_day_later_gets_one_payment_reminder(app, client, world):
    _template(client, world, name="Reminder", type="payment_reminder",
              body="Halo {{ customer_name }}, {{ order_code }} masih {{ remaining_amount }}.")
    customer = _customer(client, world)
    taken = utcnow().replace(microsecond=0) - DAY - timedelta(minutes=5)
    _, owing, _ = _push_order(app, client, world, customer["uuid"], taken, paid=1000, status="completed")
    _push_order(app, client, world, customer["uuid"], taken, paid=3000, status="completed")  # paid in full
    _push_order(app, client, world, customer["uuid"], utcnow() - timedelta(hours=2), status="completed")  # not yet
    _push_order(app, client, world, customer["uuid"], taken, status="cancelled")
    assert _remind(app) == 1 and _remind(app) == 0
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    _run(app, {"whatsapp": whatsapp})
    assert [m.text for m in whatsapp.sent] == [f"Halo Budi Santoso, {owing['order_number']} masih Rp 20."]
    assert [n.type for n in _notifications(app)] == ["payment_reminder"]


def test_no_reminder_without_a_default_template_or_once_paid(app, client, world):
    customer = _customer(client, world)
    taken = utcnow().replace(microsecond=0) - DAY - timedelta(minutes=5)
    till, owing, _ = _push_order(app, client, world, customer["uuid"], taken, status="completed")
    assert _remind(app) == 0  # the tenant sends no reminders
    _template(client, world, name="Reminder", type="payment_reminder", body="{{ order_code }}")
    assert _remind(app) == 1
    paid = {**owing, "version": 2, "paid_amount": 3000}
    till.push([till.event("order.snapshot", paid), till.event("payment.recorded", payment(owing["uuid"], 3000))])
    whatsapp = Recorder("whatsapp")
    _run(app, {"whatsapp": whatsapp})
    assert [m for m in whatsapp.sent if m.text == owing["order_number"]] == []
