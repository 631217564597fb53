"""Two outlets of one tenant pushing at the same moment on PostgreSQL (READ COMMITTED):
counters the ingest reads, changes and writes back (a customer's points, a promotion's
usage count) are locked first, so the second push waits for the first's commit and
builds on its result, whether the first applies its batch in one transaction or event
by event. (SQLite runs pushes one at a time: nothing to race.)

Outlet A's batch is paused after its counter change, inside its transaction, while
outlet B pushes a change to the same counter from another thread."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from cloud.extensions import db
from cloud.models import Customer, Promotion
from cloud.services import ingest
from sync.ids import new_uuid
from tests.cloud.test_drain_ingest import Outlet_, order, payment

pytestmark = pytest.mark.postgres

WAITING_FOR_A_LOCK = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")


def until_b_waits_for_the_lock_or_is_done(b_push: threading.Thread, timeout: float = 10.0) -> None:
    """Hold A's transaction open until B's push is blocked on the counter's row lock (a
    backend of this database waiting on a lock), or B finished without waiting (then the
    counter checks tell whether it read a stale value)."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as watcher:
        while b_push.is_alive() and time.monotonic() < deadline:
            if watcher.execute(WAITING_FOR_A_LOCK).scalar_one():
                return
            watcher.rollback()  # a fresh snapshot of pg_stat_activity on the next look
            time.sleep(0.01)


@pytest.fixture
def tills(app, client, world):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs pushes one at a time")
    return Outlet_(app, client, world.a.outlet_id), Outlet_(app, client, world.a.other_outlet_id)


def push_while_the_other_outlet_pushes(app, monkeypatch, till_a, batch_a, till_b, batch_b, one_transaction):
    """A's batch, paused at its payment (its last event) while B's push runs."""
    real_payment = ingest.APPLY["payment.recorded"]
    others: list[threading.Thread] = []
    answers: list = []

    def payment_then_let_b_push(ctx, data):
        real_payment(ctx, data)
        if ctx.device.outlet_id == till_a.outlet_id and not others:
            other = threading.Thread(target=lambda: answers.append(app.test_client().post(
                "/api/sync/push/", json={"events": batch_b}, headers=till_b.headers)))
            others.append(other)
            other.start()
            until_b_waits_for_the_lock_or_is_done(other)

    monkeypatch.setitem(ingest.APPLY, "payment.recorded", payment_then_let_b_push)
    sold = order(till_a.outlet_id)
    if not one_transaction:  # an event rejected while applied: the batch goes event by event
        batch_a = [*batch_a, till_a.event("order.snapshot", order(till_a.outlet_id + 1000))]
    results = till_a.push([*batch_a, till_a.event("payment.recorded", payment(sold["uuid"]))])
    others[0].join()
    assert answers[0].status_code == 200, answers[0].json
    return results, answers[0].json["results"]


@pytest.mark.parametrize("one_transaction", [True, False], ids=["batch", "event-by-event"])
def test_points_from_two_outlets_at_once_both_count(app, monkeypatch, tills, one_transaction):
    till_a, till_b = tills
    customer = {"uuid": new_uuid(), "name": "Ann", "phone": "081234567890", "email": "",
                "marketing_consent": False, "preferred_outlet_id": None}
    assert till_a.push([till_a.event("customer.upserted", customer)])[0]["status"] == "applied"

    def accrual(till, points):
        return till.event("loyalty.accrued", {"customer_uuid": customer["uuid"], "order_uuid": new_uuid(),
                                               "reason": "sale", "points": points, "orders": 1, "spent": 1000})

    a_results, b_results = push_while_the_other_outlet_pushes(
        app, monkeypatch, till_a, [accrual(till_a, 10)], till_b, [accrual(till_b, 50)], one_transaction)
    assert a_results[0]["status"] == b_results[0]["status"] == "applied"
    with app.app_context():
        stored = db.session.execute(select(Customer).where(Customer.uuid == customer["uuid"])).scalar_one()
        assert (stored.points, stored.total_orders) == (60, 2)
        assert set(stored.applied_seqs) == {str(till_a.outlet_id), str(till_b.outlet_id)}


@pytest.mark.parametrize("one_transaction", [True, False], ids=["batch", "event-by-event"])
def test_uses_of_a_promotion_from_two_outlets_at_once_both_count(app, world, monkeypatch, tills, one_transaction):
    till_a, till_b = tills
    with app.app_context():
        promotion = Promotion(tenant_id=world.a.tenant_id, name="10 off", promo_type="fixed_amount",
                              discount_amount=1000, usage_count=0, is_active=True, usage_limit=2)
        db.session.add(promotion)
        db.session.commit()
        promotion_id = promotion.id

    def use(till):
        return till.event("promotion.usage", {"promotion_id": promotion_id, "order_uuid": new_uuid(),
                                              "customer_uuid": None, "count": 1, "discount_amount": 1000})

    push_while_the_other_outlet_pushes(app, monkeypatch, till_a, [use(till_a)], till_b, [use(till_b)],
                                       one_transaction)
    with app.app_context():
        assert db.session.scalar(select(Promotion.usage_count).where(Promotion.id == promotion_id)) == 2
