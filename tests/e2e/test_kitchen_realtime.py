"""The kitchen over real processes: `pos edge run` (eventlet) on loopback, a python-socketio
client as the screen, orders placed over the HTTP API.

Also home of what the other kitchen end-to-end modules share: one cloud and edge for
all of them (`kitchen_outlet`; starting the processes is most of these tests' time) and
`HttpTill`, a cashier on the HTTP API."""
from __future__ import annotations

import queue
import time
import uuid

import pytest
import requests
import socketio

from tests.support.socket_clients import in_arrival_order
from tests.sync.faults import copy_outlet

pytestmark = pytest.mark.e2e

_shared: dict = {}


@pytest.fixture(scope="session")
def kitchen_outlet(tmp_path_factory, templates):
    """A seeded cloud and an enrolled `pos edge run` (eventlet), shared by every kitchen
    module that imports this fixture (the module-level cache makes it one pair even
    though each importing module registers the fixture again)."""
    if "outlet" not in _shared:
        cloud, edge = copy_outlet(templates("sqlite"), tmp_path_factory.mktemp("kitchen-outlet"))
        _shared["outlet"] = (cloud, edge)
        cloud.start()
        edge.start()
    yield _shared["outlet"]
    for process in reversed(_shared.get("outlet", ())):
        process.stop()


class HttpTill:
    """A cashier on the edge's HTTP API: places orders and sends them to the kitchen."""

    def __init__(self, edge, username="cashier", terminal=7, **secret):
        self.url = edge.url
        token = edge.login(username, **(secret or {"pin": "1234"}))
        self.headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)}
        self.products: dict[str, dict] = {}

    def call(self, method, path, timeout=10, **kw):
        return requests.request(method, f"{self.url}{path}", headers=self.headers, timeout=timeout, **kw)

    def product(self, sku):
        if sku not in self.products:
            self.products[sku] = self.call("GET", f"/api/products/?code={sku}").json()["results"][0]
        return self.products[sku]

    def item(self, sku, quantity=1, modifiers=(), note=None):
        product = self.product(sku)
        ids = [m["id"] for g in product["modifier_groups"] for m in g["modifiers"] if m["name"] in modifiers]
        return {"product_id": product["id"], "quantity": quantity, "modifier_ids": ids,
                **({"note": note} if note else {})}

    def order(self, *items, **fields) -> dict:
        body = {"client_uuid": str(uuid.uuid4()), "items": list(items or [self.item("DR-COLA")]), **fields}
        response = self.call("POST", "/api/orders/", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def confirm(self, order_id) -> dict:
        response = self.call("POST", f"/api/orders/{order_id}/confirm/")
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, order_id) -> dict:
        return self.call("GET", f"/api/orders/{order_id}/").json()


class KitchenClient:
    """A python-socketio screen that keeps every event it receives, in order."""

    def __init__(self, url, token, last_seq=None):
        self.events: queue.Queue = queue.Queue()
        self.log: list[tuple[str, dict]] = []
        self.sio = socketio.Client(reconnection=False)
        in_arrival_order(self.sio)
        for name in ("connected", "snapshot", "synced", "order_created", "order_updated", "order_completed",
                     "order_cancelled", "status_updated", "error", "subscribed"):
            self.sio.on(name, self._keep(name))
        auth = {"token": token, **({"last_seq": last_seq} if last_seq is not None else {})}
        self.sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=10)

    def _keep(self, name):
        def handler(data=None):
            self.log.append((name, data))
            self.events.put((name, time.perf_counter(), data))
        return handler

    def wait_for(self, name, predicate=lambda data: True, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {name} within {timeout} s; got {[n for n, _ in self.log]}")
            try:
                event, at, data = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event == name and predicate(data):
                return at, data

    def close(self):
        self.sio.disconnect()


@pytest.fixture(scope="module")
def outlet(kitchen_outlet):
    return kitchen_outlet


@pytest.fixture(scope="module")
def till(outlet):
    return HttpTill(outlet[1])


@pytest.fixture(scope="module")
def cook_token(outlet):
    return outlet[1].login("kitchen", password="kitchen123")


@pytest.fixture
def kitchen(outlet, cook_token):
    opened = []

    def open_client(**kw):
        client = KitchenClient(outlet[1].url, cook_token, **kw)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


def test_a_screen_sees_an_order_confirmed_over_http_within_a_second(till, kitchen):
    screen = kitchen()
    screen.wait_for("synced")
    order = till.order(till.item("PZ-MARG", 1, ["Large"], note="no basil"), till.item("DR-LTEA"), table="12")
    sent = time.perf_counter()
    till.confirm(order["id"])
    received, ticket = screen.wait_for("order_created", lambda t: t["id"] == order["id"], timeout=1.0)
    assert received - sent < 1.0
    assert ticket["seq"] >= 1 and ticket["table"] == "12"
    assert [(i["name"], i["station"], i["modifiers"]) for i in ticket["items"]] == [
        ("Margherita Pizza", "oven", ["Large"]), ("Iced Lemon Tea", "bar", [])]
    assert ticket["items"][0]["note"] == "no basil"


def test_a_missing_or_bad_token_is_refused_by_the_real_server(outlet):
    for auth in (None, {"token": "nope"}):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(outlet[1].url, auth=auth, transports=["websocket"], wait_timeout=5)


def test_socket_status_changes_are_the_api_status_and_reach_other_screens(till, kitchen):
    order = till.order()
    till.confirm(order["id"])
    cook, other = kitchen(), kitchen()
    other.wait_for("synced")
    cook.sio.emit("update_status", {"id": order["id"], "order_number": order["order_number"],
                                    "outlet_id": order["outlet_id"], "status": "preparing"})
    _, ack = cook.wait_for("status_updated", lambda a: a["orderId"] == order["id"])
    _, update = other.wait_for("order_updated", lambda u: u["id"] == order["id"])
    assert update["status"] == "preparing" and update["seq"] == ack["seq"]
    assert till.get(order["id"])["status"] == "preparing"


def test_a_screen_that_reconnects_with_its_last_seq_gets_exactly_what_it_missed(till, kitchen):
    screen = kitchen()
    _, marker = screen.wait_for("synced")
    screen.close()
    missed = [till.order() for _ in range(3)]
    for order in missed:
        till.confirm(order["id"])
    again = kitchen(last_seq=marker["last_seq"])
    _, done = again.wait_for("synced")
    created = [data for name, data in again.log if name == "order_created"]
    assert [t["id"] for t in created] == [o["id"] for o in missed]
    assert [t["seq"] for t in created] == list(range(marker["last_seq"] + 1, marker["last_seq"] + 4))
    assert done["mode"] == "replay" and done["last_seq"] == marker["last_seq"] + 3
