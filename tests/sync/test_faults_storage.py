"""The edge's disk and database under real faults: a disk that fills up and frees again
(a size-limited tmpfs under the data dir), a damaged database page, and a database that
would grow without end. Each has its own answer, health tells the truth, and selling
resumes (by itself, or after `pos edge recover`) with nothing lost or doubled.
"""
import json
import random
import sqlite3
import time

import pytest
import requests

from tests.support.processes import run_pos
from tests.sync.faults import (  # noqa: F401
    Laps,
    SmallDisk,
    SteppedClock,
    Till,
    assert_cloud_matches_edge,
    backend,
    edge_sqlite,
    make_outlet,
    report,
    templates,
    wait_drained,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _health(edge) -> tuple[int, dict]:
    answer = requests.get(f"{edge.url}/api/health/", timeout=10)
    return answer.status_code, answer.json()


def _start_answering(edge) -> None:
    """Start an edge whose health may be red (start() waits for a green one)."""
    edge.start(wait=False)
    wait_until(lambda: _answers(edge), 30, "the edge to answer")


def _answers(edge) -> bool:
    try:
        requests.get(f"{edge.url}/api/health/", timeout=2)
        return True
    except requests.RequestException:
        return False


def _count(data_dir, sql: str) -> int:
    with edge_sqlite(data_dir) as db:
        return db.execute(sql).fetchone()[0]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_full_disk_is_its_own_error_and_selling_resumes_by_itself(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet(edge_env={"POS_EDGE_STORAGE_LOW_MB": "1"})
    edge = outlet.edge
    disk = SmallDisk(edge.data_dir, 48)
    try:
        outlet.cloud.start()
        edge.start()
        cashier = Till(edge)
        cashier.open_shift()
        rng = random.Random(7)
        for _ in range(3):
            cashier.pay_cash(cashier.order(rng))
        unpaid = cashier.order(rng)
        wait_drained(edge, 30)
        before = _count(edge.data_dir, "SELECT count(*) FROM orders")
        laps.lap("sell")

        disk.fill()
        status, body = _health(edge)
        assert status == 503 and body["status"] == "degraded" and body["storage"]["state"] == "full", body
        refused = cashier.call("POST", "/api/orders/", {"items": cashier.cart(rng)})
        assert refused.status_code == 507, refused.text
        assert refused.json()["code"] == "STORAGE_FULL" and "disk is full" in refused.json()["message"]
        paying = cashier.call("POST", "/api/payments/", {"order_id": unpaid["id"], "method": "cash",
                                                        "tendered": unpaid["balance_due"]})
        assert paying.status_code == 507 and paying.json()["code"] == "STORAGE_FULL", paying.text
        bar = cashier.ok("GET", "/api/status/")
        assert bar["storage"]["state"] == "full" and bar["storage"]["message"]
        assert _count(edge.data_dir, "SELECT count(*) FROM orders") == before  # nothing half-written
        laps.lap("full")

        disk.free()
        wait_until(lambda: _health(edge)[0] == 200, 10, "health to turn green")
        cashier.pay_cash(cashier.ok("GET", f"/api/orders/{unpaid['id']}/"))
        cashier.pay_cash(cashier.order(rng))  # selling resumed by itself
        wait_drained(edge, 30)
        agreed = assert_cloud_matches_edge(outlet)
        laps.lap("freed")
        assert edge.alive
        report("disk-full", orders=agreed.orders, payments=agreed.payments, laps=laps)
    finally:
        edge.stop()
        disk.unmount()


def _damage_an_index_page(data_dir, index: str) -> int:
    """Overwrite the root page of `index` with garbage (after a checkpoint, so the WAL
    holds no newer copy of it); returns the page number."""
    path = data_dir / "edge.sqlite3"
    connection = sqlite3.connect(str(path))
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
    connection.close()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(bytes(random.Random(root).randrange(256) for _ in range(page_size)))
    return root


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_damaged_database_stops_selling_says_so_once_and_recovers(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    edge = outlet.edge
    outlet.cloud.start()
    edge.start()
    cashier = Till(edge)
    cashier.open_shift()
    rng = random.Random(8)
    sold = [cashier.order(rng) for _ in range(6)]
    for order in sold[:3]:
        cashier.pay_cash(order)
    wait_drained(edge, 30)
    edge.stop()
    page = _damage_an_index_page(edge.data_dir, "ix_orders_status")
    laps.lap("sell")

    _start_answering(edge)
    status, body = _health(edge)
    assert status == 503 and body["database"] == "error" and "pos edge recover" in body["message"], body
    # the session from before the damage still stands; a new sign-in is refused like a sale (it writes its audit record)
    login = requests.post(f"{edge.url}/api/auth/login/", json={"username": "cashier", "pin": "1234"}, timeout=10)
    assert (login.status_code, login.json()["code"]) == (503, "DATABASE_DAMAGED"), login.text
    refused = cashier.call("POST", "/api/orders/", {"items": cashier.cart(rng)})
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "DATABASE_DAMAGED"
    assert f"pos edge recover --data-dir {edge.data_dir}" in refused.json()["message"]
    listing = cashier.call("GET", "/api/orders/?status=pending")  # a read through the damaged index
    assert listing.status_code in (200, 503), listing.text
    time.sleep(4)  # the relay, pull and their loops run (every second): nothing more is said
    log = edge.log()
    assert log.count("is damaged") == 1, log
    assert "Traceback" not in log, log
    edge.stop()
    laps.lap("damaged")

    shown = run_pos("edge", "recover", "--data-dir", str(edge.data_dir))
    assert "new database: sound" in shown, shown
    assert "orders" in shown
    edge.start()
    assert _health(edge)[0] == 200
    cashier = Till(edge)
    assert cashier.ok("GET", "/api/orders/?status=pending&page_size=100")["count"] == len(sold)  # all still there
    cashier.pay_cash(cashier.order(rng))
    wait_drained(edge, 30)
    agreed = assert_cloud_matches_edge(outlet)
    laps.lap("recovered")
    report("damaged-db", page=page, orders=agreed.orders, laps=laps)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_acknowledged_events_and_old_idempotency_records_are_pruned_and_space_given_back(make_outlet,  # noqa: F811
                                                                                          tmp_path):
    laps = Laps()
    clock = SteppedClock(tmp_path / "clock")
    outlet = make_outlet(edge_env={**clock.env, "POS_EDGE_MAINTENANCE_INTERVAL_S": "2"})
    edge = outlet.edge
    outlet.cloud.start()
    edge.start()
    cashier = Till(edge)
    cashier.open_shift()
    rng = random.Random(9)
    for index in range(60):
        order = cashier.ok("POST", "/api/orders/", {"items": cashier.cart(rng)},
                           headers={"Idempotency-Key": f"order-{index}"})
        cashier.pay_cash(order)
    wait_drained(edge, 60)
    data = edge.data_dir
    events, keys = _count(data, "SELECT count(*) FROM outbox"), _count(data, "SELECT count(*) FROM idempotency_keys")
    top_seq = _count(data, "SELECT max(seq) FROM outbox")
    size_before = _health(edge)[1]["storage"]["database_bytes"]
    assert events >= 120 and keys == 60
    laps.lap("sell")

    clock.set("+8d")  # past both retention times (7 days, 48 hours)
    wait_until(lambda: _count(data, "SELECT count(*) FROM outbox") == 0, 30, "acknowledged events to be pruned")
    wait_until(lambda: _count(data, "SELECT count(*) FROM idempotency_keys") == 0, 10, "old records to be pruned")
    wait_until(lambda: _health(edge)[1]["storage"]["database_bytes"] < size_before, 10, "the space to be given back")
    size_after = _health(edge)[1]["storage"]["database_bytes"]
    laps.lap("pruned")

    cashier = Till(edge)  # a week later: sign in again
    order = cashier.order(rng)
    assert _count(data, "SELECT min(seq) FROM outbox") > top_seq  # no seq handed out twice
    wait_drained(edge, 30)
    assert cashier.ok("GET", f"/api/orders/{order['id']}/")["sync_status"] == "synced"
    shown = json.loads(run_pos("sync", "status", "--json", "--data-dir", str(data), env=clock.env))
    assert shown["storage"]["database_bytes"] > 0 and shown["storage"]["state"] in ("ok", "low")
    assert "database:" in run_pos("sync", "status", "--data-dir", str(data), env=clock.env)
    report("prune", events=events, idempotency=keys, bytes_before=size_before, bytes_after=size_after,
           laps=laps)
