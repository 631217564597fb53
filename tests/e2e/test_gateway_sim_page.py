"""The gateway simulator's page in Debian's Chromium: a person sees the open charge and
pays it with the button, and the merchant gets the settlement notification.

Screenshot: test-artifacts/gateway-sim/page.png.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.support.needs import NO_CHROMIUM
from tests.support.processes import GatewaySim
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gateway-sim"
SERVER_KEY = "SB-Mid-server-page-test"


@pytest.fixture
def sim(tmp_path):
    with WebhookReceiver() as receiver:
        process = GatewaySim(tmp_path / "sim.log", receiver.url, midtrans_server_key=SERVER_KEY).start()
        try:
            yield process.url, receiver
        finally:
            process.stop()


def test_a_person_pays_an_open_charge_from_the_page(sim):
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    url, receiver = sim
    auth = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    charge = requests.post(f"{url}/v2/charge", headers={"Authorization": auth}, timeout=10, json={
        "payment_type": "qris", "transaction_details": {"order_id": "kiosk-order-17", "gross_amount": 42000}}).json()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
        page.goto(url + "/")
        row = page.locator(f'tr[data-id="{charge["transaction_id"]}"]')
        expect(row).to_contain_text("kiosk-order-17")
        expect(row).to_contain_text("IDR 42000.00")
        row.get_by_role("button", name="Pay").click()
        expect(row.locator("td.state")).to_have_text("paid")
        expect(row.get_by_role("button", name="Pay")).to_have_count(0)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page.png"))
        browser.close()
    settlement = receiver.wait_for(2)[1]
    assert json.loads(settlement.body)["transaction_status"] == "settlement"
