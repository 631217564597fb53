"""Long-polls of a pending charge (cloud.services.charge_waits): woken by `changed()` as soon
as another thread commits a change, bounded by their slots, and never holding a transaction."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from cloud.extensions import db
from cloud.models import GatewayCharge
from cloud.services import charge_waits


@pytest.fixture
def pending(app, world):
    with app.app_context():
        charge = GatewayCharge(tenant_id=world.a.tenant_id, outlet_id=world.a.outlet_id, device_id=None,
                               order_uuid=str(uuid.uuid4()), payment_uuid=str(uuid.uuid4()), provider="midtrans",
                               method="qris", channel="qris", gateway_order_id=str(uuid.uuid4()),
                               gateway_id=str(uuid.uuid4()), amount=2_500_000, currency="IDR", status="pending")
        db.session.add(charge)
        db.session.commit()
        return charge.payment_uuid


def settle_later(app, payment_uuid, after_s):
    def run():
        time.sleep(after_s)
        with app.app_context():
            charge = db.session.query(GatewayCharge).filter_by(payment_uuid=payment_uuid).one()
            charge.status = "paid"
            db.session.commit()
            charge_waits.changed()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_waiter_answers_when_another_thread_settles_the_charge(app, world, pending):
    thread = settle_later(app, pending, 0.5)
    with app.app_context():
        started = time.monotonic()
        charge = charge_waits.wait_for_change(db.session, world.a.outlet_id, pending, 20, slots=1)
        assert charge.status == "paid" and time.monotonic() - started < 10
    thread.join()
    assert charge_waits.busy() == 0  # the slot is given back


def test_with_its_slots_taken_a_wait_answers_at_once(app, world, pending):
    with app.app_context():
        assert charge_waits._take_slot(1)
        try:
            started = time.monotonic()
            charge = charge_waits.wait_for_change(db.session, world.a.outlet_id, pending, 20, slots=1)
            assert charge.status == "pending" and time.monotonic() - started < 5
        finally:
            charge_waits._give_slot()


def test_a_wait_ends_after_its_seconds_with_the_charge_still_pending(app, world, pending):
    with app.app_context():
        charge = charge_waits.wait_for_change(db.session, world.a.outlet_id, pending, 1, slots=1)
        assert charge.status == "pending"
