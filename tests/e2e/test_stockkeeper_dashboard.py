"""The stockkeeper's dashboard, on real processes: the demo outlet's edge receives dough,
sells a Regular Margherita and counts the dough short, and syncs; the demo's stockkeeper
(stock / stock123) sets a reorder point for mozzarella through the cloud's API and signs in
to the dashboard (Chromium). It sees the stock cards with the figures the API and a hand
count give, and no sales card; the page never asks for an endpoint the role is refused.
A cashier is still turned away at the sign-in.

By hand: Dough received 20000 g, the Regular uses 200 g (ledger 19800 g), counted 19700 g:
on hand 19700 g at 10.00 a gram = 197000.00; the count's variance -100 g (-1000.00); usage
200 g theoretical, 300 g actual. Mozzarella: the Regular uses 100 g; its reorder level
is 500 g, so the list orders what brings it back to 500 g."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from sync.money import format_amount, parse_amount
from tests.e2e.test_audit_trail_e2e import Till, wait_for
from tests.e2e.test_dashboard_page import rupiah
from tests.e2e.test_margin_usage_dashboard import _sell
from tests.support.needs import require_chromium
from tests.support.processes import Cloud

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
STOCK_CARDS = ("on-hand", "reorder", "usage", "stocktakes")
SALES_CARDS = ("kpis", "revenue-chart", "top-products", "payment-methods", "customers", "margins", "per-outlet",
               "audit", "alerts", "basis-legend", "notifications-link")
NOT_FOR_STOCK = ("/api/analytics/", "/api/audit/", "/api/security/", "/api/tenants/", "/api/notifications/")


def _login(cloud: Cloud, username: str, password: str) -> dict:
    answer = requests.post(f"{cloud.url}/api/auth/login/", json={"username": username, "password": password},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access']}"}


def _watch(page) -> tuple[list[str], list[tuple[int, str]]]:
    """The API paths the page asks for, and every answer of 400 or above."""
    asked, refused = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("response", lambda response: refused.append((response.status, response.url))
            if response.status >= 400 else None)
    return asked, refused


def _sign_in(page, cloud: Cloud, username: str, password: str) -> None:
    page.goto(f"{cloud.url}/dashboard/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_the_stockkeeper_sees_the_stock_cards_and_no_sales_card(outlet):
    require_chromium()
    cloud, edge = outlet
    till = Till(edge)
    till.call("POST", "/api/shifts/open/", json={"opening_cash": "200000.00"})
    ids = {row["name"]: row["stock_item_id"] for row in till.call("GET", "/api/stock/", headers=till.manager)[
        "results"]}
    till.call("POST", "/api/stock/receive/", headers=till.manager, json={"reason": "Monday delivery", "lines": [
        {"stock_item_id": ids["Dough"], "quantity": 20_000, "cost": "200000.00"}]})
    _sell(till, till.product("PZ-MARG"), "Regular", 1)
    sheet = till.call("POST", "/api/stocktakes/", headers=till.manager, json={"stock_item_ids": [ids["Dough"]]})
    till.call("PUT", f"/api/stocktakes/{sheet['id']}/counts/", headers=till.manager, json={"lines": [
        {"stock_item_id": ids["Dough"], "counted": 19_700}]})
    posted = till.call("POST", f"/api/stocktakes/{sheet['id']}/post/", headers=till.manager)
    assert (posted["lines"][0]["expected"], posted["lines"][0]["variance"]) == (19_800, -100)

    stock = _login(cloud, "stock", "stock123")
    [mall] = requests.get(f"{cloud.url}/api/outlets/", headers=stock, timeout=10).json()["results"]
    point = requests.put(f"{cloud.url}/api/stock/reorder-points/", headers=stock, timeout=10, json={
        "outlet_id": mall["id"], "stock_item_id": ids["Mozzarella"], "reorder_level": 500})
    assert point.status_code == 200, point.text

    def on_hand():
        rows = requests.get(f"{cloud.url}/api/stock/", params={"outlet_id": mall["id"]}, headers=stock,
                            timeout=10).json()["results"]
        by_name = {row["name"]: row for row in rows}
        counted = requests.get(f"{cloud.url}/api/stocktakes/", headers=stock, timeout=10).json()["count"]
        return by_name if by_name["Dough"]["on_hand"] == 19_700 and counted == 1 else None

    rows = wait_for(on_hand, "the edge's sale and count reaching the cloud")
    dough, mozzarella = rows["Dough"], rows["Mozzarella"]
    assert (dough["cost"], dough["value"]) == ("10.00", "197000.00")
    [reorder] = requests.get(f"{cloud.url}/api/stock/reorder/", params={"outlet_id": mall["id"]}, headers=stock,
                             timeout=10).json()["results"]
    assert (reorder["name"], reorder["order_quantity"]) == ("Mozzarella", 500 - mozzarella["on_hand"])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        asked, refused = _watch(page)
        _sign_in(page, cloud, "stock", "stock123")
        expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20_000)
        expect(page.get_by_test_id("user-name")).to_have_text("stock · Stockkeeper")
        expect(page.get_by_test_id("outlet-select")).to_have_value(str(mall["id"]))
        for card in STOCK_CARDS:
            expect(page.get_by_test_id(card)).to_be_visible()
        for card in SALES_CARDS:
            expect(page.get_by_test_id(card)).to_be_hidden()

        row = page.locator(f"[data-testid=on-hand-row][data-stock-item-id='{ids['Dough']}']")
        expect(row.get_by_test_id("on-hand-quantity")).to_have_text("19.700 g")
        expect(row.get_by_test_id("on-hand-value")).to_have_text(rupiah("197000.00"))
        expect(page.get_by_test_id("on-hand-total")).to_contain_text(
            rupiah(format_amount(sum(parse_amount(r["value"]) for r in rows.values()))))
        wanted = page.locator(f"[data-testid=reorder-row][data-stock-item-id='{ids['Mozzarella']}']")
        expect(wanted.get_by_test_id("reorder-quantity")).to_have_text(f"{reorder['order_quantity']} g")
        usage = page.locator(f"[data-testid=usage-row][data-stock-item-id='{ids['Dough']}']")
        expect(usage.get_by_test_id("usage-theoretical")).to_have_text("200 g")
        expect(usage.get_by_test_id("usage-actual")).to_have_text("300 g")
        expect(page.get_by_test_id("stocktake-variance")).to_have_text(rupiah("-1000.00"))
        expect(page.locator("#grid")).not_to_contain_text("undefined")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-stockkeeper.png"), full_page=True)

        # the outlet and date filters still apply: a range before any stock moved
        page.get_by_test_id("date-from").fill("2020-01-01")
        page.get_by_test_id("date-to").fill("2020-01-31")
        page.get_by_test_id("apply").click()
        expect(page.get_by_test_id("usage")).to_contain_text("No stock moved in this range.")
        expect(page.get_by_test_id("stocktakes")).to_contain_text("No stocktake found a difference")
        expect(page.get_by_test_id("period-label")).to_contain_text("1 Jan 2020 – 31 Jan 2020")

        api_paths = [url.split(cloud.url, 1)[-1] for url in asked if "/api/" in url]
        assert api_paths and not [p for p in api_paths if p.startswith(NOT_FOR_STOCK)], api_paths
        assert refused == [], refused
        browser.close()
    assert not errors, errors


def test_the_notifications_page_turns_the_stockkeeper_away_before_asking_for_anything(outlet):
    require_chromium()
    cloud, _ = outlet
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        asked, refused = _watch(page)
        page.goto(f"{cloud.url}/dashboard/notifications/")
        page.get_by_test_id("login-username").fill("stock")
        page.get_by_test_id("login-password").fill("stock123")
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("login-error")).to_contain_text("for managers, owners and head-office staff")
        assert not [url for url in asked if "/api/notifications/" in url], asked
        assert refused == [], refused
        browser.close()


def test_a_cashier_is_still_turned_away(outlet):
    require_chromium()
    cloud, _ = outlet
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context().new_page()
        asked, _refused = _watch(page)
        _sign_in(page, cloud, "cashier", "cashier123")
        expect(page.get_by_test_id("login-error")).to_contain_text("for managers, owners, stockkeepers")
        expect(page.get_by_test_id("login-form")).to_be_visible()
        assert not [url for url in asked if "/api/analytics/" in url or "/api/stock" in url], asked
        browser.close()
