"""Gross margin and stock usage on the dashboard, on real processes: the demo outlet's edge
receives dough, sells Margheritas (three Regular, one Large), counts the dough short and
syncs; the head office's dashboard (Chromium) shows the margin per product and the dough's
theoretical against actual usage, as the cloud's API reports them and as worked out by hand.

The demo's costs: Dough 10.00 a gram, Mozzarella 150.00. A Regular Margherita uses 200 g
dough and 100 g mozzarella (17000.00); Large adds 100 g dough and 50 g mozzarella (8500.00).
COGS: 3 x 17000 + 1 x 25500 = 76500.00. Dough: received 20000 g, used 3 x 200 + 300 = 900 g
by the recipes, so the ledger expects 19100 g; counted 19000 g: actual use 1000 g, variance
+100 g (1000.00)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from sync.money import parse_amount
from tests.e2e.test_audit_trail_e2e import Till, office, wait_for
from tests.e2e.test_dashboard_page import rupiah
from tests.support.needs import require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


def _sell(till: Till, pizza: dict, size: str, quantity: int) -> None:
    modifier = next(m["id"] for g in pizza["modifier_groups"] for m in g["modifiers"] if m["name"] == size)
    order = till.call("POST", "/api/orders/", json={"items": [{"product_id": pizza["id"], "quantity": quantity,
                                                                "modifier_ids": [modifier]}]})
    till.call("POST", f"/api/orders/{order['id']}/confirm/")
    till.call("POST", "/api/payments/", json={"order_id": order["id"], "method": "card", "reference": "OK-1"})


def test_margin_and_usage_show_on_the_dashboard(outlet):
    require_chromium()
    cloud, edge = outlet
    till = Till(edge)
    till.call("POST", "/api/shifts/open/", json={"opening_cash": "200000.00"})
    ids = {row["name"]: row["stock_item_id"] for row in till.call("GET", "/api/stock/", headers=till.manager)[
        "results"]}
    till.call("POST", "/api/stock/receive/", headers=till.manager, json={"reason": "Monday delivery", "lines": [
        {"stock_item_id": ids["Dough"], "quantity": 20_000, "cost": "200000.00"}]})
    pizza = till.product("PZ-MARG")
    _sell(till, pizza, "Regular", 3)
    _sell(till, pizza, "Large", 1)
    sheet = till.call("POST", "/api/stocktakes/", headers=till.manager, json={"stock_item_ids": [ids["Dough"]]})
    till.call("PUT", f"/api/stocktakes/{sheet['id']}/counts/", headers=till.manager, json={"lines": [
        {"stock_item_id": ids["Dough"], "counted": 19_000}]})
    posted = till.call("POST", f"/api/stocktakes/{sheet['id']}/post/", headers=till.manager)
    assert posted["lines"][0]["expected"] == 19_100

    owner = office(cloud)

    def usage():
        rows = requests.get(f"{cloud.url}/api/stock/usage/", headers=owner, timeout=10).json()["results"]
        dough = [r for r in rows if r["name"] == "Dough" and r["counts"] == 1]
        return dough[0] if dough else None

    dough = wait_for(usage, "the stocktake reaching the cloud")
    assert (dough["theoretical"], dough["actual"], dough["variance"], dough["variance_value"]) == (
        900, 1000, 100, "1000.00")
    report = requests.get(f"{cloud.url}/api/analytics/margins/", headers=owner, timeout=10).json()
    [margherita] = [r for r in report["results"] if r["sku"] == "PZ-MARG"]
    # net sales: the lines' net prices as the orders synced (a demo promotion takes some off)
    orders = requests.get(f"{cloud.url}/api/orders/", headers=owner, timeout=10).json()["results"]
    lines = [item for order in orders for item in order["items"] if item["product_id"] == pizza["id"]]
    net = sum(parse_amount(item["total_price"]) for item in lines)
    margin = net - 7_650_000
    assert (margherita["quantity"], margherita["net_sales"], margherita["cogs"]) == (4, f"{net / 100:.2f}",
                                                                                      "76500.00")
    assert margherita["margin"] == f"{margin / 100:.2f}"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{cloud.url}/dashboard/")
        page.get_by_test_id("login-username").fill("owner")
        page.get_by_test_id("login-password").fill("owner123")
        page.get_by_test_id("login-submit").click()
        expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20_000)
        row = page.locator(f"[data-testid=margin-row][data-product-id='{margherita['product_id']}']")
        expect(row).to_contain_text("Margherita")
        expect(row.get_by_test_id("margin-cogs")).to_have_text(rupiah("76500.00"))
        expect(row.get_by_test_id("margin-value")).to_have_text(rupiah(margherita["margin"]))
        expect(row.get_by_test_id("margin-percent")).to_have_text(f"{margherita['margin_percent']}%")
        usage_row = page.locator(f"[data-testid=usage-row][data-stock-item-id='{dough['stock_item_id']}']")
        expect(usage_row.get_by_test_id("usage-theoretical")).to_have_text("900 g")
        expect(usage_row.get_by_test_id("usage-actual")).to_have_text("1.000 g")
        expect(usage_row.get_by_test_id("usage-variance")).to_have_text("+100 g")
        expect(usage_row.get_by_test_id("usage-variance-value")).to_have_text(rupiah("1000.00"))
        expect(page.get_by_test_id("margins")).not_to_contain_text("null")
        expect(page.get_by_test_id("usage")).not_to_contain_text("undefined")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.get_by_test_id("margins").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "dashboard-margins-usage.png"), full_page=True)
        browser.close()
    assert not errors, errors
