"""Automation rules and the till's e-receipt on real processes: `pos cloud run` seeded with
the demo (its rules included), `pos cloud worker`, `pos whatsapp-sim` and an enrolled
`pos edge run`. In Chromium, a cashier sells with the cloud gone and sends the e-receipt to
a phone number from the paid screen: the simulator shows it once after the cloud returns.
The edge sells pizzas until Dough is under the demo rule's 1 kg: one "Stock low" message,
however many more it sells. A payment rule's signed webhook reaches a real receiver once,
posted by the worker. The edge stops: one "Outlet offline" message."""
from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from simulators.whatsapp.core import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, DEFAULT_PHONE_NUMBER_ID
from tests.cloud.notifications.test_automation_events import SECRET, Receiver
from tests.e2e.kiosk_page import CHROMIUM, CHROMIUM_ARGS, Kiosk
from tests.support.needs import require_chromium
from tests.support.ports import free_port
from tests.support.processes import Cloud, Edge, PosProcess, run_pos

pytestmark = [pytest.mark.e2e]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "automation"
MANAGER = "+6281311112222"  # the demo rules' WhatsApp recipient, as the simulator shows it
ALERTS = "+6281355559999"  # this test's outlet_offline rule


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("automation")
    sim_port = free_port()
    sim_url = f"http://127.0.0.1:{sim_port}"
    settings = {"POS_DEMO": "1", "POS_WHATSAPP_API_URL": sim_url,
                "POS_WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
                "POS_WHATSAPP_ACCESS_TOKEN": DEFAULT_ACCESS_TOKEN, "POS_WHATSAPP_APP_SECRET": DEFAULT_APP_SECRET,
                "POS_NOTIFY_POLL_S": "1", "POS_NOTIFY_RULES_S": "1"}
    cloud = Cloud(workdir, env=settings)
    seeded = run_pos("cloud", "seed-demo", "--notifications", "--database-url", cloud.database_url, cwd=workdir,
                     env=settings)
    key = seeded.strip().splitlines()[-1].split("=", 1)[1]
    cloud.start()
    sim = PosProcess(["whatsapp-sim", "--port", str(sim_port), "--webhook-url",
                      f"{cloud.url}/api/notifications/webhook/whatsapp/"], workdir / "sim.log",
                     f"{sim_url}/_sim/messages/").start()
    worker = PosProcess(["cloud", "worker", "--database-url", cloud.database_url], workdir / "worker.log",
                        "", settings, workdir).start(wait=False)
    edge = Edge(workdir / "edge", env={"POS_EDGE_PULL_INTERVAL_S": "2"})
    try:
        edge.enroll(cloud.url, key)
        edge.start()
        yield cloud, edge, sim_url
    finally:
        for process in (edge, worker, sim, cloud):
            process.stop()


def _messages(sim_url: str, to: str) -> list[dict]:
    return requests.get(f"{sim_url}/_sim/messages/", params={"to": to}, timeout=10).json()["data"]


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _session(edge: Edge, username: str, **secret) -> requests.Session:
    http = requests.Session()
    http.headers.update({"Authorization": f"Bearer {edge.login(username, **secret)}", "X-Terminal-ID": "3"})
    return http


def test_an_e_receipt_sent_from_the_kiosk_while_offline_arrives_once(stack):
    require_chromium()
    cloud, edge, sim_url = stack
    phone = "0812 7777 6655"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        kiosk = Kiosk(page, edge.url).open(2)
        kiosk.sign_in_pin("cashier", "1234")
        kiosk.open_shift("100000")
        cloud.stop()
        try:
            kiosk.add("DR-COLA")
            kiosk.tid("pay-button").click()
            kiosk.pay_cash()
            expect(kiosk.tid("payment-done")).to_be_visible()
            number = kiosk.tid("done-order-number").inner_text()
            kiosk.tid("e-receipt-contact").fill("12")
            kiosk.tid("e-receipt-send").click()
            expect(kiosk.tid("e-receipt-status")).to_contain_text("digits")  # the edge's refusal, verbatim
            kiosk.tid("e-receipt-contact").fill(phone)
            kiosk.tid("e-receipt-send").click()
            expect(kiosk.tid("e-receipt-status")).to_contain_text("Queued: the e-receipt goes to 081277776655 by "
                                                                  "WhatsApp once the outlet has synced")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "kiosk-e-receipt.png"))
            time.sleep(2)
            assert _messages(sim_url, "+6281277776655") == []  # the cloud is away: nothing yet
        finally:
            cloud.start()
        browser.close()
    assert not errors, errors
    [message] = _wait(lambda: _messages(sim_url, "+6281277776655"), 60, "the e-receipt on the simulator")
    order = requests.get(f"{edge.url}/api/orders/", params={"search": number},
                         headers={"Authorization": f"Bearer {edge.login('manager', password='manager123')}"},
                         timeout=10).json()["results"][0]
    assert number in message["body"] and order["receipt_url"] in message["body"]
    assert requests.get(order["receipt_url"], timeout=10).status_code == 200  # the link opens the e-receipt
    time.sleep(4)
    assert len(_messages(sim_url, "+6281277776655")) == 1


def test_stock_low_fires_once_when_dough_falls_under_the_rule(stack):
    _, edge, sim_url = stack
    manager = _session(edge, "manager", password="manager123")
    dough = next(row["stock_item_id"] for row in manager.get(f"{edge.url}/api/stock/", timeout=10).json()["results"]
                 if row["name"] == "Dough")
    manager.post(f"{edge.url}/api/stock/receive/", timeout=10, json={
        "reason": "delivery", "lines": [{"stock_item_id": dough, "quantity": 2000}]}).raise_for_status()
    cashier = _session(edge, "cashier", pin="1234")
    cashier.post(f"{edge.url}/api/shifts/open/", json={"opening_cash": "100000.00"}, timeout=10)
    pizza = next(p for p in cashier.get(f"{edge.url}/api/products/?page_size=100", timeout=10).json()["results"]
                 if p["sku"] == "PZ-MARG")
    regular = next(m["id"] for m in pizza["modifier_groups"][0]["modifiers"] if m["name"] == "Regular")

    def sell(count: int) -> None:
        for _ in range(count):
            order = cashier.post(f"{edge.url}/api/orders/", timeout=10, json={
                "client_uuid": str(uuid.uuid4()),
                "items": [{"product_id": pizza["id"], "quantity": 1, "modifier_ids": [regular]}]}).json()
            cashier.post(f"{edge.url}/api/orders/{order['id']}/confirm/", timeout=10).raise_for_status()

    sell(5)  # 1000 g left: not below 1 kg
    time.sleep(6)
    assert [m for m in _messages(sim_url, MANAGER) if "Stock low" in m["body"]] == []
    sell(1)  # 800 g
    [message] = _wait(lambda: [m for m in _messages(sim_url, MANAGER) if "Stock low" in m["body"]], 60,
                      "the stock_low message")
    assert "Dough is at 800 g, below 1000 g" in message["body"]
    sell(2)  # lower still: the same episode
    time.sleep(6)
    assert len([m for m in _messages(sim_url, MANAGER) if "Stock low" in m["body"]]) == 1


def test_a_payment_rule_calls_a_signed_webhook_through_the_real_worker(stack):
    """A rule on payment_received with conditions: the cash payment synced from the edge is
    posted by `pos cloud worker` to a real HTTP receiver that checks the HMAC signature;
    the card payment that the condition leaves out is not."""
    cloud, edge, _ = stack
    receiver = Receiver()
    try:
        owner = requests.Session()
        owner.headers["Authorization"] = "Bearer " + requests.post(f"{cloud.url}/api/auth/login/", timeout=10, json={
            "username": "owner", "password": "owner123"}).json()["access"]
        made = owner.post(f"{cloud.url}/api/notifications/rules/", timeout=10, json={
            "name": "Cash to the books", "trigger": "payment_received",
            "conditions": [{"field": "method", "op": "==", "value": "cash"}],
            "actions": [{"type": "webhook", "url": receiver.url, "secret": SECRET}]})
        assert made.status_code == 201, made.text
        cashier = _session(edge, "cashier", pin="1234")
        cashier.post(f"{edge.url}/api/shifts/open/", json={"opening_cash": "100000.00"}, timeout=10)
        pizza = next(p for p in cashier.get(f"{edge.url}/api/products/?page_size=100", timeout=10).json()["results"]
                     if p["sku"] == "PZ-MARG")
        regular = next(m["id"] for m in pizza["modifier_groups"][0]["modifiers"] if m["name"] == "Regular")
        numbers = []
        for method in ("card", "cash"):
            order = cashier.post(f"{edge.url}/api/orders/", timeout=10, json={
                "client_uuid": str(uuid.uuid4()),
                "items": [{"product_id": pizza["id"], "quantity": 1, "modifier_ids": [regular]}]}).json()
            cashier.post(f"{edge.url}/api/orders/{order['id']}/confirm/", timeout=10).raise_for_status()
            paid = cashier.post(f"{edge.url}/api/payments/", timeout=10, json={
                "order_id": order["id"], "method": method, "reference": "CARD-9" if method == "card" else "",
                **({"tendered": "200000.00"} if method == "cash" else {})})
            assert paid.status_code == 201, paid.text
            numbers.append(order["order_number"])
        [got] = _wait(lambda: list(receiver.got), 60, "the webhook")
        assert got["valid"] and got["event"] == "payment_received"
        assert (got["body"]["data"]["method"], got["body"]["data"]["order_code"]) == ("cash", numbers[1])
        time.sleep(4)
        assert len(receiver.got) == 1
        history = owner.get(f"{cloud.url}/api/notifications/rules/{made.json()['id']}/deliveries/", timeout=10).json()
        assert [(d["status"], d["id"]) for d in history["results"]] == [("delivered", int(got["delivery"]))]
    finally:
        receiver.close()


def test_outlet_offline_fires_once_when_the_edge_stops_syncing(stack):
    cloud, edge, sim_url = stack
    owner = requests.Session()
    owner.headers["Authorization"] = "Bearer " + requests.post(f"{cloud.url}/api/auth/login/", timeout=10, json={
        "username": "owner", "password": "owner123"}).json()["access"]
    made = owner.post(f"{cloud.url}/api/notifications/rules/", timeout=10, json={
        "name": "Silent a minute", "trigger": "outlet_offline", "offline_minutes": 1,
        "actions": [{"channel": "whatsapp", "recipient": ALERTS}]})
    assert made.status_code == 201, made.text
    time.sleep(4)
    assert _messages(sim_url, ALERTS) == []  # the edge pulls every 2 s: not silent
    edge.stop()
    [message] = _wait(lambda: _messages(sim_url, ALERTS), 120, "the outlet_offline message")
    assert "Mall Yogya has not synced since" in message["body"] and "(more than 1 minute)" in message["body"]
    time.sleep(6)
    assert len(_messages(sim_url, ALERTS)) == 1
    states = owner.get(f"{cloud.url}/api/notifications/rules/{made.json()['id']}/", timeout=10).json()["states"]
    assert [(s["firing"], s["episodes"]) for s in states] == [(True, 1)]
