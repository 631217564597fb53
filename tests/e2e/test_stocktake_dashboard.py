"""A stocktake with a variance shows on the dashboard: on real processes, the outlet's
edge receives a delivery, sells, and posts a blind count that finds dough missing; its
relay pushes; the head office's dashboard (Chromium) lists the count with the items off
and the variance's value at the item's cost, as the cloud's API reports it."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.test_dashboard_page import rupiah
from tests.support.needs import require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


def test_a_stocktake_with_a_variance_shows_on_the_dashboard(outlet):
    require_chromium()
    cloud, edge = outlet
    headers = {"Authorization": f"Bearer {edge.login('manager', password='manager123')}", "X-Terminal-ID": "1"}

    def call(method, path, **kw):
        answer = requests.request(method, f"{edge.url}{path}", headers=headers, timeout=10, **kw)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    ids = {row["name"]: row["stock_item_id"] for row in call("GET", "/api/stock/")["results"]}
    call("POST", "/api/stock/receive/", json={"reason": "Monday delivery", "lines": [
        {"stock_item_id": ids["Dough"], "quantity": 20_000, "cost": "200000.00"}]})
    pizza = call("GET", "/api/products/", params={"code": "PZ-MARG"})["results"][0]
    regular = next(m["id"] for g in pizza["modifier_groups"] for m in g["modifiers"] if m["name"] == "Regular")
    order = call("POST", "/api/orders/", json={"items": [{"product_id": pizza["id"], "quantity": 3,
                                                          "modifier_ids": [regular]}]})
    call("POST", f"/api/orders/{order['id']}/confirm/")  # 600 g of dough used
    sheet = call("POST", "/api/stocktakes/", json={"blind": True, "note": "Monday close",
                                                    "stock_item_ids": [ids["Dough"], ids["Cola can"]]})
    call("PUT", f"/api/stocktakes/{sheet['id']}/counts/", json={"lines": [
        {"stock_item_id": ids["Dough"], "counted": 19_000}, {"stock_item_id": ids["Cola can"], "counted": 0}]})
    posted = call("POST", f"/api/stocktakes/{sheet['id']}/post/")
    dough = next(line for line in posted["lines"] if line["name"] == "Dough")
    assert (dough["expected"], dough["variance"]) == (19_400, -400)

    owner = {"Authorization": "Bearer " + requests.post(f"{cloud.url}/api/auth/login/", json={
        "username": "owner", "password": "owner123"}, timeout=10).json()["access"]}
    deadline, listed = time.monotonic() + 30, []
    while time.monotonic() < deadline and not listed:
        listed = requests.get(f"{cloud.url}/api/stocktakes/", params={"has_variance": "true"}, headers=owner,
                              timeout=10).json()["results"]
        time.sleep(0.5)
    assert [s["uuid"] for s in listed] == [posted["uuid"]] and listed[0]["variance_value"] == dough["variance_value"]

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
        row = page.get_by_test_id("stocktake-row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Mall Yogya")
        expect(row).to_contain_text("1 of 2")
        expect(row).to_contain_text("Dough -400 g")
        expect(row).to_contain_text("blind count · Monday close")
        expect(row.get_by_test_id("stocktake-variance")).to_have_text(rupiah(dough["variance_value"]))
        expect(page.get_by_test_id("stocktakes")).not_to_contain_text("null")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.get_by_test_id("stocktakes").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "dashboard-stocktakes.png"))
        browser.close()
    assert not errors, errors
