"""Edge selling throughput: the real `pos edge run` process over HTTP.

20 concurrent clients each ring up orders (3 lines with modifiers and a promotion),
pay cash and confirm. In the same run, a minimal Flask endpoint on the same server
stack is driven the same way as a baseline. Prints orders/s, p50/p99 latency, the ratio
to the baseline and the edge process's peak memory, for eventlet and threading.

Run: .venv/bin/python bench/edge_orders.py [--orders 10000] [--clients 20] [--modes eventlet,threading]
The cloud is stopped after enrollment, so the edge sells offline (the realistic worst
case for its write path: every order also queues its outbox events).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import Cloud, Edge, wait_http  # noqa: E402


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident memory) of one process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return float("nan")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Shop:
    """What one client needs: a token, a terminal with an open shift, the products."""

    def __init__(self, url: str, terminal: int):
        self.url = url
        self.http = requests.Session()
        token = self.http.post(f"{url}/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json()["access"]
        self.http.headers.update({"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)})
        if self.http.get(f"{url}/api/shifts/current/").status_code == 404:
            self.http.post(f"{url}/api/shifts/open/", json={"opening_cash": "1000000.00"}).raise_for_status()
        products = {p["sku"]: p for p in self.http.get(f"{url}/api/products/?page_size=100").json()["results"]}

        def option(sku, name):
            return next(m["id"] for g in products[sku]["modifier_groups"] for m in g["modifiers"] if m["name"] == name)

        self.items = [
            {"product_id": products["PZ-MARG"]["id"], "quantity": 1,
             "modifier_ids": [option("PZ-MARG", "Large"), option("PZ-MARG", "Mushrooms")]},
            {"product_id": products["DS-TIRA"]["id"], "quantity": 1, "modifier_ids": []},
            {"product_id": products["DR-LATT"]["id"], "quantity": 2, "modifier_ids": [option("DR-LATT", "Extra shot")]},
        ]

    def sell(self, timings: list) -> None:
        started = time.perf_counter()
        response = self.http.post(f"{self.url}/api/orders/", json={"client_uuid": str(uuid.uuid4()),
                                                                   "items": self.items})
        t1 = time.perf_counter()
        order = response.json()
        assert response.status_code == 201, order
        assert order["promotions"], "the bundle promotion should apply"
        paid = self.http.post(f"{self.url}/api/payments/", json={"order_id": order["id"], "method": "cash",
                                                                 "tendered": "1000000.00"})
        t2 = time.perf_counter()
        assert paid.status_code == 201, paid.text
        confirmed = self.http.post(f"{self.url}/api/orders/{order['id']}/confirm/")
        t3 = time.perf_counter()
        assert confirmed.status_code == 200, confirmed.text
        timings.append((t1 - started, t2 - t1, t3 - t2, t3 - started))


def drive(n_orders: int, clients: int, work) -> tuple[float, list]:
    """Run `work(client_index, timings)` until n_orders are done by `clients` threads."""
    timings: list = []
    remaining = [n_orders]
    lock = threading.Lock()
    errors: list = []

    def loop(index):
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                work(index, timings)
            except Exception as error:  # reported, never hidden
                errors.append(repr(error))
                return

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} client errors, first: {errors[0]}")
    return elapsed, timings


def baseline(mode: str, n: int, clients: int) -> tuple[float, float, float]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "baseline_app.py"), str(port), mode],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/health/")
        sessions = [requests.Session() for _ in range(clients)]

        def work(index, timings):
            # three requests per "order", like the real flow
            started = time.perf_counter()
            for _ in range(3):
                sessions[index].post(f"http://127.0.0.1:{port}/api/ping/", json={"x": 1}).raise_for_status()
            timings.append((0, 0, 0, time.perf_counter() - started))

        elapsed, timings = drive(n, clients, work)
        totals = [t[3] for t in timings]
        return n / elapsed, percentile(totals, 50) * 1000, percentile(totals, 99) * 1000
    finally:
        proc.terminate()
        proc.wait()


def run_mode(mode: str, n_orders: int, clients: int, workdir: Path) -> dict:
    cloud = Cloud(workdir / mode).start()
    edge = Edge(workdir / mode / "edge", async_mode=mode)
    edge.enroll(cloud.url, cloud.seed_demo())
    cloud.stop()  # sell offline: the edge alone is measured
    edge.start()
    try:
        shops = [Shop(edge.url, terminal=i + 1) for i in range(clients)]
        drive(clients * 5, clients, lambda i, t: shops[i].sell(t))  # warm up
        elapsed, timings = drive(n_orders, clients, lambda i, t: shops[i].sell(t))
        per_request = [x for t in timings for x in t[:3]]
        per_order = [t[3] for t in timings]
        result = {
            "mode": mode, "orders": n_orders, "seconds": elapsed, "orders_per_s": n_orders / elapsed,
            "req_p50_ms": percentile(per_request, 50) * 1000, "req_p99_ms": percentile(per_request, 99) * 1000,
            "order_p50_ms": percentile(per_order, 50) * 1000, "order_p99_ms": percentile(per_order, 99) * 1000,
            "create_p99_ms": percentile([t[0] for t in timings], 99) * 1000,
            "pay_p99_ms": percentile([t[1] for t in timings], 99) * 1000,
            "confirm_p99_ms": percentile([t[2] for t in timings], 99) * 1000,
            "peak_rss_mb": peak_rss_mb(edge.proc.pid),
            "worker_rss_mb": sum(peak_rss_mb(child) for child in _children(edge.proc.pid)),
            "locked": "database is locked" in edge.log(),
        }
    finally:
        edge.stop()
    base_rate, base_p50, base_p99 = baseline(mode, max(1000, n_orders // 5), clients)
    result.update(baseline_orders_per_s=base_rate, baseline_p50_ms=base_p50, baseline_p99_ms=base_p99,
                  ratio=result["orders_per_s"] / base_rate)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--modes", default="eventlet,threading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pos-bench-") as tmp:
        results = [run_mode(mode, args.orders, args.clients, Path(tmp)) for mode in args.modes.split(",")]
    print(f"\nedge selling benchmark: {args.orders} orders (create 3 lines + pay cash + confirm), "
          f"{args.clients} concurrent clients, cloud away")
    for r in results:
        print(f"[{r['mode']}] {r['orders_per_s']:.1f} orders/s ({r['seconds']:.1f} s); "
              f"per request p50 {r['req_p50_ms']:.1f} ms, p99 {r['req_p99_ms']:.1f} ms; "
              f"per order p50 {r['order_p50_ms']:.1f} ms, p99 {r['order_p99_ms']:.1f} ms "
              f"(p99 create {r['create_p99_ms']:.1f} / pay {r['pay_p99_ms']:.1f} / confirm {r['confirm_p99_ms']:.1f})")
        print(f"    baseline (minimal Flask endpoint, same stack, 3 requests per order): "
              f"{r['baseline_orders_per_s']:.1f} orders/s, p50 {r['baseline_p50_ms']:.1f} ms, "
              f"p99 {r['baseline_p99_ms']:.1f} ms; edge/baseline throughput {r['ratio']:.2f}")
        print(f"    edge process peak memory {r['peak_rss_mb']:.0f} MB (its print-worker process: "
              f"{r['worker_rss_mb']:.0f} MB); 'database is locked' seen: {r['locked']}")


if __name__ == "__main__":
    main()
