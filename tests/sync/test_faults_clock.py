"""A device clock a day ahead, then a day behind (run under libfaketime).

The edge process runs with its wall clock moved by `faketime` (LD_PRELOAD of
libfaketime; the monotonic clock is left alone, as on a device whose RTC is wrong). It
sells a day ahead; the cloud goes away while it keeps selling; then the device restarts
with its clock two days back (a dead RTC battery) and changes the orders it sold
"tomorrow". Ordering uses the outbox sequence, never timestamps: the cloud keeps every
order's latest version although its timestamps went backwards, applies events in
sequence order, records its own receive time, and records the device's skew, which
`pos sync status` and GET /api/sync/status/ show.
"""
import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.sync.conftest import (  # noqa: F401
    cloud_app,
    cloud_client_factory,
    edge_app,
    seeded_cloud_file,
)
from tests.sync.faults import (  # noqa: F401
    Laps,
    Till,
    assert_cloud_matches_edge,
    backend,
    check_dashboard,
    faketime_env,
    make_outlet,
    read_dashboard,
    report,
    templates,
    wait_drained,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
DAY = 86400


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _near(value, expected: datetime, slack_s: float) -> bool:
    value = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return abs((value - expected).total_seconds()) <= slack_s


@pytest.mark.postgres
def test_a_clock_a_day_ahead_then_a_day_behind_reorders_and_duplicates_nothing(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    edge = outlet.edge
    outlet.cloud.start()
    ahead, behind = faketime_env("+1d"), faketime_env("-1d")
    edge.env.update(ahead)
    edge.start()
    cashier, manager, cook = Till(edge), Till(edge, "manager"), Till(edge, "kitchen")
    cashier.open_shift()
    rng = random.Random(1)
    tomorrow = [cashier.order(rng) for _ in range(8)]
    for order in tomorrow[:4]:
        cashier.ok("POST", f"/api/orders/{order['id']}/confirm/")
    wait_drained(edge, 30)
    check_dashboard(read_dashboard(edge, manager, env=ahead), pending=0, succeeded=True, skew=(DAY - 5, DAY + 5),
                    cursor=outlet.cursor_range())
    laps.lap("ahead")

    outlet.proxy.refuse()  # the cloud goes away; the relay backs off (on the clock of "tomorrow")
    tomorrow += [cashier.order(rng) for _ in range(4)]
    wait_until(lambda: manager.sync_status()["consecutive_failures"] >= 2, 20, "failed pushes")
    edge.kill()
    edge.env.update(behind)  # the RTC lost power: two days back
    edge.start()
    outlet.proxy.resume()
    cashier, manager, cook = Till(edge), Till(edge, "manager"), Till(edge, "kitchen")  # tokens from "the future"
    yesterday = [cashier.order(rng) for _ in range(4)]
    for order in tomorrow[:4]:  # versions 3 and 4, with timestamps two days before version 2's
        cook.ok("POST", f"/api/kitchen/orders/{order['id']}/ready/")
        cashier.pay_cash(cashier.ok("GET", f"/api/orders/{order['id']}/"))
    for order in tomorrow[4:6]:
        cashier.ok("POST", f"/api/orders/{order['id']}/cancel/", {"reason": "changed their mind"})
    drain_s = wait_drained(edge, 30)  # the backoff set "tomorrow" must not stall the relay for two days
    laps.lap("behind")

    agreed = assert_cloud_matches_edge(outlet)
    assert agreed.orders == len(tomorrow) + len(yesterday)
    applied = outlet.cloud_rows("SELECT id, seq, received_at, occurred_at FROM processed_events ORDER BY id")
    seqs = [row["seq"] for row in applied]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "the cloud applied events out of sequence"
    now = _now()
    assert all(_near(row["received_at"], now, 120) for row in applied), "the cloud's receive time is its own"
    orders = {row["uuid"]: row for row in outlet.cloud_rows("SELECT uuid, created_at, received_at, version "
                                                            "FROM orders")}
    for order in tomorrow:
        assert _near(orders[order["uuid"]]["created_at"], now + timedelta(days=1), 300)
    for order in yesterday:
        assert _near(orders[order["uuid"]]["created_at"], now - timedelta(days=1), 300)
    assert all(orders[o["uuid"]]["version"] >= 3 for o in tomorrow[:4])
    device = outlet.cloud_rows("SELECT last_clock_skew_s FROM devices")[0]
    assert -DAY - 60 <= device["last_clock_skew_s"] <= -DAY + 60, device
    board = read_dashboard(edge, manager, env=behind)
    check_dashboard(board, pending=0, succeeded=True, skew=(-DAY - 5, -DAY + 5), cursor=outlet.cursor_range())
    laps.lap("check")
    report("clock", backend=outlet.backend, orders=agreed.orders, events=agreed.events, drain_s=round(drain_s, 1),
           cloud_skew_s=device["last_clock_skew_s"], edge_skew_s=board.cli["clock_skew_s"], laps=laps)


def test_a_backoff_is_timed_on_the_monotonic_clock_not_the_wall_clock(edge_app):  # noqa: F811
    """In process, the rule behind the scenario above: the relay waits out its backoff on
    the monotonic clock. The wall-clock `next_attempt_at` in the database (for the
    dashboard) may lie days ahead after the clock went back; it stalls nothing."""
    import time

    from edge.extensions import db
    from edge.services.syncing import status as sync_status
    from edge.services.syncing.relay import Relay
    from sync.timeutil import utcnow

    relay = Relay(None, cap_s=60.0)
    with edge_app.app_context():
        state = sync_status.state(db.session)
        state.consecutive_failures, state.next_attempt_at = 5, utcnow() + timedelta(days=2)
        db.session.commit()
        assert relay._may_try() is True
        relay.backing_off_until = time.monotonic() + 30
        assert relay._may_try() is False and relay.backing_off
        relay.backing_off_until = time.monotonic() - 0.001
        assert relay._may_try() is True and not relay.backing_off
