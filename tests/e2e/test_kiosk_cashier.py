"""The cashier's day on the kiosk, in Debian's Chromium against the real `pos edge run`:
sign in by PIN, open a shift, sell with a modifier and a promo code, split-pay card +
cash with change, send to the kitchen, print; sell with the cloud gone and watch the
backlog rise and drain; refund with a manager's PIN; cancel within the rules; close the
shift and check the Z report against the API.

The tests of this module run in order on one page, like one cashier's shift."""
from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.kiosk_page import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PRINTING_UNAVAILABLE,
    Api,
    Kiosk,
    minor,
    rupiah,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TERMINAL = 2


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def kiosk(outlet, browser):
    _, edge = outlet
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield Kiosk(page, edge.url).open(TERMINAL)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="module")
def api(outlet):
    return Api(outlet[1].url, terminal=TERMINAL)


@pytest.fixture(scope="module")
def sale():
    return {}  # what the first test sold, for the later ones


def report_timing(capsys, line: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with open(ARTIFACTS / "timing.txt", "a") as out:
        out.write(line + "\n")
    with capsys.disabled():
        print(f"\n{line}")


def test_sell_with_modifier_and_promo_code_split_pay_and_send_to_kitchen(kiosk, api, sale, capsys):
    page = kiosk.page
    expect(kiosk.tid("login-screen")).to_be_visible()
    kiosk.shot("login")
    kiosk.sign_in_pin("cashier", "1234")
    expect(kiosk.tid("shift-open-screen")).to_be_visible()
    kiosk.keys("float-keypad", "500000")
    expect(kiosk.tid("float-amount")).to_have_text("Rp 500.000")
    kiosk.shot("shift-open")
    kiosk.tid("shift-open-submit").click()
    expect(kiosk.tid("sell-screen")).to_be_visible()

    # A pizza: the size is required, so "Add" waits for it; the note goes to the kitchen.
    kiosk.product("PZ-MARG").click()
    dialog = kiosk.tid("modifier-dialog")
    expect(dialog).to_be_visible()
    expect(kiosk.tid("modifier-add")).to_be_disabled()
    expect(kiosk.tid("modifier-add")).to_have_text("Choose 1 Size")
    dialog.locator("[data-modifier='Large']").click()
    dialog.locator("[data-modifier='Extra cheese']").click()
    kiosk.tid("modifier-note").fill("well done")
    kiosk.shot("modifier")
    kiosk.tid("modifier-add").click()
    kiosk.add("DR-COLA", ("No ice",))

    # A code that applies, and one that does not (with the edge's reason, verbatim).
    kiosk.apply_code("weekend30")
    expect(kiosk.tid("promo-applied").filter(has_text="Weekend Flash Sale")).to_be_visible()
    kiosk.apply_code("NOPE99")
    expect(page.locator("[data-code='NOPE99'] [data-testid=code-rejection]")).to_have_text(
        "NOPE99 is not a valid promotion code")
    page.locator("[data-code='NOPE99'] button").click()

    # The customer, found or registered by phone, with tier and points.
    kiosk.tid("customer-button").click()
    kiosk.tid("customer-phone").fill("0812 7777 1234")
    kiosk.tid("customer-search").click()
    kiosk.tid("customer-new-name").fill("Budi Santoso")
    kiosk.tid("customer-create").click()
    expect(kiosk.tid("customer-name")).to_have_text("Budi Santoso")
    expect(kiosk.tid("customer-loyalty")).to_contain_text("pts")
    kiosk.tid("table-input").fill("7")
    kiosk.tid("table-input").press("Tab")
    total_on_screen = kiosk.cart_total()
    kiosk.shot("sell")

    kiosk.tid("pay-button").click()
    expect(kiosk.tid("payment")).to_be_visible()
    number = kiosk.tid("payment-order-number").inner_text()
    order = api.get("/api/orders/", search=number)["results"][0]
    assert rupiah(order["total_amount"]) == total_on_screen
    assert order["promo_codes"] == ["WEEKEND30"] and order["table"] == "7"
    assert order["items"][0]["modifiers"][0]["name"] == "Large" and order["items"][0]["note"] == "well done"
    total = minor(order["total_amount"])
    assert total > 10_000_000  # more than Rp 100.000, so card 100.000 + cash makes a split
    expect(kiosk.tid("payment-balance")).to_contain_text(rupiah(order["total_amount"]))
    kiosk.shot("payment")

    kiosk.pay_card("100000", "APPR-4471")
    balance = total - 10_000_000
    expect(kiosk.tid("payment-balance")).to_contain_text(rupiah(f"{balance // 100}.{balance % 100:02d}"))
    kiosk.tid("tender-cash").click()
    kiosk.keys("cash-keypad", "50000")
    change = 5_000_000 - balance
    expect(kiosk.tid("cash-change-preview")).to_have_text(f"Change due {rupiah(f'{change // 100}.{change % 100:02d}')}")
    kiosk.shot("payment-cash")
    kiosk.tid("pay-submit").click()

    expect(kiosk.tid("payment-done")).to_be_visible()
    expect(kiosk.tid("change-due")).to_have_attribute("data-amount", f"{change // 100}.{change % 100:02d}")
    expect(kiosk.tid("kitchen-state")).to_have_text("✓ Sent to the kitchen")
    paid = api.get(f"/api/orders/{order['id']}/")
    assert paid["status"] == "confirmed" and paid["balance_due"] == "0.00"
    assert [(p["method"], p["amount"]) for p in paid["payments"]] == [
        ("card", "100000.00"), ("cash", f"{balance // 100}.{balance % 100:02d}")]
    assert paid["change_amount"] == f"{change // 100}.{change % 100:02d}"

    metrics = page.evaluate("window.kioskMetrics.payments")
    for metric in metrics:
        report_timing(capsys, f"kiosk timing ({metric['method']}, {metric['order']}): tap 'Pay' -> payment 201 "
                              f"{metric['toResponseMs']} ms, -> order refreshed on screen {metric['toRefreshMs']} ms")
    assert all(m["toRefreshMs"] < 1000 for m in metrics), metrics

    kiosk.tid("print-receipt").click()
    if api.has_path(r"/api/orders/\{[^}]+\}/print/"):
        expect(kiosk.tid("print-message")).to_have_text("Receipt sent to the printer.")
    else:
        expect(kiosk.tid("print-message")).to_contain_text(PRINTING_UNAVAILABLE)
    kiosk.shot("paid")
    kiosk.tid("new-sale").click()
    expect(kiosk.tid("cart-lines")).to_contain_text("Tap a product or scan a code")
    sale.update(order=paid)


def test_selling_offline_backlog_rises_and_drains_when_the_cloud_returns(outlet, kiosk, api, capsys):
    cloud, _ = outlet
    expect(kiosk.tid("status-cloud")).to_have_attribute("data-online", "true", timeout=20_000)
    kiosk.wait_for(lambda: kiosk.pending() == 0, what="the first sale to sync")
    cloud.stop()
    try:
        expect(kiosk.tid("status-cloud")).to_have_attribute("data-online", "false", timeout=20_000)
        # A barcode scanner types fast and ends with Enter, wherever the focus is.
        kiosk.tid("table-input").click()
        kiosk.scan("DS-TIRA")
        expect(kiosk.page.locator("[data-testid=cart-lines] [data-product='Tiramisu']")).to_be_visible()
        expect(kiosk.tid("table-input")).to_have_value("")
        kiosk.tid("pay-button").click()
        expect(kiosk.tid("tender-qris")).to_be_disabled()
        expect(kiosk.tid("gateway-reason")).to_contain_text("this outlet is offline")
        kiosk.pay_cash()  # the exact amount
        expect(kiosk.tid("payment-done")).to_be_visible()
        expect(kiosk.tid("kitchen-state")).to_have_text("✓ Sent to the kitchen")
        kiosk.tid("new-sale").click()
        kiosk.wait_for(lambda: kiosk.pending() > 0, timeout=10, what="the backlog to show the offline sale")
        report_timing(capsys, f"kiosk offline: backlog shown on the status bar: {kiosk.pending()} events")
        kiosk.shot("offline")
    finally:
        cloud.start()
    kiosk.wait_for(lambda: kiosk.pending() == 0, timeout=40, what="the backlog to drain")
    expect(kiosk.tid("status-sync")).to_have_text("Sync: all sent")
    expect(kiosk.tid("status-cloud")).to_have_attribute("data-online", "true", timeout=20_000)


def test_refund_part_of_an_order_with_a_managers_pin(kiosk, api, sale):
    order = sale["order"]
    kiosk.nav("orders")
    expect(kiosk.tid("orders-screen")).to_be_visible()
    kiosk.tid("orders-search").fill(order["order_number"])
    kiosk.page.locator(f"[data-number='{order['order_number']}']").click()
    expect(kiosk.tid("detail-number")).to_have_text(order["order_number"])
    kiosk.shot("orders")
    kiosk.tid("order-refund").click()
    kiosk.tid("refund-lines").click()
    kiosk.page.locator("[data-testid=refund-dialog] li[data-product='Iced Cola'] button", has_text="+").click()
    kiosk.tid("refund-reason").fill("Drink spilled")
    kiosk.page.locator("[data-testid=refund-dialog] [data-method='cash']").click()
    kiosk.tid("refund-approve").click()
    # A cashier cannot approve their own refund.
    kiosk.sign_in_pin("cashier", "1234", prefix="manager")
    expect(kiosk.tid("manager-message")).to_contain_text("a manager must approve this")
    kiosk.shot("refund-approval")
    kiosk.manager_approves()
    expect(kiosk.tid("manager-dialog")).to_be_hidden()
    expect(kiosk.tid("detail-refunded")).to_be_visible()
    refunded = api.get(f"/api/orders/{order['id']}/")
    assert refunded["refunds"][0]["reason"] == "Drink spilled" and refunded["refunds"][0]["method"] == "cash"
    assert refunded["refunds"][0]["created_by"] == api.user["id"]  # the manager who approved, not the cashier
    expect(kiosk.tid("detail-refunded")).to_have_text(f"−{rupiah(refunded['refunded_amount'])}")
    cola = next(i for i in refunded["items"] if i["product_name"] == "Iced Cola")
    assert cola["refunded_quantity"] == 1


def test_pay_later_order_is_cancelled_only_with_a_manager_once_the_kitchen_has_it(kiosk, api):
    kiosk.nav("sell")
    kiosk.add("PS-AGLI", ("Hot",))
    kiosk.tid("pay-later").click()
    expect(kiosk.tid("toast").filter(has_text="sent to the kitchen")).to_be_visible()
    kiosk.nav("orders")
    row = kiosk.page.locator("[data-testid=orders-list] [data-status='confirmed']").first
    number = row.get_attribute("data-number")
    row.click()
    expect(kiosk.tid("order-pay")).to_be_visible()  # unpaid: it can still be paid from here
    kiosk.tid("order-cancel").click()
    kiosk.tid("cancel-reason").fill("Customer left")
    kiosk.tid("cancel-submit").click()
    expect(kiosk.tid("cancel-message")).to_have_text("Only a manager can cancel an order the kitchen has")
    kiosk.tid("cancel-manager").click()
    kiosk.manager_approves()
    expect(kiosk.tid("detail-status")).to_have_attribute("data-status", "cancelled")
    assert api.get("/api/orders/", search=number)["results"][0]["status"] == "cancelled"


def test_close_the_shift_and_the_z_report_matches_the_api(kiosk, api):
    kiosk.nav("shift")
    expect(kiosk.tid("x-report")).to_be_visible()
    shift = api.get("/api/shifts/current/")
    before = api.get(f"/api/shifts/{shift['id']}/report/")["report"]
    expect(kiosk.tid("r-expected-cash")).to_have_attribute("data-value", before["expected"]["cash"])
    counted = minor(before["expected"]["cash"]) - 200_000  # Rp 2.000 short
    kiosk.keys("counted-keypad", str(counted // 100))
    kiosk.shot("shift")
    with kiosk.page.expect_response(lambda r: r.url.endswith(f"/api/shifts/{shift['id']}/close/")) as closing:
        kiosk.tid("shift-close-submit").click()
    z = closing.value.json()["report"]
    expect(kiosk.tid("z-report")).to_be_visible()
    after = api.get(f"/api/shifts/{shift['id']}/report/")["report"]
    assert after["status"] == "closed"
    checks = {
        "r-orders-count": str(after["orders"]["count"]), "r-orders-cancelled": str(after["orders"]["cancelled"]),
        "r-total": after["orders"]["total"], "r-discounts": after["orders"]["discounts"],
        "r-tax": after["orders"]["tax"], "r-opening": after["opening_cash"],
        "r-pay-cash": after["payments"]["cash"]["amount"], "r-refund-cash": after["refunds"]["cash"]["amount"],
        "r-expected-cash": after["expected"]["cash"], "r-expected-card": after["expected"]["card"],
        "r-payments-card": after["payments"]["card"]["amount"],
        "r-counted-cash": z["counted"]["cash"], "r-difference-cash": z["difference"]["cash"],
    }
    for testid, value in checks.items():
        expect(kiosk.tid(testid)).to_have_attribute("data-value", value)
    assert z["counted"]["cash"] == f"{counted // 100}.{counted % 100:02d}"
    assert z["difference"]["cash"] == "-2000.00"
    assert after["orders"]["cancelled"] == 1 and after["refunds"]["cash"]["count"] == 1
    expect(kiosk.tid("r-difference-cash")).to_have_text("−Rp 2.000")
    kiosk.shot("z-report")
    kiosk.tid("z-print").click()
    expect(kiosk.tid("z-print-message")).not_to_be_empty()
    (ARTIFACTS / "z-report.json").write_text(json.dumps(z, indent=2))
    kiosk.tid("z-done").click()
    expect(kiosk.tid("login-screen")).to_be_visible()
    assert requests.get(f"{api.base}/api/shifts/current/", headers=api.headers, timeout=10).status_code == 404
