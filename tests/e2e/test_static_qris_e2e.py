"""Static QRIS, the customer display and the self-order kiosk's long-poll, in Debian's
Chromium on real processes (`pos gateway-sim`, `pos cloud run`, an enrolled `pos edge run`).

The owner sets the outlet's printed QR at the cloud; the edge mirrors it and the till
offers "Static QRIS"; the cashier records one on the payer's reference; it syncs to the
cloud unverified; the dashboard's card imports a Midtrans settlement CSV and it turns
verified. A second screen facing the customer shows the QR its till waits on, then
"Paid". The self-order kiosk waits on its QR with `?wait=` long-polls."""
from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.kiosk_page import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Api, Kiosk
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.support.static_qris import static_payload
from tests.sync.faults import copy_outlet

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TERMINAL = 4
QR = static_payload()


def until(check, timeout=40, every=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
def outlet(tmp_path_factory, templates):
    workdir = tmp_path_factory.mktemp("static-qris")
    cloud_port = free_port()
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    sim = GatewaySim(workdir / "sim.log", cloud_url).start()
    cloud, edge = copy_outlet(templates("sqlite"), workdir, cloud_port=cloud_port, cloud_env={
        "POS_MIDTRANS_API_URL": sim.url, "POS_XENDIT_API_URL": sim.url, "POS_CLOUD_PUBLIC_URL": cloud_url})
    try:
        cloud.start()
        edge.start()
        owner = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                              timeout=10).json()
        headers = {"Authorization": f"Bearer {owner['access']}"}
        outlets = requests.get(f"{cloud.url}/api/outlets/", headers=headers, timeout=10).json()["results"]
        outlet_id = next(o["id"] for o in outlets if o["code"] == "YOG")
        patched = requests.patch(f"{cloud.url}/api/outlets/{outlet_id}/", json={"static_qris": QR}, headers=headers,
                                 timeout=10)
        assert patched.status_code == 200, patched.text
        manager = Api(edge.url, terminal=TERMINAL)
        until(lambda: manager.get("/api/outlet/")["static_qris"] == QR)  # the pull loop mirrored it
        yield {"sim": sim, "cloud": cloud, "edge": edge, "owner": headers}
    finally:
        edge.stop()
        cloud.stop()
        sim.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, errors, size=(1024, 768)):
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.fixture(scope="module")
def kiosk(outlet, browser):
    errors = []
    kiosk = Kiosk(new_page(browser, errors), outlet["edge"].url).open(TERMINAL)
    kiosk.sign_in_pin("cashier", "1234")
    kiosk.open_shift("500000")
    yield kiosk
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_static_qris_is_recorded_at_the_till_and_verified_from_the_dashboard(outlet, kiosk, browser):
    cloud = outlet["cloud"]
    kiosk.add("DR-COLA")
    kiosk.tid("pay-button").click()
    kiosk.tid("tender-static_qr").click()
    expect(kiosk.tid("static-qr-image")).to_be_visible()
    kiosk.tid("pay-submit").click()
    expect(kiosk.tid("payment-message")).to_contain_text("reference shown in the customer's app")
    kiosk.tid("static-reference").fill("RRN-E2E-0001")
    kiosk.shot("static-qris-tender")
    kiosk.tid("pay-submit").click()
    expect(kiosk.tid("payment-done")).to_be_visible()
    kiosk.tid("new-sale").click()

    def synced():
        rows = requests.get(f"{cloud.url}/api/payments/static/", headers=outlet["owner"], timeout=10).json()
        return [r for r in rows["results"] if r["reference"] == "RRN-E2E-0001"]
    row = until(synced)[0]
    assert row["verified"] is False

    errors = []
    page = new_page(browser, errors, (1440, 900))
    page.goto(f"{cloud.url}/dashboard/")
    page.get_by_test_id("login-username").fill("owner")
    page.get_by_test_id("login-password").fill("owner123")
    page.get_by_test_id("login-submit").click()
    expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20000)
    card = page.get_by_test_id("settlements")
    expect(card).to_be_visible()
    expect(card.locator("tr[data-reference='RRN-E2E-0001']")).to_be_visible()
    report = ("Order ID,Transaction ID,Payment Type,Gross Amount,Transaction Status,Settlement Time\n"
              f"RRN-E2E-0001,tx-e2e-1,qris,{row['amount']},settlement,2026-12-07 23:00:00\n"
              "RRN-NOBODY,tx-e2e-2,qris,10000.00,settlement,2026-12-07 23:00:00\n")
    page.get_by_test_id("settlement-file").set_input_files(
        files=[{"name": "settlement.csv", "mimeType": "text/csv", "buffer": report.encode()}])
    page.get_by_test_id("settlement-import").click()
    expect(page.get_by_test_id("settlement-summary")).to_contain_text("1 payment verified, 1 difference")
    expect(page.locator("[data-testid=settlement-differences] tr[data-outcome=reference_not_found]")).to_contain_text(
        "RRN-NOBODY")
    expect(page.get_by_test_id("static-none")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard-settlement.png"))
    assert not errors, errors
    assert synced() == []  # verified now: off the unverified list


def test_the_customer_display_shows_the_waiting_qr_then_paid(outlet, kiosk, browser):
    sim, edge = outlet["sim"], outlet["edge"]
    errors = []
    screen = new_page(browser, errors)
    screen.goto(f"{edge.url}/kiosk/customer-display?terminal={TERMINAL}")
    screen.get_by_test_id("display-username").fill("cashier")
    screen.get_by_test_id("display-secret").fill("1234")
    screen.get_by_test_id("display-submit").click()
    expect(screen.locator("[data-testid=customer-display][data-state=idle]")).to_be_attached()
    kiosk.add("DR-LTEA")
    kiosk.tid("pay-button").click()
    kiosk.tid("tender-qris").click()
    kiosk.tid("pay-submit").click()
    expect(kiosk.tid("gateway-wait")).to_be_visible()
    expect(screen.get_by_test_id("display-qr")).to_be_visible()
    amount = kiosk.tid("gateway-wait").locator(".field-label").inner_text()
    assert screen.get_by_test_id("display-amount").inner_text() in amount
    kiosk.shot("qris-with-display")
    screen.screenshot(path=str(ARTIFACTS / "customer-display-qr.png"))
    payment_id = kiosk.tid("gateway-wait").get_attribute("data-payment-id")
    payment = Api(edge.url, username="cashier", password="cashier123", terminal=TERMINAL).get(
        f"/api/payments/{payment_id}/")
    charge = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": payment["uuid"]}, timeout=5).json()["data"]
    assert requests.post(f"{sim.url}/_sim/charges/{charge[0]['id']}/pay", timeout=5).status_code == 200
    expect(screen.get_by_test_id("display-paid")).to_have_text("Paid, thank you!")
    expect(kiosk.tid("payment-done")).to_be_visible()
    screen.screenshot(path=str(ARTIFACTS / "customer-display-paid.png"))
    kiosk.tid("new-sale").click()
    assert not errors, errors


def test_the_self_order_kiosk_long_polls_its_qr(outlet, browser):
    sim, edge = outlet["sim"], outlet["edge"]
    errors = []
    page = new_page(browser, errors)
    polls = []
    page.on("request", lambda request: polls.append(request.url)
            if re.search(r"/api/payments/\d+/(\?|$)", request.url) else None)
    kiosk = Kiosk(page, edge.url).open(9, mode="self")
    kiosk.sign_in_pin("cashier", "1234")
    kiosk.tid("self-start").click()
    kiosk.add("DR-COLA")
    kiosk.tid("pay-button").click()
    kiosk.tid("self-name").fill("Sari")
    kiosk.tid("self-pay-qris").click()
    expect(kiosk.tid("self-qr-image")).to_be_visible()
    page.wait_for_timeout(4000)  # the customer takes a while: a 1 s poll would have asked four times by now
    assert polls and all("wait=20" in url for url in polls), polls
    assert len(polls) <= 2, polls
    api = Api(edge.url, username="cashier", password="cashier123", terminal=9)
    order = api.get("/api/orders/", search="Sari")["results"][0]
    pending = [p for p in api.get(f"/api/orders/{order['id']}/")["payments"] if p["status"] == "pending"]
    charge = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": pending[0]["uuid"]},
                          timeout=5).json()["data"]
    assert requests.post(f"{sim.url}/_sim/charges/{charge[0]['id']}/pay", timeout=5).status_code == 200
    began = time.monotonic()
    expect(kiosk.tid("self-done-text")).to_have_text("Paid. Thank you!")
    assert time.monotonic() - began < 10
    assert not errors, errors
