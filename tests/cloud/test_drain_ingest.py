"""The push ingest made for drain speed (docs/sync.md, "Drain speed"), on SQLite and
PostgreSQL: each event's transaction commits without waiting for the disk and the
batch's last commit (the device row) is a durable one before the answer leaves; the
claim on processed_events is one INSERT ... ON CONFLICT DO NOTHING; the statements per
event do not depend on the batch; every rule of the protocol holds as before."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from cloud.extensions import db
from cloud.models import Device as DeviceRow
from cloud.models import (
    Outlet,
    ProcessedEvent,
    SyncDiscrepancy,
    SyncedOrder,
    SyncedOrderItem,
    SyncedPayment,
)
from cloud.services import enrollment
from sync import sqlite
from sync.ids import new_uuid, sha256_hex
from sync.schemas import events
from sync.timeutil import isoformat, utcnow

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 2, 3, 0, 0)


class Outlet_:
    """An enrolled device of one outlet pushing wire events through the API (beside the
    outlet's other devices, unless `keep_other_devices` is False)."""

    def __init__(self, app, client, outlet_id: int, keep_other_devices: bool = True):
        self.app, self.client, self.outlet_id = app, client, outlet_id
        with app.app_context():
            key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, outlet_id), None, keep_other_devices)
            db.session.commit()
        enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till"})
        assert enrolled.status_code == 201, enrolled.json
        self.device_id = enrolled.json["device_id"]
        access = client.post("/api/sync/token/", json={"device_id": self.device_id,
                                                         "device_token": enrolled.json["device_token"]})
        self.headers = {"Authorization": f"Bearer {access.json['access_token']}"}
        self.seq = itertools.count(1)

    def event(self, kind: str, values: dict, event_id: str | None = None) -> dict:
        payload = events.dump(kind, values)
        return {"seq": next(self.seq), "event_id": event_id or new_uuid(), "type": kind,
                "occurred_at": isoformat(T0), "payload": payload, "payload_sha256": sha256_hex(payload)}

    def push(self, batch: list[dict]) -> list[dict]:
        response = self.client.post("/api/sync/push/", json={"events": batch}, headers=self.headers)
        assert response.status_code == 200, response.json
        return response.json["results"]


_numbers = itertools.count(1)


def order(outlet_id: int, lines: int = 2, version: int = 1, **changes) -> dict:
    items = [{"line_no": n, "product_id": 10 + n, "product_name": f"Item {n}", "sku": f"SKU-{n}", "category_id": None,
              "station": "main", "quantity": n, "modifiers": [{"id": 1, "name": "Large", "price": 150}],
              "note": "", "unit_price": 1000, "gross": 1000 * n, "discount_amount": 0, "total_price": 1000 * n,
              "service_charge": 0, "tax_amount": 0, "line_total": 1000 * n, "prep_status": "queued",
              "voided_quantity": 0, "refunded_quantity": 0} for n in range(1, lines + 1)]
    subtotal = sum(i["gross"] for i in items)
    number = next(_numbers)  # order numbers are unique per outlet
    values = {"uuid": new_uuid(), "order_number": f"AA1-261102-1-{number:04d}", "outlet_id": outlet_id, "terminal": 1,
              "business_date": T0.date(), "shift_uuid": None, "status": "pending", "source": "pos",
              "customer_uuid": None, "customer_name": "", "customer_phone": "", "table": "", "note": "",
              "subtotal": subtotal, "discount_amount": 0, "service_charge": 0, "tax_amount": 0,
              "rounding_amount": 0, "total_amount": subtotal, "paid_amount": 0, "change_amount": 0,
              "voided_amount": 0, "refunded_amount": 0, "version": version, "cashier_id": None,
              "cancel_reason": "", "created_at": T0, "confirmed_at": None, "preparing_at": None,
              "ready_at": None, "served_at": None, "completed_at": None, "cancelled_at": None,
              "items": items, "promotions": []}
    values.update(changes)
    return values


def payment(order_uuid: str, amount: int = 3000) -> dict:
    return {"uuid": new_uuid(), "order_uuid": order_uuid, "terminal": 1, "method": "cash", "amount": amount,
            "tendered": amount, "change_amount": 0, "status": "paid", "reference": "", "created_at": T0}


@pytest.fixture
def till(app, client, world):
    return Outlet_(app, client, world.a.outlet_id)


class Commits:
    """Each commit of the cloud's engine: the durability it ran at and the tables it wrote."""

    def __init__(self, app):
        self.app, self.seen, self.written, self.statements = app, [], set(), 0
        with app.app_context():
            self.engine = db.engine
        self.dialect = self.engine.dialect
        self.raw_commit, self.raw_rollback = self.dialect.do_commit, self.dialect.do_rollback

    def level(self, dbapi_connection) -> str:
        cursor = dbapi_connection.cursor()
        if self.dialect.name == "sqlite":
            cursor.execute("PRAGMA synchronous")
            level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
        else:
            cursor.execute("SHOW synchronous_commit")
            level = cursor.fetchone()[0]
        cursor.close()
        return level

    def _commit(self, dbapi_connection):
        self.seen.append((self.level(dbapi_connection), frozenset(self.written)))
        self.written = set()
        self.raw_commit(dbapi_connection)

    def _rollback(self, dbapi_connection):
        self.written = set()  # rolled back: written by no commit
        self.raw_rollback(dbapi_connection)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        words = statement.split()
        if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            target = words[2] if words[0].upper() in ("INSERT", "DELETE") else words[1]
            self.written.add(target.strip('"').split("(")[0])

    def __enter__(self):
        self.dialect.do_commit, self.dialect.do_rollback = self._commit, self._rollback
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *exc):
        self.dialect.do_commit, self.dialect.do_rollback = self.raw_commit, self.raw_rollback
        event.remove(self.engine, "before_cursor_execute", self._statement)

    @property
    def durable(self) -> str:
        return "FULL" if self.dialect.name == "sqlite" else "on"

    @property
    def relaxed(self) -> str:
        return "NORMAL" if self.dialect.name == "sqlite" else "off"


# --- durable once per batch ---------------------------------------------------------------------

def test_a_batch_commits_once_and_durably_with_the_device_row(app, till):
    sold = [order(till.outlet_id) for _ in range(3)]
    batch = [till.event("order.snapshot", o) for o in sold] + [till.event("payment.recorded", payment(sold[0]["uuid"]))]
    with Commits(app) as commits:
        results = till.push(batch)
    assert [r["status"] for r in results] == ["applied"] * 4
    writes = [(level, tables) for level, tables in commits.seen if tables]
    assert len(writes) == 1, writes
    level, tables = writes[0]
    assert level == commits.durable, writes
    assert {"processed_events", "orders", "order_items", "payments", "devices"} <= tables


def test_a_rejection_while_applying_gives_each_event_its_own_relaxed_commit_then_a_durable_one(app, till):
    sold = [order(till.outlet_id) for _ in range(2)]
    stray = order(till.outlet_id + 1000)  # names another outlet: rejected by the order's own rule
    batch = [till.event("order.snapshot", sold[0]), till.event("order.snapshot", stray),
             till.event("order.snapshot", sold[1])]
    with Commits(app) as commits:
        results = till.push(batch)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    writes = [(level, tables) for level, tables in commits.seen if tables]
    *per_event, last = writes
    assert len(per_event) == 3, writes
    assert all(level == commits.relaxed and "processed_events" in tables for level, tables in per_event), writes
    level, tables = last
    assert level == commits.durable and "devices" in tables, writes  # the answer waits for this one
    with app.app_context():
        stored = set(db.session.scalars(select(SyncedOrder.uuid)))
    assert stored == {sold[0]["uuid"], sold[1]["uuid"]}


def test_a_batch_of_duplicates_still_ends_with_a_durable_write(app, till):
    """The resend of a batch whose answer was lost: its events may have been committed
    relaxed just before a crash, so the repeat must not answer before a durable commit."""
    batch = [till.event("order.snapshot", order(till.outlet_id))]
    till.push(batch)
    with Commits(app) as commits:
        assert [r["status"] for r in till.push(batch)] == ["duplicate"]
    level, tables = [(lv, t) for lv, t in commits.seen if t][-1]
    assert level == commits.durable and "devices" in tables, commits.seen


def test_other_writes_after_a_push_are_durable_again(app, client, world, till):
    till.push([till.event("order.snapshot", order(till.outlet_id))])
    with Commits(app) as commits:
        response = client.post("/api/sync/push/", json={"events": []}, headers=till.headers)
        assert response.status_code == 200
        with app.app_context():
            row = db.session.get(DeviceRow, till.device_id)
            row.name = "till one"
            db.session.commit()
    assert commits.seen and all(level == commits.durable for level, _ in commits.seen), commits.seen


def test_sqlite_synchronous_block_sets_and_restores_the_level(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("a SQLite pragma")
        assert sqlite.synchronous_level(db.session.connection()) == "FULL"
        db.session.rollback()
        with sqlite.synchronous("normal"):
            assert sqlite.synchronous_level(db.session.connection()) == "NORMAL"
            db.session.rollback()
        assert sqlite.synchronous_level(db.session.connection()) == "FULL"
        db.session.rollback()
    with pytest.raises(ValueError), sqlite.synchronous("sometimes"):
        pass


# --- the protocol's rules, on the new path -----------------------------------------------------

def test_duplicate_conflict_and_highest_version(app, till):
    first = order(till.outlet_id, lines=3)
    event_one = till.event("order.snapshot", first)
    assert till.push([event_one])[0]["status"] == "applied"
    assert till.push([event_one])[0]["status"] == "duplicate"
    other = till.event("order.snapshot", {**first, "note": "changed"}, event_id=event_one["event_id"])
    answer = till.push([other])[0]
    assert answer["status"] == "conflict" and answer["reason"]
    newer = till.event("order.snapshot", order(till.outlet_id, lines=1, version=3, uuid=first["uuid"],
                                               status="confirmed"))
    older = till.event("order.snapshot", order(till.outlet_id, lines=2, version=2, uuid=first["uuid"]))
    answers = till.push([newer, older])
    # an older snapshot from another event was made on another copy of the till's data: a
    # conflict the till is told of (it used to be answered "applied" and dropped)
    assert [r["status"] for r in answers] == ["applied", "conflict"]
    assert answers[1]["reason"].startswith("STALE_SNAPSHOT") and "version 3" in answers[1]["reason"]
    with app.app_context():
        stored = db.session.execute(select(SyncedOrder).where(SyncedOrder.uuid == first["uuid"])).scalar_one()
        assert (stored.version, stored.status, [i.line_no for i in stored.items]) == (3, "confirmed", [1])
        assert stored.items[0].modifiers == [{"id": 1, "name": "Large", "price": 150}]
        assert db.session.scalar(select(func.count()).select_from(ProcessedEvent)) == 3
        flagged = db.session.execute(select(SyncDiscrepancy.kind, SyncDiscrepancy.order_uuid)).all()
        assert [tuple(f) for f in flagged] == [("stale_snapshot", first["uuid"])]


def test_a_rejected_event_leaves_no_effect_and_the_rest_apply(app, till, world):
    good = order(till.outlet_id)
    foreign = order(world.a.other_outlet_id)  # names another outlet: rejected
    bad_hash = till.event("order.snapshot", order(till.outlet_id))
    bad_hash["payload_sha256"] = "0" * 64
    batch = [till.event("order.snapshot", foreign), bad_hash, till.event("order.snapshot", good),
             till.event("payment.recorded", payment(good["uuid"]))]
    results = till.push(batch)
    assert [r["status"] for r in results] == ["rejected", "rejected", "applied", "applied"]
    assert "outlet" in results[0]["reason"] and "payload_sha256" in results[1]["reason"]
    with app.app_context():
        assert db.session.scalars(select(SyncedOrder.uuid)).all() == [good["uuid"]]
        assert db.session.scalar(select(func.count()).select_from(SyncedPayment)) == 1
        rows = dict(db.session.execute(select(ProcessedEvent.event_id, ProcessedEvent.status)).all())
        assert rows[batch[0]["event_id"]] == "rejected" and rows[batch[2]["event_id"]] == "applied"
    # a rejected event sent again (e.g. a manager's retry) is looked at afresh
    assert till.push([batch[0]])[0]["status"] == "rejected"


def test_the_largest_values_the_payload_admits_are_stored_exactly(app, till):
    """Validation bounds every number to what its column holds (ids and counts to 32 bits,
    money to 10^15 major units), so nothing the schema admits can overflow a column."""
    big = order(till.outlet_id, lines=1)
    line = big["items"][0]
    line["quantity"] = line["product_id"] = 2**31 - 1
    big["subtotal"] = big["total_amount"] = line["gross"] = line["total_price"] = line["line_total"] = 10**17
    results = till.push([till.event("order.snapshot", big), till.event("order.snapshot", order(till.outlet_id))])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    with app.app_context():
        stored = db.session.execute(select(SyncedOrder.total_amount, SyncedOrderItem.quantity,
                                           SyncedOrderItem.product_id).join(SyncedOrderItem)
                                    .where(SyncedOrder.uuid == big["uuid"])).one()
    assert tuple(stored) == (10**17, 2**31 - 1, 2**31 - 1)


def test_a_device_clock_decades_off_still_applies_the_batch(app, till):
    batch = [till.event("order.snapshot", order(till.outlet_id))]
    response = till.client.post("/api/sync/push/", json={"events": batch},
                                headers={**till.headers, "X-Device-Time": "2100-01-01T00:00:00Z"})
    assert response.status_code == 200, response.json
    assert response.json["results"][0]["status"] == "applied"
    with app.app_context():
        assert db.session.get(DeviceRow, till.device_id).last_clock_skew_s == 2**31 - 1


def test_payments_are_append_only(app, till):
    sold = order(till.outlet_id)
    paid = payment(sold["uuid"])
    till.push([till.event("order.snapshot", sold), till.event("payment.recorded", paid)])
    again = till.push([till.event("payment.recorded", {**paid, "amount": 1})])  # a new event, the same payment
    assert again[0]["status"] == "applied"
    with app.app_context():
        assert db.session.scalars(select(SyncedPayment.amount)).all() == [3000]


def test_a_newer_snapshot_replaces_the_lines(app, till):
    first = order(till.outlet_id, lines=3)
    till.push([till.event("order.snapshot", first)])
    till.push([till.event("order.snapshot", order(till.outlet_id, lines=2, version=2, uuid=first["uuid"]))])
    with app.app_context():
        lines = db.session.execute(select(SyncedOrderItem.line_no, SyncedOrderItem.quantity)
                                   .order_by(SyncedOrderItem.line_no)).all()
        assert [tuple(r) for r in lines] == [(1, 1), (2, 2)]


def test_snapshots_of_one_order_in_one_push_leave_the_newest_lines(app, till):
    """Lines of a batch are written at its end: only the newest snapshot's, once, also
    when an older snapshot comes after it and when the order had lines already."""
    first = order(till.outlet_id, lines=4)
    till.push([till.event("order.snapshot", first)])
    same = {"uuid": first["uuid"]}
    till.push([till.event("order.snapshot", order(till.outlet_id, lines=3, version=2, **same)),
               till.event("order.snapshot", order(till.outlet_id, lines=2, version=4, **same)),
               till.event("order.snapshot", order(till.outlet_id, lines=1, version=3, **same))])
    fresh = order(till.outlet_id, lines=3)
    till.push([till.event("order.snapshot", fresh),
               till.event("order.snapshot", order(till.outlet_id, lines=2, version=2, uuid=fresh["uuid"]))])
    with app.app_context():
        def lines(uuid):
            return [tuple(r) for r in db.session.execute(
                select(SyncedOrderItem.line_no, SyncedOrderItem.quantity).join(SyncedOrder)
                .where(SyncedOrder.uuid == uuid).order_by(SyncedOrderItem.line_no))]
        assert lines(first["uuid"]) == [(1, 1), (2, 2)]
        assert lines(fresh["uuid"]) == [(1, 1), (2, 2)]


def test_the_device_row_records_the_push(app, till):
    batch = [till.event("order.snapshot", order(till.outlet_id)) for _ in range(2)]
    response = till.client.post("/api/sync/push/", json={"events": batch},
                                headers={**till.headers, "X-Device-Time": isoformat(utcnow()
                                                                                    + timedelta(seconds=120))})
    assert response.json["last_seq"] == 2
    with app.app_context():
        row = db.session.get(DeviceRow, till.device_id)
        assert row.last_pushed_seq == 2 and 110 <= row.last_clock_skew_s <= 130 and row.last_seen_at is not None
    empty = till.client.post("/api/sync/push/", json={"events": []}, headers=till.headers)
    assert empty.json["last_seq"] == 2


# --- the hot path's cost does not depend on the order's size -------------------------------------

def test_a_new_order_costs_the_same_statements_whatever_its_lines(app, till):
    """One upsert of the order; SQLite also deletes old lines (it cannot tell a new row
    from an updated one). The claims are one INSERT ... ON CONFLICT and the lines one
    INSERT for the whole batch. No flush, savepoint, reload or transaction of its own:
    the batch has one."""
    counts = []
    for lines in (1, 6):
        with Commits(app) as commits:
            till.push([till.event("order.snapshot", order(till.outlet_id, lines=lines))])
        counts.append(commits.statements)
    assert counts[0] == counts[1]
    with Commits(app) as commits:
        till.push([till.event("order.snapshot", order(till.outlet_id, lines=3)) for _ in range(4)])
    per_event = (commits.statements - counts[0]) / 3
    assert per_event == (1 if commits.dialect.name == "postgresql" else 2), commits.statements


def test_an_event_twice_in_one_push_applies_once(app, till):
    sold = order(till.outlet_id)
    paid = till.event("payment.recorded", payment(sold["uuid"]))
    results = till.push([till.event("order.snapshot", sold), paid, paid])
    assert [r["status"] for r in results] == ["applied", "applied", "duplicate"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SyncedPayment)) == 1
        assert db.session.scalar(select(func.count()).select_from(ProcessedEvent)
                                 .where(ProcessedEvent.event_id == paid["event_id"])) == 1


def test_a_duplicate_costs_one_statement_after_the_batch_s_claim(app, till):
    batch = [till.event("order.snapshot", order(till.outlet_id)) for _ in range(3)]
    till.push(batch)
    with Commits(app) as one:
        till.push(batch[:1])
    with Commits(app) as three:
        till.push(batch)
    # the batch's claim finds the rows taken; each one's row is read
    assert (three.statements - one.statements) / 2 == 1


def test_a_rejection_after_retried_races_is_still_recorded(app, till, monkeypatch):
    """The batch's attempt and three races event by event (IntegrityError), then a
    rejection: the rejection uses none of the retries, so the event is recorded as
    rejected instead of failing the push."""
    from sqlalchemy.exc import IntegrityError

    from cloud.services import ingest

    calls = []

    def racing_then_rejecting(ctx, data):
        calls.append(ctx.seq)
        if len(calls) <= ingest.MAX_ATTEMPTS:  # the batch's attempt, then MAX_ATTEMPTS - 1 retries
            raise IntegrityError("INSERT", {}, Exception("a twin of this order committed first"))
        raise ingest.EventRejected("rejected at last")

    monkeypatch.setitem(ingest.APPLY, "order.snapshot", racing_then_rejecting)
    result = till.push([till.event("order.snapshot", order(till.outlet_id))])[0]
    assert result["status"] == "rejected" and result["reason"] == "rejected at last"
    assert len(calls) == ingest.MAX_ATTEMPTS + 1
    with app.app_context():
        assert db.session.scalars(select(ProcessedEvent.status)).all() == ["rejected"]
