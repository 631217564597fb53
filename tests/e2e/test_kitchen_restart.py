"""A shift with an edge crash in the middle: tickets keep coming while `pos edge run` is
killed (SIGKILL) and started again on the same data. The page and a python-socketio
screen reconnect by themselves and end with every ticket exactly once."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import requests
import socketio
from playwright.sync_api import expect

from tests.e2e.test_kitchen_page import ARTIFACTS, browser, card, open_kitchen  # noqa: F401  (browser: a fixture)
from tests.e2e.test_kitchen_realtime import HttpTill, kitchen_outlet  # noqa: F401  (a shared fixture)
from tests.support.socket_clients import in_arrival_order

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ORDERS = 24
KILL_AFTER = 8


class Producer(threading.Thread):
    """A cashier placing and confirming orders, retrying through the outage (the
    client_uuid makes a retried create return the same order; a retried confirm that had
    already committed answers 409 and the order is confirmed)."""

    def __init__(self, till: HttpTill):
        super().__init__(daemon=True)
        self.till = till
        self.confirmed: list[int] = []
        self.failures: list[str] = []

    def retry(self, method, path, **kw):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                response = self.till.call(method, path, timeout=3, **kw)
                if response.status_code < 500:
                    return response
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{method} {path} kept failing")

    def run(self):
        try:
            for _ in range(ORDERS):
                body = {"client_uuid": str(uuid.uuid4()), "items": [self.till.item("DR-COLA")]}
                order = self.retry("POST", "/api/orders/", json=body).json()
                response = self.retry("POST", f"/api/orders/{order['id']}/confirm/")
                if response.status_code == 409:
                    assert self.retry("GET", f"/api/orders/{order['id']}/").json()["status"] == "confirmed"
                else:
                    assert response.status_code == 200, response.text
                self.confirmed.append(order["id"])
                time.sleep(0.05)
        except Exception as error:  # noqa: BLE001  (reported by the test)
            self.failures.append(repr(error))


class ReplayingScreen:
    """A python-socketio screen that reconnects with the last seq it applied."""

    def __init__(self, url, token):
        self.token = token
        self.created: list[dict] = []
        self.out_of_step: list[str] = []  # any duplicate or gap (handled in arrival order: see in_arrival_order)
        self.last_seq = None
        self.log_id = None
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
        in_arrival_order(self.sio)
        self.sio.on("snapshot", self.on_snapshot)
        self.sio.on("order_created", self.on_created)
        for name in ("order_updated", "order_completed", "order_cancelled"):
            self.sio.on(name, self.on_other)
        self.sio.connect(url, auth=self.auth, transports=["websocket"], wait_timeout=10)

    def auth(self):
        with self.lock:
            extra = {"last_seq": self.last_seq, "log_id": self.log_id} if self.last_seq is not None else {}
        return {"token": self.token, **extra}

    def on_snapshot(self, snapshot):
        with self.lock:
            self.last_seq, self.log_id = snapshot["last_seq"], snapshot["log_id"]

    def _advance(self, event):
        with self.lock:
            if event["seq"] != self.last_seq + 1:
                self.out_of_step.append(f"seq {event['seq']} after {self.last_seq}")
            self.last_seq = max(self.last_seq, event["seq"])

    def on_created(self, ticket):
        self._advance(ticket)
        self.created.append(ticket)

    def on_other(self, event):
        self._advance(event)


def test_every_ticket_shows_exactly_once_across_an_edge_crash(browser, kitchen_outlet):  # noqa: F811
    edge = kitchen_outlet[1]
    till = HttpTill(edge)
    till.item("DR-COLA")  # look the product up before the outage
    page = open_kitchen(browser, edge)
    screen = ReplayingScreen(edge.url, edge.login("kitchen", password="kitchen123"))

    producer = Producer(till)
    producer.start()
    while len(producer.confirmed) < KILL_AFTER and producer.is_alive():
        time.sleep(0.05)
    edge.kill()
    expect(page.locator("[data-testid=banner]")).to_be_visible(timeout=10000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "kitchen-offline-1280x800.png"))
    time.sleep(0.5)
    edge.start()
    producer.join(timeout=120)
    assert not producer.failures and len(producer.confirmed) == ORDERS

    expect(page.locator("[data-testid=banner]")).to_be_hidden(timeout=15000)
    # the edge's own list of open tickets (other tests sharing this edge may have left some)
    open_ids = sorted(row["id"] for row in till.call("GET", "/api/kitchen/orders/?page_size=100").json()["results"])
    assert set(producer.confirmed) <= set(open_ids)
    expect(page.locator("[data-testid=ticket]")).to_have_count(len(open_ids), timeout=15000)
    page.wait_for_selector("body[data-link=live]")
    shown = page.eval_on_selector_all("[data-testid=ticket]", "cards => cards.map(c => Number(c.dataset.orderId))")
    assert len(shown) == len(set(shown))
    assert sorted(shown) == open_ids
    for order_id in producer.confirmed:
        expect(card(page, order_id)).to_have_count(1)

    deadline = time.monotonic() + 15
    while len(screen.created) < ORDERS and time.monotonic() < deadline:
        time.sleep(0.1)
    ids = [ticket["id"] for ticket in screen.created]
    assert sorted(ids) == sorted(producer.confirmed) and len(ids) == len(set(ids))
    assert screen.out_of_step == []
    screen.sio.disconnect()
    page.context.close()
