"""The wall clock of a RUNNING edge steps (libfaketime reading its offset from a file):
forward by a year, as when a box that booted with a wrong RTC gets NTP time, and back by
days, as when a dead RTC battery is noticed. The edge's loops count intervals on the
monotonic clock, so neither step freezes it, bloats it, or stops push and pull; and a
cashier signed in before a backward step stays signed in.
"""
import random
import time
from datetime import UTC, datetime

import pytest
import requests

from tests.sync.faults import (  # noqa: F401
    Laps,
    SteppedClock,
    Till,
    assert_cloud_matches_edge,
    backend,
    make_outlet,
    pending_count,
    report,
    rss_mb,
    templates,
    wait_drained,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _peak_rss_during(pid: int, seconds: float) -> float:
    """The highest resident size seen over `seconds` (sampled every 0.1 s)."""
    peak, deadline = 0.0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, rss_mb(pid))
        time.sleep(0.1)
    return peak


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_forward_step_of_a_year_neither_freezes_nor_bloats_the_edge(make_outlet, tmp_path):  # noqa: F811
    """With a scheduler on the wall clock, a year's step listed every missed run of the
    interval jobs (6.3 million at 5 s) on the loop: seconds frozen, hundreds of MB."""
    laps = Laps()
    clock = SteppedClock(tmp_path / "clock")
    outlet = make_outlet(edge_env={**clock.env, "POS_EDGE_PUSH_INTERVAL_S": "5", "POS_EDGE_PULL_INTERVAL_S": "5"})
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier = Till(edge)
    cashier.open_shift()
    rng = random.Random(1)
    cashier.order(rng)
    wait_drained(edge, 30)
    time.sleep(2)  # settled: the first pull and push are done
    before = rss_mb(edge.proc.pid)
    laps.lap("start")

    clock.set("+365d")
    peak = _peak_rss_during(edge.proc.pid, 8)  # the step is read within a second; runs fall due within 5 s
    assert peak - before < 64, f"resident size went from {before:.0f} to {peak:.0f} MiB after the step"
    cashier = Till(edge)  # the old token has expired a year ago: sign in again
    order = cashier.order(rng)
    wait_drained(edge, 20)  # the relay still runs
    assert requests.get(f"{edge.url}/api/health/", timeout=5).json()["status"] == "ok"
    laps.lap("after step")
    synced = outlet.cloud_rows("SELECT business_date FROM orders WHERE uuid = :u", u=order["uuid"])
    assert str(synced[0]["business_date"]) > order["created_at"][:4]  # sold "next year", by the device's clock
    report("clock-forward", rss_before_mb=round(before), rss_peak_mb=round(peak), laps=laps)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_backward_step_of_two_days_stalls_neither_push_nor_pull(make_outlet, tmp_path):  # noqa: F811
    """With a scheduler on the wall clock, the next runs lay two days ahead after the step:
    a price change was not pulled, a deactivated user kept working, and the backlog of a
    short outage stayed pending with the cloud back."""
    laps = Laps()
    clock = SteppedClock(tmp_path / "clock")
    outlet = make_outlet(edge_env={**clock.env, "POS_EDGE_PULL_INTERVAL_S": "2"})
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier = Till(edge)
    cashier.open_shift()
    rng = random.Random(2)
    cashier.order(rng)
    wait_drained(edge, 30)
    time.sleep(3)  # the loops have run since the start: their next runs are planned
    laps.lap("start")

    clock.set("-2d")
    time.sleep(2)  # the edge reads the new offset within a second
    owner = {"Authorization": f"Bearer {outlet.owner_token()}"}
    product = cashier.catalog[0]
    new_price = f"{float(product['price']) + 1000:.2f}"
    answer = requests.patch(f"{outlet.cloud.url}/api/products/{product['id']}/", json={"price": new_price},
                            headers=owner, timeout=10)
    assert answer.status_code == 200, answer.text
    kitchen = requests.get(f"{outlet.cloud.url}/api/users/?search=kitchen", headers=owner, timeout=10).json()
    kitchen_id = next(u["id"] for u in kitchen["results"] if u["username"] == "kitchen")
    assert requests.delete(f"{outlet.cloud.url}/api/users/{kitchen_id}/", headers=owner, timeout=10).status_code \
        in (200, 204)

    cashier = Till(edge)  # signed in after the step (a token from before it is the next test's matter)
    wait_until(lambda: next(p for p in cashier.ok("GET", "/api/products/?page_size=100")["results"]
                            if p["id"] == product["id"])["price"] == new_price, 20, "the price change to be pulled")
    wait_until(lambda: requests.post(f"{edge.url}/api/auth/login/", json={"username": "kitchen",
                                                                           "password": "kitchen123"},
                                     timeout=10).status_code == 401, 20, "the deactivated user to be refused")
    laps.lap("pulled")

    outlet.proxy.refuse()
    sold = [cashier.order(rng) for _ in range(6)]
    time.sleep(3)  # pushes fail and back off (cap 2 s)
    assert pending_count(edge.data_dir) >= len(sold)
    outlet.proxy.resume()
    drain_s = wait_drained(edge, 20)
    laps.lap("drained")
    agreed = assert_cloud_matches_edge(outlet)
    report("clock-backward", orders=agreed.orders, drain_s=round(drain_s, 1), laps=laps)


def _backoff_left_s(manager: Till) -> float:
    """Seconds until the relay's next scheduled attempt, as the dashboard shows it."""
    status = manager.sync_status()
    if not status["next_attempt_at"]:
        return 0.0
    planned = datetime.fromisoformat(status["next_attempt_at"])
    return (planned - datetime.now(UTC)).total_seconds()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sale_during_backoff_lets_one_probe_through(make_outlet):  # noqa: F811
    """After an outage the relay backs off for up to a minute. It used to skip the kick of
    every new sale meanwhile, so the first acknowledgement waited out the backoff with
    sales going on (22 s in the outside run). A sale now sends one probe."""
    laps = Laps()
    outlet = make_outlet(edge_env={"POS_EDGE_BACKOFF_BASE_S": "60", "POS_EDGE_BACKOFF_CAP_S": "60",
                                   "POS_EDGE_PUSH_INTERVAL_S": "1"})
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier, manager = Till(edge), Till(edge, "manager")
    cashier.open_shift()
    rng = random.Random(4)
    cashier.order(rng)
    wait_drained(edge, 30)
    outlet.proxy.refuse()
    cashier.order(rng)
    # full jitter draws the wait at random: wait for failures until one is long
    wait_until(lambda: _backoff_left_s(manager) >= 20, 120, "a backoff of 20 s or more")
    laps.lap("backing off")
    outlet.proxy.resume()
    time.sleep(3.5)  # the till's next sale comes a few seconds later (probes are at most one per 3 s)
    left = _backoff_left_s(manager)
    cashier.order(rng)  # the kick of this sale is the probe
    seen_s = wait_drained(edge, 10)
    laps.lap("probe")
    assert manager.sync_status()["breaker"] == "closed"
    report("kick-probe", backoff_left_s=round(left, 1), acknowledged_after_s=round(seen_s, 1), laps=laps)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_backward_step_signs_nobody_out(make_outlet, tmp_path):  # noqa: F811
    """Tokens the edge issued before its clock stepped back two days read as "issued in
    the future": every till was signed out. Within the leeway they stay valid (refresh
    too); a token is still refused once past its expiry, and beyond the leeway."""
    clock = SteppedClock(tmp_path / "clock")
    outlet = make_outlet(edge_env={**clock.env, "POS_EDGE_ACCESS_TOKEN_MINUTES": "60"})
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier = Till(edge)
    login = requests.post(f"{edge.url}/api/auth/login/", json={"username": "manager", "password": "manager123"},
                          timeout=10).json()
    cashier.open_shift()
    rng = random.Random(5)

    clock.set("-2d")
    time.sleep(2)  # read within a second
    assert cashier.call("GET", "/api/users/me/").status_code == 200
    assert cashier.call("POST", "/api/orders/", {"items": cashier.cart(rng)}).status_code == 201
    refreshed = requests.post(f"{edge.url}/api/auth/refresh/", json={"refresh": login["refresh"]}, timeout=10)
    assert refreshed.status_code == 200, refreshed.text

    clock.set("+2h")  # the access token (60 min) has expired by this clock: refused as expired
    time.sleep(2)
    expired = cashier.call("GET", "/api/users/me/")
    assert expired.status_code == 401 and expired.json()["code"] == "TOKEN_EXPIRED"

    fresh = Till(edge)
    clock.set("-4d")  # beyond the leeway (3 days): a sign-in is needed
    time.sleep(2)
    assert fresh.call("GET", "/api/users/me/").status_code == 401
