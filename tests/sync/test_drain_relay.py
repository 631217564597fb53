"""The relay made for drain speed (docs/sync.md, "Drain speed"): the edge settles a batch
with statements that do not grow with the batch, and everything it did per event still
happens (sent, attempts, synced versions, dead letters, the breaker closed)."""
from __future__ import annotations

from sqlalchemy import event, select

from cloud.extensions import db as cloud_db
from cloud.models import Promotion
from edge.extensions import db
from edge.models import Order, OutboxEvent
from edge.services.syncing import status as sync_status
from edge.services.syncing.relay import Relay


class Statements:
    """Statements the edge's engine runs inside the block (an executemany counts once)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def sell(till, n: int, pay: bool = True) -> list[dict]:
    orders = []
    for _ in range(n):
        order = till.order(till.item("DR-COLA", 1))
        if pay:
            assert till.pay(order["id"], "cash", tendered="1000000.00").status_code == 201
        orders.append(order)
    return orders


def record_cost(edge_app, device_client, size: int) -> tuple[int, int]:
    """Statements of one `_record` of a batch of `size` events (and how many it sent)."""
    relay = Relay(device_client, batch=size, rng=lambda: 1.0)
    raw_record, seen = relay._record, {}

    def counted(*args, **kwargs):
        with Statements(edge_app) as statements:
            outcome = raw_record(*args, **kwargs)
        seen.update(count=statements.count, sent=outcome.sent)
        return outcome

    relay._record = counted
    with edge_app.app_context():
        relay.push_once(force=True)
    return seen["count"], seen["sent"]


def test_settling_a_batch_costs_the_same_statements_whatever_its_size(edge_app, device_client, cashier):
    cashier.open_shift()
    with edge_app.app_context():  # the sign-ins' and the opening's audit records: not sales
        Relay(device_client, rng=lambda: 1.0).drain()
    sell(cashier, 12)  # snapshots (several versions per order) and payments
    small, sent_small = record_cost(edge_app, device_client, 2)
    large, sent_large = record_cost(edge_app, device_client, 20)
    assert (sent_small, sent_large) == (2, 20)
    assert small == large, (small, large)


def test_a_settled_batch_moves_every_order_to_its_latest_synced_version(edge_app, device_client, cashier):
    cashier.open_shift()
    orders = sell(cashier, 5)
    with edge_app.app_context():
        outcome = Relay(device_client, batch=200, rng=lambda: 1.0).drain()
        assert outcome.sent > 10 and outcome.dead == 0
        stored = db.session.execute(select(Order.uuid, Order.version, Order.synced_version)).all()
        assert {u for u, _, _ in stored} == {o["uuid"] for o in orders}
        assert all(version == synced for _, version, synced in stored)
        rows = db.session.execute(select(OutboxEvent.status, OutboxEvent.attempts, OutboxEvent.sent_at)).all()
        assert {(status, attempts) for status, attempts, _ in rows} == {("sent", 1)}
        assert len({sent_at for _, _, sent_at in rows}) == 1  # one batch, one stamp
        state = sync_status.state(db.session)
        assert state.consecutive_failures == 0 and state.last_success_at is not None
    for order in orders:
        assert cashier.get(f"/api/orders/{order['id']}/").json["sync_status"] == "synced"


def test_a_batch_with_a_dead_letter_settles_the_rest(edge_app, cloud_app, device_client, cashier):
    cashier.open_shift()
    sell(cashier, 2)
    with edge_app.app_context():
        poisoned = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "payment.recorded")
                                      ).scalars().first()
        poisoned.payload_sha256 = "0" * 64  # the cloud rejects it for its content
        db.session.commit()
        poisoned_seq = poisoned.seq
        outcome = Relay(device_client, batch=200, rng=lambda: 1.0).drain()
        assert outcome.dead == 1
        rows = {seq: (status, attempts, reason) for seq, status, attempts, reason in db.session.execute(
            select(OutboxEvent.seq, OutboxEvent.status, OutboxEvent.attempts, OutboxEvent.dead_reason))}
    status, attempts, reason = rows.pop(poisoned_seq)
    assert status == "dead" and attempts == 1 and "payload_sha256" in reason
    assert {(s, a) for s, a, _ in rows.values()} == {("sent", 1)}


def test_a_promotion_use_bumps_the_promotion_s_change_version(edge_app, cloud_app, device_client, cashier, manager):
    """Outlets pull a promotion's usage count: the ingest's Core path must still give a
    changed counter the tenant's next change version (and none to an unchanged one)."""
    def weekend30():
        with cloud_app.app_context():
            promotion = cloud_db.session.query(Promotion).filter_by(code="WEEKEND30").one()
            return promotion.usage_count, promotion.sync_version

    relay = Relay(device_client, batch=200, rng=lambda: 1.0)
    count0, version0 = weekend30()
    order = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]), promo_codes=["WEEKEND30"])
    with edge_app.app_context():
        relay.drain()
    count1, version1 = weekend30()
    assert count1 == count0 + 1 and version1 > version0
    with edge_app.app_context():  # the same use reported again under a new event id: no change
        use = db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "promotion.usage")).scalar_one()
        again = {**{k: getattr(use, k) for k in ("seq", "event_id", "type", "occurred_at", "payload",
                                                  "payload_sha256")}}
    from edge.services.syncing.relay import wire_event
    from sync.ids import new_uuid

    replay = {**wire_event(type("E", (), again)), "event_id": new_uuid(), "seq": again["seq"] + 1000}
    assert device_client.push([replay]).body["results"][0]["status"] == "applied"
    assert weekend30() == (count1, version1)
    manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "left"})
    with edge_app.app_context():
        relay.drain()
    count2, version2 = weekend30()
    assert count2 == count0 and version2 > version1


# --- the pipelined drain -----------------------------------------------------------------------

class Recording:
    """A client in front of the real one that logs each push and each `_record` call."""

    def __init__(self, real, log, fail_on=None, error=None):
        self.real, self.log, self.fail_on, self.error, self.pushes = real, log, fail_on, error, 0

    def push(self, events):
        self.pushes += 1
        self.log.append(("push", [e["seq"] for e in events]))
        if self.fail_on == self.pushes:
            raise self.error
        return self.real.push(events)


def pipelined_relay(edge_app, client, log, **kw):
    relay = Relay(client, rng=lambda: 1.0, **kw)
    raw_record = relay._record

    def record(events, results, skew):
        log.append(("record", [e.seq for e in events]))
        return raw_record(events, results, skew)

    relay._record = record
    return relay


def test_drain_sends_the_next_batch_before_recording_the_last_and_keeps_seq_order(
        edge_app, cloud_app, device_client, cashier):
    cashier.open_shift()
    sell(cashier, 6)
    log = []
    with edge_app.app_context():
        total = db.session.query(OutboxEvent).count()
        relay = pipelined_relay(edge_app, Recording(device_client, log), log, batch=4)
        outcome = relay.drain()
        assert outcome.sent == total and outcome.dead == 0
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() == 0
    kinds = [kind for kind, _ in log]
    assert kinds[:3] == ["push", "push", "record"], log  # batch 2 left before batch 1 was recorded
    pushed = [seq for kind, seqs in log if kind == "push" for seq in seqs]
    assert pushed == sorted(pushed) and len(pushed) == len(set(pushed)) == total  # seq order, each once
    recorded = [seqs for kind, seqs in log if kind == "record"]
    assert recorded == [seqs for kind, seqs in log if kind == "push"]  # recorded in the order sent
    with cloud_app.app_context():
        from cloud.models import ProcessedEvent
        applied = [seq for (seq,) in cloud_db.session.query(ProcessedEvent.seq).order_by(ProcessedEvent.id)]
    assert applied == sorted(applied)  # the cloud applied them in seq order


def test_a_failure_of_the_batch_sent_ahead_still_records_the_one_before(edge_app, device_client, cashier):
    from sync.client import Unreachable

    cashier.open_shift()
    sell(cashier, 6)
    log = []
    with edge_app.app_context():
        client = Recording(device_client, log, fail_on=2, error=Unreachable("connection refused"))
        outcome = pipelined_relay(edge_app, client, log, batch=4).drain()
        assert outcome.sent == 4 and outcome.error
        first = next(seqs for kind, seqs in log if kind == "push")
        statuses = dict(db.session.execute(select(OutboxEvent.seq, OutboxEvent.status)).all())
        assert {statuses[seq] for seq in first} == {"sent"}
        assert {status for seq, status in statuses.items() if seq not in first} == {"pending"}
        state = sync_status.state(db.session)
        assert state.consecutive_failures == 1 and state.last_push_error.startswith("Unreachable")


def test_a_timeout_of_the_batch_sent_ahead_halves_the_batch(edge_app, device_client, cashier):
    from sync.client import Unreachable

    cashier.open_shift()
    sell(cashier, 6)
    log = []
    with edge_app.app_context():
        client = Recording(device_client, log, fail_on=2, error=Unreachable("read timed out", timed_out=True))
        relay = pipelined_relay(edge_app, client, log, batch=4)
        relay.drain()
        assert relay._batch_now == 2
