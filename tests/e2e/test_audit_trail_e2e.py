"""The audit trail with real processes: `pos cloud run` and an enrolled `pos edge run`.

A manager's refund, a voided line and a cash movement at the till reach head office and
show on the dashboard's audit panel (Chromium) with who and when. Then the till's
database is tampered with by hand (sqlite3, beside the running edge): a record deleted
in the middle is named by the till's own verify; a record hidden with its outbox row
while the cloud is away is named by the cloud's verify once the till syncs again."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.support.processes import Cloud, Edge
from tests.sync.faults import copy_outlet

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "audit"


class Till:
    def __init__(self, edge: Edge):
        self.url = edge.url
        self.cashier = {"Authorization": f"Bearer {edge.login('cashier', pin='1234')}", "X-Terminal-ID": "1"}
        self.manager = {"Authorization": f"Bearer {edge.login('manager', password='manager123')}",
                        "X-Terminal-ID": "1"}

    def call(self, method, path, headers=None, expect_status=None, **kw):
        response = requests.request(method, f"{self.url}{path}", headers=headers or self.cashier, timeout=20, **kw)
        assert response.status_code < 300 or response.status_code == expect_status, response.text
        return response.json() if response.content else None

    def product(self, sku):
        return self.call("GET", f"/api/products/?code={sku}")["results"][0]

    def order(self, sku, quantity):
        return self.call("POST", "/api/orders/", json={"items": [{"product_id": self.product(sku)["id"],
                                                                  "quantity": quantity}]})


def office(cloud: Cloud) -> dict:
    token = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                          timeout=10).json()["access"]
    return {"Authorization": f"Bearer {token}"}


def audit(cloud: Cloud, headers: dict, **params) -> dict:
    response = requests.get(f"{cloud.url}/api/audit/", headers=headers, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen in {timeout} s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, templates):
    cloud, edge = copy_outlet(templates("sqlite"), tmp_path_factory.mktemp("audit"))
    try:
        cloud.start()
        edge.start()
        till = Till(edge)
        shift = till.call("POST", "/api/shifts/open/", json={"opening_cash": "200000.00"})
        sold = till.order("DR-COLA", 2)
        till.call("POST", "/api/payments/", json={"order_id": sold["id"], "method": "cash", "tendered": "100000.00"})
        till.call("POST", f"/api/orders/{sold['id']}/refund/", headers=till.manager, json={"reason": "spilled"})
        open_order = till.order("DR-COLA", 3)
        till.call("POST", f"/api/orders/{open_order['id']}/void/", headers=till.manager, json={
            "reason": "rang twice", "lines": [{"item_id": open_order["items"][0]["id"], "quantity": 1}]})
        till.call("POST", f"/api/shifts/{shift['id']}/cash-movements/", json={"kind": "out", "amount": "15000.00",
                                                                             "reason": "ice"})
        headers = office(cloud)
        wait_for(lambda: audit(cloud, headers, action="cash_out")["count"], "the till's records reaching the cloud")
        yield {"cloud": cloud, "edge": edge, "till": till, "owner": headers, "sold": sold, "shift": shift}
    finally:
        edge.stop()
        cloud.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_the_audit_panel_shows_the_refund_the_void_and_the_cash_out_with_who_and_when(stack, browser):
    cloud = stack["cloud"]
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
    page.goto(f"{cloud.url}/dashboard/")
    page.get_by_test_id("login-username").fill("owner")
    page.get_by_test_id("login-password").fill("owner123")
    page.get_by_test_id("login-submit").click()
    expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20000)
    listing = page.get_by_test_id("audit-list")
    for action, who in (("refund", "manager"), ("void", "manager"), ("cash_out", "cashier")):
        row = listing.locator(f"tr[data-action={action}]").first
        expect(row.locator(".audit-who")).to_have_text(who)
    entry = audit(cloud, stack["owner"], action="refund")["results"][0]
    row = listing.locator("tr[data-action=refund]").first
    expect(row).to_contain_text(entry["at_local"].replace("T", " ")[:19])  # when, at the outlet's clock
    expect(row).to_contain_text("spilled")
    page.get_by_test_id("audit-action").select_option("void")
    page.get_by_test_id("audit-apply").click()
    expect(listing.locator("tbody tr")).to_have_count(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("audit").screenshot(path=str(ARTIFACTS / "audit-panel.png"))


def test_a_record_deleted_by_hand_in_the_tills_database_is_named_by_its_verify(stack):
    till, edge = stack["till"], stack["edge"]
    assert till.call("GET", "/api/audit/verify/", headers=till.manager)["ok"] is True
    with sqlite3.connect(edge.data_dir / "edge.sqlite3", timeout=10) as conn:
        seq = conn.execute("SELECT seq FROM audit_records WHERE action = 'refund'").fetchone()[0]
        conn.execute("DELETE FROM audit_records WHERE seq = ?", (seq,))
    answer = till.call("GET", "/api/audit/verify/", headers=till.manager)
    assert answer["ok"] is False
    assert [(b["seq"], b["problem"], b["expected"]) for b in answer["breaks"]] == [(seq + 1, "missing", f"seq {seq}")]


def test_a_record_hidden_before_it_synced_is_named_by_the_clouds_verify(stack):
    cloud, till, edge = stack["cloud"], stack["till"], stack["edge"]
    shift = stack["shift"]
    cloud.stop()  # the till is offline
    till.call("POST", f"/api/shifts/{shift['id']}/cash-movements/", json={"kind": "out", "amount": "1000.00",
                                                                         "reason": "tip jar"})
    with sqlite3.connect(edge.data_dir / "edge.sqlite3", timeout=10) as conn:
        uuid, seq, device = conn.execute("SELECT uuid, seq, device_id FROM audit_records "
                                         "ORDER BY seq DESC LIMIT 1").fetchone()
        conn.execute("DELETE FROM outbox WHERE aggregate_id = ?", (uuid,))
        conn.execute("DELETE FROM audit_records WHERE uuid = ?", (uuid,))
    till.call("POST", f"/api/shifts/{shift['id']}/cash-movements/", json={"kind": "in", "amount": "500.00",
                                                                         "reason": "change"})
    cloud.start()
    headers = office(cloud)
    wait_for(lambda: audit(cloud, headers, action="cash_in")["count"], "the till's sync after the outage")
    outlet = audit(cloud, headers, action="cash_in")["results"][0]["outlet_id"]
    verified = requests.get(f"{cloud.url}/api/audit/verify/", params={"outlet": outlet}, headers=headers,
                            timeout=10).json()
    assert verified["ok"] is False
    assert [(b["device_id"], b["seq"], b["problem"], b["expected"]) for b in verified["breaks"]] == [
        (device, seq + 1, "missing", f"seq {seq}")]
