"""Kitchen latency: from the HTTP confirm of an order to its ticket on every screen.

10 kitchen screens (python-socketio over websocket) stay connected to a real `pos edge run`
while 20 cashier clients place and confirm orders over HTTP. For every order and every
screen it takes the time from just before the confirm request was sent to the arrival
of its `order_created` event, and prints p50/p99/max, the HTTP confirm latency, and the
counts: events expected, received, lost, duplicated and out of seq order. Target: p99
under 100 ms, nothing lost or doubled. Runs eventlet (the default) and threading.

The screens run in a process of their own, so the 20 sending threads do not share a GIL
with the receivers; both sides stamp time.perf_counter(), which on Linux is the
system-wide CLOCK_MONOTONIC and so comparable across processes. The cloud is stopped
after enrollment: the kitchen runs with the internet down.

Run: .venv/bin/python bench/kitchen_latency.py [--screens 10] [--clients 20] [--orders 10]
                                             [--modes eventlet,threading]
(--orders is per client.)
"""
from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import Cloud, Edge  # noqa: E402 - importable only after the sys.path line above
from tests.support.socket_clients import in_arrival_order  # noqa: E402 - the same


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


# --- the screens (a child process) -------------------------------------------------------

def run_screens(url: str, token: str, count: int, expected: int, ready, results) -> None:
    """Connect `count` screens; report every screen's (order id, seq, arrival) list."""
    import socketio

    received: list[list[tuple[int, int, float]]] = [[] for _ in range(count)]
    done = threading.Event()
    finished = [0]
    lock = threading.Lock()
    clients = []

    def on_created(index):
        def handler(ticket):
            at = time.perf_counter()
            received[index].append((ticket["id"], ticket["seq"], at))
            if len(received[index]) == expected:
                with lock:
                    finished[0] += 1
                    if finished[0] == count:
                        done.set()
        return handler

    for index in range(count):
        client = socketio.Client(reconnection=False)
        in_arrival_order(client)
        client.on("order_created", on_created(index))
        client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
        client.emit("identify", {"type": "kitchen", "station": None})
        clients.append(client)
    ready.set()
    done.wait(timeout=120)
    time.sleep(0.5)  # let any duplicate arrive before counting
    for client in clients:
        client.disconnect()
    results.put(received)


# --- the cashiers (threads of this process) ----------------------------------------------

class Cashier(threading.Thread):
    def __init__(self, url: str, terminal: int, orders: int, products: list[dict], start: threading.Event,
                 interval: float):
        super().__init__(daemon=True)
        self.url, self.orders, self.products, self.start_gate = url, orders, products, start
        self.interval = interval
        self.random = random.Random(terminal)
        self.http = requests.Session()
        token = self.http.post(f"{url}/api/auth/login/", json={"username": "cashier", "pin": "1234"},
                               timeout=10).json()["access"]
        self.http.headers.update({"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)})
        self.sent: dict[int, float] = {}
        self.answered: dict[int, float] = {}
        self.confirm_ms: list[float] = []
        self.errors: list[str] = []

    def run(self):
        self.start_gate.wait()
        for number in range(self.orders):
            if self.interval:  # a cashier's pace, jittered so the tills do not march in step
                time.sleep(self.random.uniform(0.5, 1.5) * self.interval)
            product = self.products[number % len(self.products)]
            body = {"client_uuid": str(uuid.uuid4()), "items": [{"product_id": product["id"], "quantity": 1}]}
            order = self.http.post(f"{self.url}/api/orders/", json=body, timeout=30)
            if order.status_code != 201:
                self.errors.append(order.text)
                continue
            order_id = order.json()["id"]
            sent = time.perf_counter()
            self.sent[order_id] = sent
            response = self.http.post(f"{self.url}/api/orders/{order_id}/confirm/", timeout=30)
            self.answered[order_id] = time.perf_counter()
            self.confirm_ms.append((self.answered[order_id] - sent) * 1000)
            if response.status_code != 200:
                self.errors.append(response.text)
                del self.sent[order_id]


def products_without_required_choices(url: str, token: str) -> list[dict]:
    rows = requests.get(f"{url}/api/products/?page_size=100", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).json()["results"]
    return [p for p in rows if not any(g["required"] for g in p["modifier_groups"])]


# --- one run -------------------------------------------------------------------------------

def run_mode(mode: str, screens: int, clients: int, orders: int, interval: float) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"kitchen-bench-{mode}-") as tmp:
        workdir = Path(tmp)
        cloud = Cloud(workdir).start()
        edge = Edge(workdir / "edge", async_mode=mode)
        try:
            edge.enroll(cloud.url, cloud.seed_demo())
            cloud.stop()  # the internet is down; the kitchen must not care
            edge.start()
            kitchen_token = edge.login("kitchen", password="kitchen123")
            products = products_without_required_choices(edge.url, kitchen_token)
            expected = clients * orders
            context = mp.get_context("spawn")
            ready, results = context.Event(), context.Queue()
            receiver = context.Process(target=run_screens,
                                       args=(edge.url, kitchen_token, screens, expected, ready, results))
            receiver.start()
            if not ready.wait(timeout=60):
                raise RuntimeError("the screens did not connect")
            gate = threading.Event()
            cashiers = [Cashier(edge.url, terminal, orders, products, gate, interval)
                        for terminal in range(1, clients + 1)]
            for cashier in cashiers:
                cashier.start()
            started = time.perf_counter()
            gate.set()
            for cashier in cashiers:
                cashier.join()
            elapsed = time.perf_counter() - started
            received = results.get(timeout=180)
            receiver.join(timeout=30)
        finally:
            edge.stop()
            cloud.stop()
    sent = {order_id: at for cashier in cashiers for order_id, at in cashier.sent.items()}
    answered = {order_id: at for cashier in cashiers for order_id, at in cashier.answered.items()}
    latencies, after_answer, lost, duplicated, out_of_order = [], [], 0, 0, 0
    arrivals: dict[int, list[float]] = {}
    for events in received:
        for order_id, _, at in events:
            arrivals.setdefault(order_id, []).append(at)
            if order_id in answered:
                after_answer.append((at - answered[order_id]) * 1000)
        ids = [order_id for order_id, _, _ in events]
        duplicated += len(ids) - len(set(ids))
        lost += len(set(sent) - set(ids))
        seqs = [seq for _, seq, _ in events]
        out_of_order += sum(1 for a, b in itertools.pairwise(seqs) if b != a + 1)
        latencies += [(at - sent[order_id]) * 1000 for order_id, _, at in events if order_id in sent]
    confirm_ms = [ms for cashier in cashiers for ms in cashier.confirm_ms]
    return {
        "mode": mode, "screens": screens, "orders": len(sent), "expected": len(sent) * screens,
        "received": sum(len(events) for events in received), "lost": lost, "duplicated": duplicated,
        "out_of_order": out_of_order, "errors": sum(len(c.errors) for c in cashiers),
        "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "max": max(latencies, default=0),
        "after_p50": percentile(after_answer, 50), "after_p99": percentile(after_answer, 99),
        "spread_p99": percentile([(max(a) - min(a)) * 1000 for a in arrivals.values()], 99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "confirm_p50": percentile(confirm_ms, 50), "confirm_p99": percentile(confirm_ms, 99),
        "orders_per_s": len(sent) / elapsed if elapsed else 0,
        "offered_per_s": clients / interval if interval else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--orders", type=int, default=10, help="orders per client")
    parser.add_argument("--modes", default="eventlet,threading")
    parser.add_argument("--interval", type=float, default=0.0,
                        help="mean seconds between one client's orders (0: back to back)")
    args = parser.parse_args()
    ok = True
    pace = f"one order every ~{args.interval:g} s each" if args.interval else "back to back"
    print(f"kitchen latency: {args.screens} screens, {args.clients} clients x {args.orders} orders, {pace} "
          f"(confirm over HTTP -> order_created on every screen); {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    for mode in args.modes.split(","):
        r = run_mode(mode.strip(), args.screens, args.clients, args.orders, args.interval)
        print(f"\n[{r['mode']}]")
        print(f"  confirm -> screen   p50 {r['p50']:.1f} ms   p99 {r['p99']:.1f} ms   max {r['max']:.1f} ms   "
              f"mean {r['mean']:.1f} ms")
        print(f"  after the answer    p50 {r['after_p50']:+.1f} ms   p99 {r['after_p99']:+.1f} ms   "
              f"(screen arrival minus the cashier's confirm response; negative: the kitchen heard first)")
        print(f"  across {r['screens']} screens   p99 spread {r['spread_p99']:.1f} ms"
              " (last screen minus first, per order)")
        print(f"  HTTP confirm        p50 {r['confirm_p50']:.1f} ms   p99 {r['confirm_p99']:.1f} ms   "
              f"({r['orders_per_s']:.1f} orders/s placed and confirmed)")
        print(f"  events              expected {r['expected']}   received {r['received']}   lost {r['lost']}   "
              f"duplicated {r['duplicated']}   out of seq order {r['out_of_order']}   request errors {r['errors']}")
        verdict = r["p99"] < 100 and r["lost"] == r["duplicated"] == r["out_of_order"] == r["errors"] == 0
        ok = ok and verdict
        print(f"  target (p99 < 100 ms, none lost or doubled): {'met' if verdict else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
