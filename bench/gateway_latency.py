"""QRIS latency: from the customer's "Pay" at the gateway to the edge's payment being `paid`.

Starts `pos gateway-sim`, a cloud charging through it (webhooks to the cloud) and an
enrolled edge, all real processes on loopback. For each of --count sales it places an
order at the edge, takes a QRIS payment (pending, QR string), then stamps the moment
just before `POST /_sim/charges/<id>/pay` (the customer pays; the simulator then sends
its signed settlement webhook to the cloud) and polls the edge's `GET /api/payments/<id>/`
every --poll seconds, as the kiosk does (1 s), until it answers `paid`. Prints p50, p99
and max of that time per poll interval. The edge's read does not ask the gateway, so
every `paid` here came by the simulator's webhook to the cloud.

Target (issue 19): p99 < 1.5 s with polling. No long-poll exists yet, so the < 300 ms
long-poll figure has nothing to measure; --poll 0.05 shows the floor of the path.

Run: .venv/bin/python bench/gateway_latency.py [--count 200] [--poll 1.0,0.05]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import Cloud, Edge, PosProcess  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(edge_url: str, sim_url: str, count: int, poll: float) -> list[float]:
    http = requests.Session()
    token = http.post(f"{edge_url}/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json()["access"]
    terminal = 10 + int(poll * 100) % 80
    http.headers.update({"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)})
    http.post(f"{edge_url}/api/shifts/open/", json={"opening_cash": "0.00"})
    product = http.get(f"{edge_url}/api/products/?search=COLA").json()["results"][0]
    times = []
    for _ in range(count):
        order = http.post(f"{edge_url}/api/orders/", json={
            "client_uuid": str(uuid.uuid4()), "items": [{"product_id": product["id"], "quantity": 1}]}).json()
        payment = http.post(f"{edge_url}/api/payments/", json={"order_id": order["id"], "method": "qris"}).json()
        assert payment["status"] == "pending", payment
        charge = requests.get(f"{sim_url}/_sim/charges/", params={"order_id": payment["uuid"]}).json()["data"][0]
        started = time.perf_counter()
        requests.post(f"{sim_url}/_sim/charges/{charge['id']}/pay").raise_for_status()
        while True:
            time.sleep(poll)
            if http.get(f"{edge_url}/api/payments/{payment['id']}/").json()["status"] == "paid":
                times.append(time.perf_counter() - started)
                break
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--poll", default="1.0,0.05", help="poll intervals in seconds, comma-separated")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gateway-latency-"))
    cloud_port, sim_port = free_port(), free_port()
    cloud_url, sim_url = f"http://127.0.0.1:{cloud_port}", f"http://127.0.0.1:{sim_port}"
    sim = PosProcess(["gateway-sim", "--port", str(sim_port), "--webhook-base", cloud_url], workdir / "sim.log",
                     f"{sim_url}/_sim/charges/")
    sim.start()
    cloud = Cloud(workdir, port=cloud_port, env={"POS_MIDTRANS_API_URL": sim_url, "POS_XENDIT_API_URL": sim_url,
                                                 "POS_CLOUD_PUBLIC_URL": cloud_url}).start()
    edge = Edge(workdir / "edge")
    try:
        edge.enroll(cloud.url, cloud.seed_demo())
        edge.start()
        for poll in (float(p) for p in args.poll.split(",")):
            times = run(edge.url, sim_url, args.count, poll)
            print(f"poll every {poll:.2f} s, {len(times)} QRIS charges: pay → edge paid "
                  f"p50 {statistics.median(times) * 1000:.0f} ms, p99 {percentile(times, 0.99) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms")
    finally:
        edge.stop()
        cloud.stop()
        sim.stop()


if __name__ == "__main__":
    main()
