"""`pos demo` as a user runs it: the cloud and an enrolled edge come up with the demo data;
stopping the cloud, as the banner suggests, leaves the outlet selling offline; asking for
the cloud back starts it again and the queued sale reaches it, and its customer gets the
payment_received message once on the WhatsApp simulator and once in the SMTP sink's
Maildir; SIGTERM stops everything."""
from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from decimal import Decimal

import pytest
import requests

from pos.demo import claim_port
from tests.support import log_scan
from tests.support.ports import free_port
from tests.support.processes import POS, _env


class Demo:
    """`pos demo` in a process of its own, its output read line by line."""

    def __init__(self, directory, cloud_port: int, edge_port: int, gateway_port: int | None = None):
        self.gateway_port = gateway_port or free_port()
        self.whatsapp_port, self.smtp_port = free_port(), free_port()
        self.proc = subprocess.Popen([*POS, "demo", "--dir", str(directory), "--cloud-port", str(cloud_port),
                                      "--edge-port", str(edge_port), "--gateway-port", str(self.gateway_port),
                                      "--whatsapp-port", str(self.whatsapp_port), "--smtp-port", str(self.smtp_port)],
                                     env=_env({"POS_EDGE_PUSH_INTERVAL_S": "1"}), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, pattern: str, timeout: float = 120) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, "the demo exited:\n" + "\n".join(self.seen)
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.seen))


def _cashier(edge_url: str) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{edge_url}/api/auth/login/", json={"username": "cashier", "pin": "1234"}).json()["access"]
    http.headers.update({"Authorization": f"Bearer {token}", "X-Terminal-ID": "2"})
    http.post(f"{edge_url}/api/shifts/open/", json={"opening_cash": "100000.00"}).raise_for_status()
    return http


def _pending(edge_url: str, http: requests.Session) -> int:
    return http.get(f"{edge_url}/api/health/").json()["sync"]["pending"]


def _pay_by_qris_on_the_simulator(edge_url: str, gateway_url: str, cashier: requests.Session) -> dict:
    """A QRIS sale as a person plays it: the till shows the QR, the customer pays on the
    simulator's page (its control endpoint), the payment turns paid by itself."""
    product = cashier.get(f"{edge_url}/api/products/?search=TIRA").json()["results"][0]
    order = cashier.post(f"{edge_url}/api/orders/", json={
        "client_uuid": str(uuid.uuid4()), "items": [{"product_id": product["id"], "quantity": 1}]}).json()
    payment = cashier.post(f"{edge_url}/api/payments/", json={"order_id": order["id"], "method": "qris"})
    assert payment.status_code == 201 and payment.json()["status"] == "pending", payment.text
    charges = requests.get(f"{gateway_url}/_sim/charges/", timeout=5).json()
    listed = [c for c in charges["data"] if c["order_id"] == payment.json()["uuid"]]
    assert len(listed) == 1, charges
    paid = requests.post(f"{gateway_url}/_sim/charges/{listed[0]['id']}/pay", timeout=5)
    assert paid.status_code == 200, paid.text
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        shown = cashier.get(f"{edge_url}/api/payments/{payment.json()['id']}/").json()
        if shown["status"] == "paid":
            return shown
        time.sleep(0.5)
    raise AssertionError(f"the QRIS payment is still {shown['status']}")


def _expect_payment_received(demo: Demo, maildir, order: dict) -> None:
    """The worker sends the synced payment's message to Budi once by WhatsApp (the simulator
    then reports it read through the signed webhook) and once by email."""
    sim = f"http://127.0.0.1:{demo.whatsapp_port}/_sim/messages/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        messages = requests.get(sim, params={"to": "+6281298765432"}).json()["data"]
        mails = list((maildir / "new").iterdir())
        if messages and messages[0]["status"] == "read" and mails:
            break
        time.sleep(0.5)
    time.sleep(3)  # a second copy would have come by now (the worker polls every second)
    messages = requests.get(sim, params={"to": "+6281298765432"}).json()["data"]
    assert len(messages) == 1 and order["order_number"] in messages[0]["body"]
    rupiah = f"Rp {int(Decimal(order['total_amount'])):,}".replace(",", ".")  # as the receipt prints it
    # the demo's template maps to the approved payment_received: sent as Meta's template message
    assert messages[0]["type"] == "template" and messages[0]["template"]["name"] == "payment_received"
    assert f"pembayaran {rupiah} untuk pesanan" in messages[0]["body"] and messages[0]["status"] == "read"
    mails = [path.read_text() for path in (maildir / "new").iterdir()]
    assert len(mails) == 1 and f"Subject: Pembayaran {order['order_number']} diterima" in mails[0]


def test_the_demo_keeps_the_outlet_selling_while_its_cloud_is_stopped_and_started_again(tmp_path):
    cloud_port, edge_port = free_port(), free_port()
    cloud_url, edge_url = f"http://127.0.0.1:{cloud_port}", f"http://127.0.0.1:{edge_port}"
    demo = Demo(tmp_path / "demo", cloud_port, edge_port)
    log_scan.watch(tmp_path / "demo" / "cloud.log", tmp_path / "demo" / "edge.log")  # read for secrets at the end
    try:
        cloud_pid = int(demo.expect(r"stop the cloud: kill (\d+)", timeout=240).group(1))
        assert requests.get(f"{cloud_url}/api/health/").status_code == 200
        gateway_url = f"http://127.0.0.1:{demo.gateway_port}"
        cashier = _cashier(edge_url)
        assert _pay_by_qris_on_the_simulator(edge_url, gateway_url, cashier)["method"] == "qris"

        os.kill(cloud_pid, signal.SIGTERM)
        restart = demo.expect(r"To start the cloud again, kill -USR1 (\d+)")
        assert int(restart.group(1)) == demo.proc.pid
        assert requests.get(f"{edge_url}/api/health/").status_code == 200  # the outlet is still up

        product = cashier.get(f"{edge_url}/api/products/?search=TIRA").json()["results"][0]
        order = cashier.post(f"{edge_url}/api/orders/", json={
            "client_uuid": str(uuid.uuid4()), "customer_phone": "0812 9876 5432",  # the demo's Budi
            "items": [{"product_id": product["id"], "quantity": 1}]}).json()
        paid = cashier.post(f"{edge_url}/api/payments/", json={"order_id": order["id"], "method": "cash",
                                                               "tendered": order["total_amount"]})
        assert paid.status_code == 201, paid.text
        assert _pending(edge_url, cashier) > 0  # queued: the cloud is away

        os.kill(demo.proc.pid, signal.SIGUSR1)
        demo.expect(r"The cloud is back \(pid \d+\)")
        deadline = time.monotonic() + 60
        while _pending(edge_url, cashier) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _pending(edge_url, cashier) == 0
        owner = requests.post(f"{cloud_url}/api/auth/login/", json={"username": "owner", "password": "owner123"})
        headers = {"Authorization": f"Bearer {owner.json()['access']}"}
        found = requests.get(f"{cloud_url}/api/orders/?search={order['order_number']}", headers=headers).json()
        assert [o["total_amount"] for o in found["results"]] == [order["total_amount"]]
        _expect_payment_received(demo, tmp_path / "demo" / "mail", order)
    finally:
        demo.proc.send_signal(signal.SIGTERM)
        demo.proc.wait(timeout=60)
    for url in (cloud_url, edge_url, f"http://127.0.0.1:{demo.gateway_port}"):
        try:
            requests.get(f"{url}/api/health/", timeout=1)
            raise AssertionError(f"{url} still answers after the demo stopped")
        except requests.ConnectionError:
            pass


# --- its ports ------------------------------------------------------------------------------

def _leave_in_time_wait(port: int) -> None:
    """What a Ctrl-C'd demo leaves behind: the server's end of a closed connection on
    `port` waiting in TIME_WAIT (the side that closes first keeps it, for a minute)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    server, _ = listener.accept()
    server.close()
    client.recv(1)  # the FIN arrived; now the client closes too
    client.close()
    listener.close()


def test_a_port_left_in_time_wait_by_the_last_run_is_reused():
    port = free_port()
    _leave_in_time_wait(port)
    with socket.socket() as plain, pytest.raises(OSError):  # the check before: no SO_REUSEADDR, refused
        plain.bind(("127.0.0.1", port))
    assert claim_port(port, "--edge-port") == port


def test_a_port_another_program_listens_on_is_refused_in_one_line(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        busy = other.getsockname()[1]
        done = subprocess.run([*POS, "demo", "--dir", str(tmp_path / "demo"), "--cloud-port", str(busy),
                               "--edge-port", str(free_port())], env=_env(), capture_output=True, text=True,
                              timeout=120, check=False)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: port {busy} is in use by another program (Address already in use); "
                                   "stop it, or start the demo with --cloud-port set to a free port")
    assert not (tmp_path / "demo" / "cloud.sqlite3").exists()  # refused before anything started


@pytest.mark.parametrize("given", ["notes.txt", "notes.txt/demo"])
def test_a_demo_dir_that_cannot_be_one_is_refused_in_one_line(tmp_path, given):
    (tmp_path / "notes.txt").write_text("not a directory")
    done = subprocess.run([*POS, "demo", "--dir", given, "--cloud-port", str(free_port()),
                           "--edge-port", str(free_port())], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert str(tmp_path / "notes.txt") in lines[0]
