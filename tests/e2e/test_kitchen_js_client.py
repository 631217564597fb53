"""The product brief's own JavaScript kitchen client (socket.io-client from npm) against the
real edge: tests/e2e/js/kitchen_client.mjs is the brief's example with only the address
and the auth token changed. Node's dependencies come from package-lock.json (`npm ci`)."""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_kitchen_realtime import HttpTill, kitchen_outlet  # noqa: F401  (a shared fixture)
from tests.support.needs import NO_NODE

pytestmark = pytest.mark.e2e

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node_client():
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(NO_NODE)
    if not (JS / "node_modules" / "socket.io-client").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    return node


def run_client(node, edge, token, outlet_id):
    env = {"PATH": str(Path(node).parent), "EDGE_URL": edge.url, "TOKEN": token, "OUTLET_ID": str(outlet_id)}
    return subprocess.Popen([node, "kitchen_client.mjs"], cwd=JS, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(proc, step, timeout=15.0) -> list[dict]:
    """JSON lines the client printed, up to the first `step` one."""
    lines: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("{"):
            lines.append(json.loads(line))
            if lines[-1]["step"] == step:
                return lines
    proc.kill()
    raise AssertionError(f"no {step!r} from the JS client; got {lines}; stderr: {proc.stderr.read()}")


def test_the_briefs_javascript_client_runs_an_order_through_the_kitchen(kitchen_outlet, node_client):  # noqa: F811
    edge = kitchen_outlet[1]
    till = HttpTill(edge)
    till.call("POST", "/api/shifts/open/", json={"opening_cash": "0.00"})  # cash needs a shift
    order = till.order(till.item("PS-AGLI", 1, ["Hot"]), table="3")
    # The example completes orders too, which takes a cashier (kitchen staff cannot):
    # it runs with a cashier's token, as a POS-side screen would.
    token = edge.login("cashier", pin="1234")
    proc = run_client(node_client, edge, token, order["outlet_id"])
    try:
        read_until(proc, "subscribed")
        paid = till.call("POST", "/api/payments/", json={"order_id": order["id"], "method": "cash",
                                                         "tendered": order["total_amount"]})
        assert paid.status_code == 201, paid.text
        till.confirm(order["id"])
        steps = read_until(proc, "removed")
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    names = [s["step"] for s in steps]
    assert names[:2] == ["order_created", "chime"]
    created = next(s for s in steps if s["step"] == "order_created")
    assert created["id"] == order["id"] and created["seq"] >= 1
    statuses = [s["status"] for s in steps if s["step"] == "order_updated"]
    assert statuses == ["preparing", "ready"]
    # acks for preparing and ready (the completed one may come after the script has closed)
    assert names.count("status_updated") >= 2
    assert not [s for s in steps if s["step"] == "error"]
    assert till.get(order["id"])["status"] == "completed"


def test_the_briefs_client_as_kitchen_staff_cooks_but_may_not_complete(kitchen_outlet, node_client):  # noqa: F811
    edge = kitchen_outlet[1]
    till = HttpTill(edge)
    order = till.order(till.item("DS-TIRA"))
    proc = run_client(node_client, edge, edge.login("kitchen", password="kitchen123"), order["outlet_id"])
    try:
        read_until(proc, "subscribed")
        till.confirm(order["id"])
        steps = read_until(proc, "error")
    finally:
        proc.kill()
    assert [s["status"] for s in steps if s["step"] == "order_updated"] == ["preparing", "ready"]
    refusal = steps[-1]
    assert refusal["event"] == "complete_order" and refusal["code"] == "PERMISSION_DENIED"
    assert till.get(order["id"])["status"] == "ready"


def test_the_briefs_client_without_a_token_is_refused(kitchen_outlet, node_client):  # noqa: F811
    proc = run_client(node_client, kitchen_outlet[1], "", 1)
    steps = read_until(proc, "connect_error")
    assert steps[-1]["data"] and steps[-1]["data"]["code"] == "NOT_AUTHENTICATED", steps
    assert proc.wait(timeout=10) == 3
