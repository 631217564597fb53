"""The relay and the cloud's ingest, in process: exactly-once application, dead letters,
backoff and the breaker, re-authentication, loyalty and promotion reconciliation."""
import json

import pytest

from cloud.extensions import db as cloud_db
from cloud.models import Customer as CloudCustomer
from cloud.models import ProcessedEvent, Promotion, PromotionAllowance, SyncedOrder, SyncedPayment, SyncedShift
from edge.extensions import db
from edge.models import OutboxEvent
from edge.services.syncing import puller
from edge.services.syncing import status as sync_status
from edge.services.syncing.relay import Relay
from sync.client import Unreachable
from sync.ids import canonical_json, sha256_hex


def relay_for(edge_app, client, **kw):
    kw.setdefault("rng", lambda: 1.0)
    return Relay(client, **kw)


def sell(till, *items, pay=True, **fields):
    order = till.order(*(items or (till.item("DR-COLA", 2),)), **fields)
    if pay:
        assert till.pay(order["id"], "cash", tendered="1000000.00").status_code == 201
    return order


def send_sign_ins(edge_app, device_client):
    """Push what the fixtures' sign-ins queued (their audit records), so a test counting
    events counts its own."""
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()


def cloud_orders(cloud_app):
    with cloud_app.app_context():
        return {o.uuid: (o.version, o.total_amount, o.status) for o in cloud_db.session.query(SyncedOrder)}


def test_pushed_orders_reach_the_cloud_with_identical_totals(edge_app, cloud_app, device_client, cashier):
    cashier.open_shift()
    order = sell(cashier, cashier.item("PZ-PEPP", 1, ["Large"]), cashier.item("DR-COLA", 3))
    with edge_app.app_context():
        outcome = relay_for(edge_app, device_client).drain()
    assert outcome.sent >= 4 and outcome.dead == 0
    stored = cloud_orders(cloud_app)[order["uuid"]]
    assert stored[1] == int(round(float(order["total_amount"]) * 100))
    assert cashier.get(f"/api/orders/{order['id']}/").json["sync_status"] == "synced"
    with cloud_app.app_context():
        payment = cloud_db.session.query(SyncedPayment).one()
        assert payment.order_uuid == order["uuid"] and payment.method == "cash"
        assert cloud_db.session.query(SyncedShift).count() == 1


def test_an_order_is_pending_until_its_latest_version_is_synced(edge_app, device_client, cashier):
    order = sell(cashier, pay=False)
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    assert cashier.get(f"/api/orders/{order['id']}/").json["sync_status"] == "synced"
    cashier.patch(f"/api/orders/{order['id']}/", {"note": "no ice"})
    assert cashier.get(f"/api/orders/{order['id']}/").json["sync_status"] == "pending"


def test_replaying_a_batch_applies_nothing_twice(edge_app, cloud_app, device_client, cashier):
    cashier.open_shift()
    sell(cashier)
    with edge_app.app_context():
        events = db.session.query(OutboxEvent).order_by(OutboxEvent.seq).all()
        from edge.services.syncing.relay import wire_event

        batch = [wire_event(e) for e in events]
    first = device_client.push(batch).body["results"]
    again = device_client.push(list(reversed(batch))).body["results"]
    assert {r["status"] for r in first} == {"applied"}
    assert {r["status"] for r in again} == {"duplicate"}
    with cloud_app.app_context():
        assert cloud_db.session.query(SyncedOrder).count() == 1
        assert cloud_db.session.query(SyncedPayment).count() == 1


def test_an_older_order_snapshot_never_overwrites_a_newer_one(edge_app, cloud_app, device_client, cashier):
    order = sell(cashier, pay=False)
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    with edge_app.app_context():
        from edge.services.syncing.relay import wire_event

        events = [wire_event(e) for e in db.session.query(OutboxEvent).filter_by(type="order.snapshot")
                  .order_by(OutboxEvent.seq.desc())]
    device_client.push(events)  # newest first
    assert cloud_orders(cloud_app)[order["uuid"]][0] == 2
    assert cloud_orders(cloud_app)[order["uuid"]][2] == "confirmed"


def test_same_event_id_with_other_content_is_a_conflict_and_parked(edge_app, cloud_app, device_client, cashier):
    sell(cashier, pay=False)
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
        event = db.session.query(OutboxEvent).order_by(OutboxEvent.seq).first()
        payload = json.loads(event.payload)
        payload["note"] = "tampered"
        body = canonical_json(payload)
        event.payload, event.payload_sha256, event.status = body, sha256_hex(payload), "pending"
        db.session.commit()
        outcome = relay_for(edge_app, device_client).drain()
        assert outcome.dead == 1
        dead = db.session.get(OutboxEvent, event.seq)
        assert dead.status == "dead" and dead.dead_reason.startswith("conflict")


def test_an_event_naming_another_outlet_is_rejected_and_the_queue_moves_on(edge_app, cloud_app, device_client,
                                                                           cashier, manager):
    first = sell(cashier, pay=False)
    with edge_app.app_context():
        event = db.session.query(OutboxEvent).filter_by(type="order.snapshot").first()
        payload = json.loads(event.payload)
        payload["outlet_id"] = 999
        event.payload, event.payload_sha256 = canonical_json(payload), sha256_hex(payload)
        db.session.commit()
    second = sell(cashier, pay=False)
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    assert second["uuid"] in cloud_orders(cloud_app)
    assert first["uuid"] not in cloud_orders(cloud_app)
    status = manager.get("/api/sync/status/").json
    assert status["pending"] == 0 and status["dead_count"] == 1
    assert "outlet 999" in status["dead"][0]["reason"]


def test_a_manager_retries_or_dismisses_a_dead_letter_and_it_is_recorded(edge_app, device_client, cashier, manager):
    sell(cashier, pay=False)
    with edge_app.app_context():
        event = db.session.query(OutboxEvent).first()
        event.status, event.dead_reason = "dead", "rejected: test"
        db.session.commit()
        seq = event.seq
    assert cashier.post(f"/api/sync/dead-letters/{seq}/retry/").status_code == 403
    retried = manager.post(f"/api/sync/dead-letters/{seq}/retry/")
    assert retried.json == {"seq": seq, "status": "pending", "resolution": "retried"}
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
        event = db.session.get(OutboxEvent, seq)
        assert event.status == "sent" and event.resolved_by is not None
    again = manager.post(f"/api/sync/dead-letters/{seq}/dismiss/")
    assert again.status_code == 409 and again.json["code"] == "NOT_DEAD"


class DownClient:
    """A cloud that cannot be reached."""

    def __init__(self):
        self.calls = 0

    def push(self, events):
        self.calls += 1
        raise Unreachable("connection refused")


def test_transport_failures_back_off_and_open_the_breaker(edge_app, cashier, manager):
    sell(cashier, pay=False)
    down = DownClient()
    with edge_app.app_context():
        relay = Relay(down, base_s=1.0, cap_s=60.0, breaker_threshold=3, rng=lambda: 1.0)
        assert relay.push_once().error
        assert relay.push_once().skipped  # waiting out the backoff
        for _ in range(2):
            relay.backing_off_until = 0.0  # let time pass (the backoff runs on the monotonic clock)
            relay.push_once()
        state = db.session.get(sync_status.SyncState, 1)
        assert state.consecutive_failures == 3
        delay = (state.next_attempt_at - state.last_push_at).total_seconds()
        assert 3.5 <= delay <= 4.5  # full jitter's upper bound at the 3rd failure: min(60, 1 * 2^2)
    status = manager.get("/api/sync/status/").json
    assert status["breaker"] == "open" and status["pending"] >= 1
    assert "connection refused" in status["last_push_error"]
    assert down.calls == 3


def test_after_a_failure_the_next_attempt_sends_one_event_then_whole_batches(edge_app, device_client, cashier):
    """While the cloud is away each retry is a probe of one event, not a batch read and
    encoded for nothing; once one gets through, batches are whole again."""
    send_sign_ins(edge_app, device_client)
    for _ in range(5):
        sell(cashier, pay=False)  # one event each

    class Flaky:
        def __init__(self, failures):
            self.failures, self.sizes = failures, []

        def push(self, events):
            self.sizes.append(len(events))
            if len(self.sizes) <= self.failures:
                raise Unreachable("connection refused")
            return device_client.push(events)

    flaky = Flaky(failures=3)
    with edge_app.app_context():
        relay = relay_for(edge_app, flaky, batch=4)
        for _ in range(4):
            relay.backing_off_until = 0.0  # let the backoff pass (monotonic clock)
            relay.push_once()
        pending = db.session.query(OutboxEvent).filter_by(status="pending").count()
    assert flaky.sizes == [4, 1, 1, 1]  # three failures, then the probe got through
    assert pending == 4
    with edge_app.app_context():
        relay.push_once()
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() == 0
    assert flaky.sizes == [4, 1, 1, 1, 4]  # whole batches again


def test_full_jitter_stays_under_the_cap():
    relay = Relay(None, base_s=1.0, cap_s=60.0, rng=lambda: 0.999)
    assert relay.backoff_delay(1) <= 1.0
    assert relay.backoff_delay(10) <= 60.0
    assert Relay(None, rng=lambda: 0.0).backoff_delay(5) == 0.0


def test_a_success_closes_the_breaker(edge_app, device_client, cashier, manager):
    sell(cashier, pay=False)
    with edge_app.app_context():
        state = sync_status.state(db.session)
        state.consecutive_failures, state.next_attempt_at = 5, None
        db.session.commit()
    assert manager.get("/api/sync/status/").json["breaker"] == "half_open"
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    status = manager.get("/api/sync/status/").json
    assert status["breaker"] == "closed" and status["pending"] == 0 and status["last_success_at"]


def test_a_cut_response_leaves_events_pending_and_a_resend_is_a_duplicate(edge_app, cloud_app, device_client,
                                                                          cashier):
    sell(cashier, pay=False)

    class CutAnswer:
        def push(self, events):
            device_client.push(events)  # the cloud commits ...
            from sync.client import Exchange

            return Exchange({}, None)   # ... but the answer arrives empty

    with edge_app.app_context():
        assert Relay(CutAnswer(), rng=lambda: 0.0).push_once().error
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() > 0
        relay_for(edge_app, device_client).drain(force=True)
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() == 0
    with cloud_app.app_context():
        assert cloud_db.session.query(SyncedOrder).count() == 1


def test_an_expired_device_token_is_renewed_once(edge_app, cloud_app, device_client, cashier):
    sell(cashier, pay=False)
    device_client.authenticate()
    cloud_app.config["DEVICE_TOKEN_MINUTES"] = -1  # tokens issued now are already expired
    device_client.authenticate()
    cloud_app.config["DEVICE_TOKEN_MINUTES"] = 60
    with edge_app.app_context():
        outcome = relay_for(edge_app, device_client).drain()
    assert outcome.sent > 0 and device_client.reauthentications == 1


def test_oversized_batches_are_refused_and_the_relay_narrows_down(edge_app, cloud_app, device_client, cashier):
    for _ in range(3):
        sell(cashier, pay=False)
    cloud_app.config["SYNC_PUSH_MAX_EVENTS"] = 2
    with edge_app.app_context():
        relay = relay_for(edge_app, device_client, batch=10)
        outcome = relay.drain()
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() == 0
        assert outcome.dead == 0


def test_a_batch_answered_too_late_is_resent_smaller(edge_app, cloud_app, device_client, cashier):
    send_sign_ins(edge_app, device_client)
    for _ in range(8):
        sell(cashier, pay=False)  # one event each
    sizes = []

    class SlowCloud:
        """Applies every batch, but answers batches over 3 events after the timeout."""

        def push(self, events):
            sizes.append(len(events))
            exchange = device_client.push(events)
            if len(events) > 3:
                raise Unreachable("read timed out", timed_out=True)
            return exchange

    with edge_app.app_context():
        pending = db.session.query(OutboxEvent).filter_by(status="pending").count()
        relay = relay_for(edge_app, SlowCloud(), batch=8)
        for _ in range(20):
            relay.push_once(force=True)
            if not db.session.query(OutboxEvent).filter_by(status="pending").count():
                break
        assert db.session.query(OutboxEvent).filter_by(status="pending").count() == 0
        assert db.session.query(OutboxEvent).filter_by(status="dead").count() == 0
    assert pending == 8 and sizes[:3] == [8, 4, 2], sizes
    assert all(size <= 2 for size in sizes[2:]), sizes  # no timing out every other batch
    with cloud_app.app_context():
        assert cloud_db.session.query(SyncedOrder).count() == 8


def test_a_request_left_unanswered_is_reported_as_timed_out():
    import socket

    from sync.client import CloudClient

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts the connection; nobody ever answers
        client = CloudClient(f"http://127.0.0.1:{silent.getsockname()[1]}", device_token="t", timeout=0.3)
        client._access_token = "t"
        with pytest.raises(Unreachable) as late:
            client.push([])
    assert late.value.timed_out is True


def test_a_refused_connection_is_not_reported_as_timed_out():
    import socket

    from sync.client import CloudClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    client = CloudClient(f"http://127.0.0.1:{port}", device_token="t", timeout=0.3)
    client._access_token = "t"
    with pytest.raises(Unreachable) as refused:
        client.push([])
    assert refused.value.timed_out is False


def test_customer_and_points_reach_the_cloud_and_are_not_counted_twice(edge_app, cloud_app, device_client,
                                                                       cashier, cook):
    cashier.open_shift()
    customer = cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"}).json
    order = sell(cashier, cashier.item("PZ-PEPP", 2, ["Large"]), customer_id=customer["id"])
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    cashier.post(f"/api/orders/{order['id']}/complete/")
    points = cashier.get(f"/api/customers/{customer['id']}/").json["points"]
    assert points > 0
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    with cloud_app.app_context():
        stored = cloud_db.session.query(CloudCustomer).filter_by(uuid=customer["uuid"]).one()
        assert (stored.points, stored.total_orders) == (points, 1)
    with edge_app.app_context():
        puller.pull_all(device_client)
    after = cashier.get(f"/api/customers/{customer['id']}/").json
    assert after["points"] == points and after["total_orders"] == 1 and after["synced"] is True


def test_promotion_usage_is_counted_once_in_the_cloud(edge_app, cloud_app, device_client, cashier, manager):
    order = sell(cashier, cashier.item("PZ-MARG", 1, ["Regular"]), pay=False, promo_codes=["WEEKEND30"])
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    with cloud_app.app_context():
        assert cloud_db.session.query(Promotion).filter_by(code="WEEKEND30").one().usage_count == 1
    manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "left"})
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    with cloud_app.app_context():
        assert cloud_db.session.query(Promotion).filter_by(code="WEEKEND30").one().usage_count == 0


def test_uses_of_a_promotion_deleted_meanwhile_are_accepted_without_a_dead_letter(
        edge_app, cloud_app, device_client, cashier):
    order = sell(cashier, cashier.item("PZ-MARG", 1, ["Regular"]), pay=False, promo_codes=["WEEKEND30"])
    with cloud_app.app_context():
        promotion = cloud_db.session.query(Promotion).filter_by(code="WEEKEND30").one()
        cloud_db.session.query(PromotionAllowance).filter_by(promotion_id=promotion.id).delete()
        cloud_db.session.delete(promotion)
        cloud_db.session.commit()
    with edge_app.app_context():
        outcome = relay_for(edge_app, device_client).drain()
    assert outcome.dead == 0
    assert cloud_orders(cloud_app)[order["uuid"]][1] == int(round(float(order["total_amount"]) * 100))


def test_uses_of_a_promotion_that_never_existed_are_dead_letters(edge_app, device_client, cashier):
    sell(cashier, cashier.item("PZ-MARG", 1, ["Regular"]), pay=False, promo_codes=["WEEKEND30"])
    with edge_app.app_context():
        use = db.session.query(OutboxEvent).filter_by(type="promotion.usage").one()
        payload = json.loads(use.payload)
        payload["promotion_id"] = 987654
        use.payload = canonical_json(payload)
        use.payload_sha256 = sha256_hex(payload)
        db.session.commit()
        outcome = relay_for(edge_app, device_client).drain()
        assert outcome.dead == 1
        assert sync_status.dead_letters(db.session)[0]["reason"] == "rejected: unknown promotion 987654"


def test_a_limited_promotion_never_grants_more_than_the_allowance(edge_app, cloud_app, device_client, cashier):
    with cloud_app.app_context():
        promotion = cloud_db.session.query(Promotion).filter_by(promo_type="fixed_amount").one()
        promotion.usage_limit = 2
        cloud_db.session.query(PromotionAllowance).delete()
        cloud_db.session.commit()
    with edge_app.app_context():
        puller.pull_all(device_client)
    big = [cashier.item("PZ-PEPP", 3, ["Large"])]  # above the Rp 250.000 minimum
    discounted = [bool([p for p in cashier.order(*big)["promotions"] if "Rp 20.000" in p["name"]])
                  for _ in range(3)]
    assert discounted == [True, True, False]
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
    with cloud_app.app_context():
        allowance = cloud_db.session.query(PromotionAllowance).one()
        assert (allowance.granted, allowance.used) == (2, 2)


def test_push_bodies_are_size_limited(cloud_app, device_client):
    cloud_app.config["MAX_CONTENT_LENGTH"] = 1000
    from sync.client import Refused

    with pytest.raises(Refused) as refused:
        device_client.push([{"seq": 1, "event_id": "x" * 36, "type": "t", "occurred_at": "2026-01-01T00:00:00Z",
                             "payload": {"blob": "y" * 5000}, "payload_sha256": "0" * 64}])
    assert refused.value.status == 413


def test_processed_events_record_every_applied_event(edge_app, cloud_app, device_client, cashier):
    sell(cashier, pay=False)
    with edge_app.app_context():
        relay_for(edge_app, device_client).drain()
        count = db.session.query(OutboxEvent).count()
    with cloud_app.app_context():
        assert cloud_db.session.query(ProcessedEvent).filter_by(status="applied").count() == count


def test_a_device_clock_an_hour_ahead_is_recorded_and_warned_about(
        edge_app, cloud_app, device_client, cashier, monkeypatch, caplog):
    from datetime import timedelta

    import sync.client
    from cloud.models import Device
    from sync.timeutil import utcnow

    monkeypatch.setattr(sync.client, "utcnow", lambda: utcnow() + timedelta(hours=1))
    sell(cashier, pay=False)
    with edge_app.app_context(), caplog.at_level("WARNING", logger="cloud.api.sync"):
        relay_for(edge_app, device_client).drain()
    with cloud_app.app_context():
        assert 3590 <= cloud_db.session.query(Device).one().last_clock_skew_s <= 3600
    assert any("clock is +3" in r.getMessage() for r in caplog.records if r.name == "cloud.api.sync")


def test_a_device_clock_within_the_tolerance_is_not_warned_about(edge_app, device_client, cashier, caplog):
    sell(cashier, pay=False)
    with edge_app.app_context(), caplog.at_level("WARNING", logger="cloud.api.sync"):
        relay_for(edge_app, device_client).drain()
    assert not [r for r in caplog.records if r.name == "cloud.api.sync"]
