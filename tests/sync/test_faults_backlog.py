"""The cloud is stopped while the edge takes 500 orders; when it comes back the backlog
drains and the cloud holds every order exactly once, with identical stored amounts.

Real processes: `pos cloud run` (SQLite or PostgreSQL), `pos edge run` (eventlet) behind
the fault proxy, orders placed over HTTP by four tills at once.
"""
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.sync.faults import (  # noqa: F401
    Till,
    assert_cloud_matches_edge,
    backend,
    check_dashboard,
    edge_facts,
    make_outlet,
    pending_count,
    read_dashboard,
    report,
    templates,
    wait_drained,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ORDERS = 500


@pytest.mark.postgres
def test_a_backlog_of_500_orders_taken_with_the_cloud_stopped_drains_exactly_once(make_outlet):  # noqa: F811
    outlet = make_outlet()
    outlet.cloud.start()
    edge = outlet.edge.start()
    cashier, manager = Till(edge), Till(edge, "manager")
    cashier.open_shift()
    wait_drained(edge, 30)
    check_dashboard(read_dashboard(edge, manager), pending=0, succeeded=True,
                    cursor=outlet.cursor_range())

    outlet.cloud.stop()
    rng = random.Random(20261123)
    everything = cashier.catalog
    menu = [p for p in everything if p["sku"] != "DS-TIRA"]
    cashier._catalog = menu  # random carts never make the pizza + tiramisu bundle ...
    carts = [cashier.cart(rng) for _ in range(ORDERS - 2)]
    cashier._catalog = everything
    by_sku = {p["sku"]: p for p in everything}
    margherita, tiramisu = by_sku["PZ-MARG"], by_sku["DS-TIRA"]
    regular = next(m["id"] for g in margherita["modifier_groups"] for m in g["modifiers"] if m["name"] == "Regular")
    bundle = [{"product_id": margherita["id"], "quantity": 1, "modifier_ids": [regular]},
              {"product_id": tiramisu["id"], "quantity": 1}]
    carts[100:100] = [bundle]  # ... but two orders do, and head office will delete it meanwhile
    carts[300:300] = [bundle]

    offline_since = time.monotonic()

    def sell(index: int) -> dict:
        order = cashier.ok("POST", "/api/orders/", {"items": carts[index], "table": f"T{index % 20}"})
        if index % 3 == 0:
            cashier.pay_cash(order)
        return order

    with ThreadPoolExecutor(4) as pool:
        orders = list(pool.map(sell, range(ORDERS)))
    selling_s = time.monotonic() - offline_since
    assert len({o["uuid"] for o in orders}) == ORDERS
    assert sum(1 for o in orders if any(p["name"].startswith("Pizza + Tiramisu") for p in o["promotions"])) == 2

    backlog = pending_count(edge.data_dir)
    before = time.monotonic() - offline_since
    board = read_dashboard(edge, manager)
    after = time.monotonic() - offline_since
    check_dashboard(board, pending=backlog, breaker=("open", "half_open"), succeeded=True,
                    oldest_age=(int(before) - 1, int(after) + 1), error="cannot reach the cloud",
                    cursor=outlet.cursor_range())
    assert board.cli["consecutive_failures"] >= 3

    # The cloud comes back, but before the edge can reach it head office deletes the
    # bundle: in the cloud nobody has used it yet (the outlet's uses are still queued).
    outlet.proxy.refuse()
    outlet.cloud.start()
    owner = {"Authorization": f"Bearer {outlet.owner_token()}"}
    promotions = requests.get(f"{outlet.cloud.url}/api/promotions/?page_size=100", headers=owner, timeout=10).json()
    doomed = next(p for p in promotions["results"] if p["name"].startswith("Pizza + Tiramisu"))
    deleted = requests.delete(f"{outlet.cloud.url}/api/promotions/{doomed['id']}/", headers=owner, timeout=10)
    assert deleted.status_code == 204, deleted.text
    outlet.proxy.resume()
    drain_s = wait_drained(edge, 120)

    # Their uses of the deleted bundle are accepted as spent (the cloud keeps a tombstone):
    # no dead letters, and both bundle orders arrive with their discount.
    agreed = assert_cloud_matches_edge(outlet)
    assert agreed.orders == ORDERS
    check_dashboard(read_dashboard(edge, manager), pending=0, succeeded=True, cursor=outlet.cursor_range())
    bundles = {orders[100]["uuid"], orders[300]["uuid"]}
    stored = {r["uuid"]: r["discount_amount"] for r in outlet.cloud_rows("SELECT uuid, discount_amount FROM orders")
              if r["uuid"] in bundles}
    assert len(stored) == 2 and all(amount > 0 for amount in stored.values()), stored
    report("backlog", backend=outlet.backend, orders=ORDERS, events=backlog, selling_s=round(selling_s, 1),
           drain_s=round(drain_s, 1), events_per_s=round(backlog / max(drain_s, 0.001)))
