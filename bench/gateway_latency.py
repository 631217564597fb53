"""QRIS latency: from the simulator's settlement webhook to the edge's payment being `paid`.

Starts `pos gateway-sim`, a cloud charging through it (webhooks to the cloud) and an
enrolled edge, all real processes on loopback. Per mode it first opens --count QRIS
payments at the edge (each pending with its charge at the simulator; not timed), then
runs them open-loop: payment i "arrives" at t0 + i * --gap seconds. On arrival a till
starts waiting on it (as the kiosk does) and --lead seconds later the customer pays
(`POST /_sim/charges/<id>/pay`, fired on the clock whatever the tills are doing); the
simulator then sends its signed settlement webhook to the cloud. (The lead is --lead plus
a random 0-1 s, seeded: a till's poll phase has nothing to do with when the customer pays.)

Modes, same run, same processes:
- `poll`: the till asks `GET /api/payments/<id>/` every second (the kiosk before
  long-polling; the baseline);
- `long-poll`: the till asks `GET /api/payments/<id>/?wait=20`; the edge long-polls the
  cloud's `GET /api/sync/payments/<uuid>/?wait=20`, which answers when the webhook
  changes the charge (an answer back at once is asked again after 1 s at the earliest,
  like the kiosk).

Latency is from the first attempt of the settlement webhook (the simulator's own log,
wall clock in ms) to the moment the till's answer says `paid` (wall clock, same machine).
Prints p50, p99 and max per mode, and from the customer's "pay" too. Targets (issue 19):
p99 < 1.5 s polling, < 300 ms long-polling.

Run: .venv/bin/python bench/gateway_latency.py [--count 200] [--gap 0.25] [--lead 1.0]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import Cloud, Edge, GatewaySim  # noqa: E402

LONG_POLL_S = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def till(edge_url: str, terminal: int) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{edge_url}/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json()["access"]
    http.headers.update({"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)})
    return http


def open_payments(edge_url: str, sim_url: str, count: int, terminal: int) -> list[dict]:
    http = till(edge_url, terminal)
    product = http.get(f"{edge_url}/api/products/?search=COLA").json()["results"][0]
    opened = []
    for _ in range(count):
        order = http.post(f"{edge_url}/api/orders/", json={
            "client_uuid": str(uuid.uuid4()), "items": [{"product_id": product["id"], "quantity": 1}]}).json()
        payment = http.post(f"{edge_url}/api/payments/", json={"order_id": order["id"], "method": "qris"}).json()
        assert payment["status"] == "pending", payment
        charge = requests.get(f"{sim_url}/_sim/charges/", params={"order_id": payment["uuid"]}).json()["data"][0]
        opened.append({"id": payment["id"], "charge": charge["id"]})
    return opened


def wait_paid(http: requests.Session, edge_url: str, payment_id: int, long_poll: bool) -> float:
    """The till waiting on the payment; answers the wall-clock moment it saw `paid`."""
    while True:
        asked = time.monotonic()
        params = {"wait": LONG_POLL_S} if long_poll else None
        answer = http.get(f"{edge_url}/api/payments/{payment_id}/", params=params, timeout=LONG_POLL_S + 15).json()
        if answer["status"] == "paid":
            return time.time()
        if answer["status"] != "pending":
            raise RuntimeError(f"payment {payment_id} is {answer['status']}")
        time.sleep(max(0.0, 1.0 - (time.monotonic() - asked)))


def run(edge_url: str, sim_url: str, opened: list[dict], terminal: int, gap: float, lead: float,
        long_poll: bool) -> tuple[list[float], list[float]]:
    seen: dict[str, float] = {}
    paid_at: dict[str, float] = {}
    errors: list[str] = []
    http = till(edge_url, terminal)

    def waiter(payment):
        own = requests.Session()  # one connection per till, as each kiosk has its own
        own.headers.update(http.headers)
        try:
            seen[payment["charge"]] = wait_paid(own, edge_url, payment["id"], long_poll)
        except Exception as error:  # noqa: BLE001 - reported after the run
            errors.append(f"{payment['id']}: {error!r}")

    def pay(payment):
        paid_at[payment["charge"]] = time.time()
        requests.post(f"{sim_url}/_sim/charges/{payment['charge']}/pay", timeout=30).raise_for_status()

    threads = []
    t0 = time.monotonic() + 0.5
    chance = random.Random(19)  # the same pay moments in every mode and run
    leads = [lead + chance.random() for _ in opened]  # the till's poll phase is not the customer's
    schedule = sorted([(t0 + i * gap, waiter, payment) for i, payment in enumerate(opened)]
                      + [(t0 + i * gap + leads[i], pay, payment) for i, payment in enumerate(opened)],
                      key=lambda item: item[0])
    for due, action, payment in schedule:  # open loop: on the clock, whatever the answers
        time.sleep(max(0.0, due - time.monotonic()))
        thread = threading.Thread(target=action, args=(payment,), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise RuntimeError(f"{len(errors)} payments did not settle: {errors[:3]}")
    webhook_at = first_settlement_attempts(sim_url)
    from_webhook = [seen[charge] - webhook_at[charge] for charge in seen]
    from_pay = [seen[charge] - paid_at[charge] for charge in seen]
    return from_webhook, from_pay


def first_settlement_attempts(sim_url: str) -> dict[str, float]:
    moments = {}
    for delivery in requests.get(f"{sim_url}/_sim/webhooks/").json()["data"]:
        if delivery["event"].endswith("settlement") and delivery["attempts"]:
            at = datetime.fromisoformat(delivery["attempts"][0]["at"].replace("Z", "+00:00")).timestamp()
            moments[delivery["charge_id"]] = min(at, moments.get(delivery["charge_id"], at))
    return moments


def figures(name: str, values: list[float]) -> str:
    return (f"p50 {statistics.median(values) * 1000:5.0f} ms, p99 {percentile(values, 0.99) * 1000:5.0f} ms, "
            f"max {max(values) * 1000:5.0f} ms ({name}, n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between arrivals (open loop)")
    parser.add_argument("--lead", type=float, default=1.0, help="seconds the till waits before the customer pays")
    parser.add_argument("--modes", default="poll,long-poll")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gateway-latency-"))
    cloud_port = free_port()
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    sim = GatewaySim(workdir / "sim.log", cloud_url).start()
    cloud = Cloud(workdir, port=cloud_port, env={"POS_MIDTRANS_API_URL": sim.url, "POS_XENDIT_API_URL": sim.url,
                                                 "POS_CLOUD_PUBLIC_URL": cloud_url, "POS_CHARGE_WAIT_SLOTS": "12"})
    cloud.args += ["--threads", "16"]
    cloud.start()
    edge = Edge(workdir / "edge")
    try:
        edge.enroll(cloud.url, cloud.seed_demo())
        edge.start()
        print(f"{args.count} QRIS charges per mode, one arrival every {args.gap:.2f} s (open loop), the customer "
              f"pays {args.lead:.1f}-{args.lead + 1:.1f} s after the till starts waiting; cloud: 1 gunicorn worker, "
              "16 threads, 12 long-poll slots", flush=True)
        for terminal, mode in enumerate(args.modes.split(","), start=20):
            opened = open_payments(edge.url, sim.url, args.count, terminal)
            from_webhook, from_pay = run(edge.url, sim.url, opened, terminal, args.gap, args.lead,
                                         long_poll=mode == "long-poll")
            print(f"{mode:9}  webhook → edge paid: {figures('from the first webhook attempt', from_webhook)}",
                  flush=True)
            print(f"{'':9}  pay → edge paid:     {figures('from the customer pays', from_pay)}", flush=True)
    finally:
        edge.stop()
        cloud.stop()
        sim.stop()


if __name__ == "__main__":
    main()
