"""QRIS at the till in Debian's Chromium, on real processes: `pos gateway-sim`, a cloud
charging through it (seeded with the simulator's demo credentials) and an enrolled edge.
The cashier picks QRIS, the kiosk draws the QR and waits; the customer pays on the
simulator (its control endpoint, as the page's "Pay" button does); the kiosk turns to
"Paid in full" by itself. A code left to expire tells the cashier to try again or take
cash, and cash then settles the order."""
from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.kiosk_page import CHROMIUM, CHROMIUM_ARGS, Api, Kiosk
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.sync.faults import copy_outlet

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TERMINAL = 3


@pytest.fixture(scope="module")
def qris_outlet(tmp_path_factory, templates):
    workdir = tmp_path_factory.mktemp("qris-outlet")
    cloud_port = free_port()
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    sim = GatewaySim(workdir / "sim.log", cloud_url).start()
    sim_url = sim.url
    cloud, edge = copy_outlet(templates("sqlite"), workdir, cloud_port=cloud_port, cloud_env={
        "POS_MIDTRANS_API_URL": sim_url, "POS_XENDIT_API_URL": sim_url, "POS_CLOUD_PUBLIC_URL": cloud_url})
    try:
        cloud.start()
        edge.start()
        yield sim, cloud, edge
    finally:
        edge.stop()
        cloud.stop()
        sim.stop()
        sim.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, errors):
    page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.fixture(scope="module")
def kiosk(qris_outlet, browser):
    _, _, edge = qris_outlet
    errors = []
    kiosk = Kiosk(new_page(browser, errors), edge.url).open(TERMINAL)
    kiosk.sign_in_pin("cashier", "1234")
    kiosk.open_shift("500000")
    yield kiosk
    assert not errors, f"JavaScript errors on the page: {errors}"


def start_qris_sale(kiosk, sku="DR-COLA"):
    kiosk.add(sku)
    kiosk.tid("pay-button").click()
    kiosk.tid("tender-qris").click()
    kiosk.tid("pay-submit").click()
    expect(kiosk.tid("gateway-wait")).to_be_visible()
    expect(kiosk.tid("qr-image")).to_be_visible()
    return kiosk.tid("gateway-wait").get_attribute("data-payment-id")


def sim_charge(sim, payment_uuid):
    listed = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": payment_uuid}, timeout=5).json()["data"]
    assert len(listed) == 1, listed
    return listed[0]


def test_the_customer_pays_the_qr_and_the_kiosk_turns_paid_on_its_own(qris_outlet, kiosk):
    sim, _, edge = qris_outlet
    payment_id = start_qris_sale(kiosk)
    assert kiosk.tid("qr-image").get_attribute("src").startswith("data:image/svg+xml;base64,")
    expect(kiosk.tid("gateway-state")).to_have_text("Waiting for the customer to pay…")
    expect(kiosk.tid("gateway-expiry")).to_contain_text("expires in")
    kiosk.shot("qris-waiting")
    api = Api(edge.url, username="cashier", password="cashier123", terminal=TERMINAL)
    payment = api.get(f"/api/payments/{payment_id}/")
    assert payment["status"] == "pending"
    charge = sim_charge(sim, payment["uuid"])
    assert requests.post(f"{sim.url}/_sim/charges/{charge['id']}/pay", timeout=5).status_code == 200
    expect(kiosk.tid("payment-done")).to_be_visible()  # nobody touched the till
    kiosk.shot("qris-paid")
    assert api.get(f"/api/payments/{payment_id}/")["status"] == "paid"
    kiosk.tid("new-sale").click()


def test_an_expired_code_asks_for_a_new_one_or_cash(qris_outlet, kiosk):
    sim, _, edge = qris_outlet
    payment_id = start_qris_sale(kiosk, "DR-LTEA")
    api = Api(edge.url, username="cashier", password="cashier123", terminal=TERMINAL)
    charge = sim_charge(sim, api.get(f"/api/payments/{payment_id}/")["uuid"])
    assert requests.post(f"{sim.url}/_sim/charges/{charge['id']}/expire", timeout=5).status_code == 200
    expect(kiosk.tid("payment-message")).to_contain_text("The QRIS payment expired")
    expect(kiosk.tid("gateway-wait")).to_have_count(0)
    kiosk.shot("qris-expired")
    kiosk.pay_cash()
    expect(kiosk.tid("payment-done")).to_be_visible()
    kiosk.tid("new-sale").click()


def test_the_cashier_prints_the_waiting_code_on_the_receipt_printer(qris_outlet, kiosk):
    """A till with no screen facing the customer: "Print the code" puts the QR on paper,
    drawn by the printer itself (ESC/POS QR), then the customer pays it."""
    from tests.support.escpos_decoder import decode

    sim, _, edge = qris_outlet
    # the till already knows this outlet's printers (none) when the manager sets one up
    kiosk.page.wait_for_function("() => Array.isArray(window.kiosk.state.status?.printers?.items)")
    manager = Api(edge.url, terminal=TERMINAL)
    requests.post(f"{edge.url}/api/printers/", headers=manager.headers, timeout=10, json={
        "name": "Counter", "kind": "file", "device": "qr-counter.escpos", "role": "receipt",
        "profile": "TM-T20II"}).raise_for_status()
    payment_id = start_qris_sale(kiosk, "DR-COLA")
    kiosk.tid("gateway-print").click()
    expect(kiosk.page.get_by_text("The code is printing on the receipt printer.")).to_be_visible()
    kiosk.shot("qris-print-code", keep_toasts=True)
    payment = Api(edge.url, username="cashier", password="cashier123", terminal=TERMINAL).get(
        f"/api/payments/{payment_id}/")
    printed = edge.data_dir / "printers" / "qr-counter.escpos"
    deadline = time.monotonic() + 30
    while not (printed.exists() and decode(printed.read_bytes()).qr) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert decode(printed.read_bytes()).qr == [payment["qr_string"]]
    charge = sim_charge(sim, payment["uuid"])
    assert requests.post(f"{sim.url}/_sim/charges/{charge['id']}/pay", timeout=5).status_code == 200
    expect(kiosk.tid("payment-done")).to_be_visible()
    kiosk.tid("new-sale").click()


def test_the_cashier_withdraws_the_qr_before_anyone_pays(qris_outlet, kiosk):
    sim, _, edge = qris_outlet
    payment_id = start_qris_sale(kiosk, "DR-COLA")
    kiosk.tid("gateway-cancel").click()
    expect(kiosk.tid("payment-message")).to_contain_text("was cancelled")
    api = Api(edge.url, username="cashier", password="cashier123", terminal=TERMINAL)
    payment = api.get(f"/api/payments/{payment_id}/")
    assert payment["status"] == "cancelled"
    assert sim_charge(sim, payment["uuid"])["open"] is False  # withdrawn at the gateway too


def test_a_self_order_customer_pays_by_qris_and_is_told_so(qris_outlet, browser):
    sim, _, edge = qris_outlet
    api = Api(edge.url, username="cashier", password="cashier123", terminal=9)  # no shift: a kiosk has no drawer
    errors = []
    kiosk = Kiosk(new_page(browser, errors), edge.url).open(9, mode="self")
    kiosk.sign_in_pin("cashier", "1234")
    kiosk.tid("self-start").click()
    kiosk.add("DR-COLA")
    kiosk.tid("pay-button").click()
    kiosk.tid("self-name").fill("Dewi")
    kiosk.tid("self-pay-qris").click()
    expect(kiosk.tid("self-qr-image")).to_be_visible()
    kiosk.shot("self-qris-waiting")
    order = api.get("/api/orders/", search="Dewi")["results"][0]
    pending = [p for p in api.get(f"/api/orders/{order['id']}/")["payments"] if p["status"] == "pending"]
    assert len(pending) == 1
    charge = sim_charge(sim, pending[0]["uuid"])
    assert requests.post(f"{sim.url}/_sim/charges/{charge['id']}/pay", timeout=5).status_code == 200
    expect(kiosk.tid("self-done-text")).to_have_text("Paid. Thank you!")
    kiosk.shot("self-qris-paid")
    assert not errors, errors
