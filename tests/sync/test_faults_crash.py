"""The edge process is SIGKILLed at random moments during a burst of orders.

Three tills place orders with a `client_uuid` and retry every unacknowledged order with
the same `client_uuid` until the edge answers (the kiosk's and the POS's retry rule).
The edge is killed (SIGKILL of its process group: no cleanup, no flush) 20 times while
it serves them and pushes to the cloud, plus twice while it boots. After every
crash, before the restart: the database passes `PRAGMA integrity_check`, every
acknowledged order is there exactly once, every order has exactly one outbox event of its
first version (order.snapshot version 1) and no event points at a missing order. At the
end the backlog drains and the cloud holds every acknowledged order exactly once.
"""
import random
import threading
import time
import uuid

import pytest
import requests

from tests.sync.faults import (  # noqa: F401
    Laps,
    Till,
    assert_cloud_matches_edge,
    backend,
    check_dashboard,
    cloud_facts,
    edge_sqlite,
    make_outlet,
    pending_count,
    read_dashboard,
    report,
    templates,
    wait_drained,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS_WHILE_SERVING = 20
KILLS_WHILE_BOOTING = 2
TILLS = 3


class Tills:
    """Tills that retry unacknowledged orders with the same client_uuid."""

    def __init__(self, cashier: Till, count: int):
        self.cashier = cashier
        self.lock = threading.Lock()
        self.acked: dict[str, dict] = {}
        self.retried = 0          # orders that needed more than one try
        self.found_on_retry = 0   # ... of which the edge had committed before the crash (200, same order)
        self.refused: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(count)]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self.threads), "a till could not get its order acknowledged"

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        while not self.stop.is_set():
            client_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            body = {"client_uuid": client_uuid, "items": self.cashier.cart(rng), "source": "kiosk"}
            tries = 0
            while True:
                tries += 1
                try:
                    response = self.cashier.call("POST", "/api/orders/", body, timeout=10)
                except requests.RequestException:
                    time.sleep(0.05)  # killed mid-request, or down: the same order again
                    continue
                if response.status_code not in (200, 201):
                    with self.lock:
                        self.refused.append(f"{response.status_code} {response.text[:200]}")
                    time.sleep(0.1)
                    continue
                with self.lock:
                    self.acked[client_uuid] = response.json()
                    if tries > 1:
                        self.retried += 1
                        self.found_on_retry += response.status_code == 200
                break

    def acknowledged(self) -> dict[str, dict]:
        with self.lock:
            return dict(self.acked)


def check_after_crash(data_dir, acked: dict[str, dict]) -> int:
    """The file the restart will open: intact, and exactly one order (and one first
    snapshot) per client_uuid. Returns the number of orders."""
    with edge_sqlite(data_dir) as db:
        assert [tuple(r) for r in db.execute("PRAGMA integrity_check")] == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        orders = {row[0]: (row[1], row[2]) for row in db.execute("SELECT uuid, order_number, version FROM orders")}
        firsts = db.execute("SELECT aggregate_id, count(*) FROM outbox WHERE type = 'order.snapshot' "
                            "AND aggregate_version = 1 GROUP BY aggregate_id").fetchall()
        aggregates = {row[0] for row in db.execute(
            "SELECT DISTINCT aggregate_id FROM outbox WHERE type IN ('order.snapshot', 'promotion.usage')")}
    for client_uuid, order in acked.items():
        assert client_uuid in orders, f"acknowledged order {order['order_number']} is lost"
        assert orders[client_uuid][0] == order["order_number"], "an acknowledged order changed its number"
    assert len(firsts) == len(orders) and all(count == 1 for _, count in firsts), "not one first snapshot per order"
    assert {aggregate for aggregate, _ in firsts} == set(orders)
    assert aggregates <= set(orders), f"orphan events: {sorted(aggregates - set(orders))[:3]}"
    assert all(version == 1 for _, version in orders.values())
    return len(orders)


@pytest.mark.postgres
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(make_outlet):  # noqa: F811
    laps = Laps()
    outlet = make_outlet()
    outlet.cloud.start()
    edge = outlet.edge.start()
    tills = Tills(Till(edge), TILLS)
    tills.cashier.catalog  # noqa: B018  (fetched once, before the first crash)
    laps.lap("start")
    rng = random.Random(20)
    tills.start()
    kills = booting_kills = 0
    edge.kill()  # from here on every round starts with the edge down
    for round_ in range(KILLS_WHILE_SERVING):
        if round_ % 9 == 4 and booting_kills < KILLS_WHILE_BOOTING:
            edge.start(wait=False)  # killed while it boots: migrations, scheduler, binding the port
            time.sleep(rng.uniform(0.3, 1.5))
            edge.kill()
            booting_kills += 1
            check_after_crash(edge.data_dir, tills.acknowledged())
        edge.start()
        time.sleep(rng.uniform(0.05, 0.9))  # while it takes orders, pushes, pulls
        edge.kill()
        kills += 1
        check_after_crash(edge.data_dir, tills.acknowledged())
        if round_ == 10:  # the dashboard of a dead edge: the CLI reads the data dir
            board = read_dashboard(edge)
            check_dashboard(board, pending=pending_count(edge.data_dir), breaker=("closed", "open", "half_open"),
                            cursor=outlet.cursor_range())
    edge.start()
    laps.lap("kills")
    tills.finish()
    acked = tills.acknowledged()
    assert not tills.refused, tills.refused[:3]
    assert check_after_crash(edge.data_dir, acked) == len(acked)

    manager = Till(edge, "manager")
    drain_s = wait_drained(edge, 90)
    laps.lap("drain")
    agreed = assert_cloud_matches_edge(outlet)
    cloud = cloud_facts(outlet)
    for client_uuid, order in acked.items():
        assert cloud.orders[client_uuid]["order_number"] == order["order_number"]
    assert agreed.orders == len(acked)
    check_dashboard(read_dashboard(edge, manager), pending=0, succeeded=True, cursor=outlet.cursor_range())
    laps.lap("check")
    assert kills >= 20 and booting_kills == KILLS_WHILE_BOOTING
    report("crash", backend=outlet.backend, kills=kills, booting_kills=booting_kills, orders=len(acked),
           retried=tills.retried, committed_before_crash=tills.found_on_retry, events=agreed.events,
           drain_s=round(drain_s, 1), laps=laps)
