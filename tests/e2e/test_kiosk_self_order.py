"""Self-order mode and the kiosk's safety nets, in Debian's Chromium against the real
`pos edge run`: a customer orders and is told why QRIS failed, then pays at the counter
where a cashier takes the money; sold-out items are greyed; modifier limits hold; the
scanner works from anywhere; a timed-out "Pay" cannot make a second order; a reload
keeps the cart; the till locks itself when left alone."""
from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.e2e.kiosk_page import CHROMIUM, CHROMIUM_ARGS, Api, Kiosk

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SELF_TERMINAL = 8
TILL = 1


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def sold_out(outlet):
    """Panna Cotta is switched off for this outlet at head office, and the edge has pulled it."""
    cloud, edge = outlet
    owner = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                          timeout=10).json()["access"]
    headers = {"Authorization": f"Bearer {owner}"}
    outlet_id = next(o["id"] for o in requests.get(f"{cloud.url}/api/outlets/", headers=headers, timeout=10)
                     .json()["results"] if o["code"] == "YOG")
    product_id = requests.get(f"{cloud.url}/api/products/?search=DS-PANN", headers=headers, timeout=10) \
        .json()["results"][0]["id"]
    requests.post(f"{cloud.url}/api/outlets/{outlet_id}/products/", json={"product_id": product_id,
                  "is_available": False}, headers=headers, timeout=10).raise_for_status()
    api = Api(edge.url, terminal=TILL)
    deadline = time.monotonic() + 30
    while api.get("/api/products/", code="DS-PANN")["results"][0]["is_available"]:
        assert time.monotonic() < deadline, "the edge did not pull the sold-out flag"
        time.sleep(0.5)
    return "DS-PANN"


def new_kiosk(browser, edge, width=1024, height=768, clock=False):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    if clock:
        page.clock.install()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return Kiosk(page, edge.url)


@pytest.fixture(scope="module")
def till(outlet, browser, sold_out):
    """The cashier's till (terminal 1), signed in by password, shift open."""
    kiosk = new_kiosk(browser, outlet[1]).open(TILL)
    kiosk.sign_in_password("cashier", "cashier123")
    kiosk.open_shift("300000")
    yield kiosk
    assert not kiosk.page.errors, kiosk.page.errors
    kiosk.page.context.close()


def test_self_order_qris_reason_then_pay_at_the_counter(outlet, browser, till):
    _, edge = outlet
    api = Api(edge.url, terminal=TILL)
    kiosk = new_kiosk(browser, edge).open(SELF_TERMINAL, mode="self")
    page = kiosk.page
    expect(kiosk.tid("self-locked")).to_be_visible()
    kiosk.sign_in_pin("cashier", "1234")  # staff open the kiosk once
    expect(kiosk.tid("self-welcome")).to_be_visible()
    expect(kiosk.page.locator("#topbar")).to_be_hidden()
    kiosk.shot("self-welcome")
    kiosk.tid("self-start").click()
    expect(kiosk.tid("sell-screen")).to_be_visible()
    expect(page.get_by_test_id("nav-orders")).to_have_count(0)  # no orders, refunds or shift here
    kiosk.add("PZ-HAWA", ("Regular",))
    for _ in range(3):
        kiosk.add("DR-LTEA", ())
    expect(kiosk.tid("promo-applied").filter(has_text="Buy 2 drinks, get 1 free")).to_be_visible()
    kiosk.shot("self-menu")
    kiosk.tid("pay-button").click()
    expect(kiosk.tid("self-checkout")).to_be_visible()
    kiosk.tid("self-pay-counter").click()
    expect(kiosk.tid("self-message")).to_have_text("Please enter your name.")
    kiosk.tid("self-name").fill("Sari")
    expect(kiosk.tid("self-pay-qris")).to_be_enabled()  # the outlet is online
    kiosk.tid("self-pay-qris").click()
    expect(kiosk.tid("self-message")).to_contain_text(
        "QRIS needs the payment gateway, which is not reachable from this outlet; take cash or card")
    expect(kiosk.tid("self-message")).to_contain_text("you can pay at the counter")
    kiosk.shot("self-qris")
    kiosk.tid("self-pay-counter").click()
    expect(kiosk.tid("self-done")).to_be_visible()
    number = kiosk.tid("self-order-number").inner_text()
    kiosk.shot("self-done")
    assert not page.errors, page.errors
    page.context.close()

    mine = [o for o in api.get("/api/orders/", search="Sari")["results"]]
    assert [o["order_number"] for o in mine] == [number]  # QRIS then counter: still one order
    assert mine[0]["status"] == "pending" and mine[0]["source"] == "self"

    # At the counter: the cashier finds it among the orders waiting for payment.
    till.nav("orders")
    till.page.locator("[data-scope='waiting']").click()
    till.page.locator(f"[data-number='{number}']").click()
    till.tid("order-pay").click()
    till.pay_cash()
    expect(till.tid("payment-done")).to_be_visible()
    expect(till.tid("kitchen-state")).to_have_text("✓ Sent to the kitchen")
    till.tid("new-sale").click()
    paid = api.get(f"/api/orders/{mine[0]['id']}/")
    assert paid["status"] == "confirmed" and paid["balance_due"] == "0.00"
    till.nav("sell")


def test_sold_out_items_are_greyed_and_modifier_limits_hold(till, sold_out):
    card = till.product(sold_out)
    expect(card).to_be_disabled()
    expect(card).to_have_class("product sold-out")
    expect(card).to_contain_text("Sold out")
    till.scan(sold_out)
    expect(till.tid("toast").filter(has_text="Panna Cotta is sold out")).to_be_visible()
    till.product("PZ-PEPP").click()
    dialog = till.tid("modifier-dialog")
    dialog.locator("[data-modifier='Regular']").click()
    for topping in ("Extra cheese", "Mushrooms", "Jalapeños"):
        dialog.locator(f"[data-modifier='{topping}']").click()
    dialog.locator("[data-modifier='Beef pepperoni']").click()
    expect(till.tid("modifier-message")).to_have_text("Extra toppings: at most 3. Remove one first.")
    expect(dialog.locator("[data-modifier='Beef pepperoni']")).to_have_attribute("aria-pressed", "false")
    dialog.locator("[data-modifier='Regular']").click()  # unpicking the size: "Add" waits again
    expect(till.tid("modifier-add")).to_have_text("Choose 1 Size")
    till.tid("modal-close").click()


def test_a_timed_out_pay_cannot_make_a_second_order_and_a_reload_keeps_the_cart(till):
    api = Api(till.base, terminal=TILL)
    page = till.page
    till.scan("DS-TIRA")  # no box has the focus: the scanner still adds it
    expect(page.locator("[data-testid=cart-lines] [data-product='Tiramisu']")).to_be_visible()
    page.reload()
    expect(page.locator("[data-testid=cart-lines] [data-product='Tiramisu']")).to_be_visible()
    before = api.get("/api/orders/")["count"]

    def reaches_the_edge_but_the_answer_is_lost(route):
        if route.request.method != "POST":
            route.fallback()
            return
        route.fetch()  # the edge creates the order ...
        route.abort("timedout")  # ... and the till never hears back

    page.route(lambda url: url.endswith("/api/orders/"), reaches_the_edge_but_the_answer_is_lost, times=1)
    till.tid("pay-button").click()
    expect(till.tid("toast").filter(has_text="Nothing was lost")).to_be_visible()
    expect(page.locator("[data-testid=cart-lines] [data-product='Tiramisu']")).to_be_visible()
    assert api.get("/api/orders/")["count"] == before + 1
    till.tid("pay-button").click()  # the retry sends the same client_uuid
    expect(till.tid("payment")).to_be_visible()
    assert api.get("/api/orders/")["count"] == before + 1
    till.pay_card("", "RETRY-1")
    expect(till.tid("payment-done")).to_be_visible()
    till.tid("new-sale").click()


def test_the_status_bar_says_when_the_outlet_server_cannot_be_reached(till):
    page = till.page
    page.route("**/api/status/", lambda route: route.abort("connectionrefused"))
    try:
        expect(till.tid("status-edge")).to_contain_text("Outlet server unreachable", timeout=10_000)
        expect(till.tid("status-cloud")).to_have_count(0)  # nothing else is claimed while blind
        till.shot("edge-unreachable")
    finally:
        page.unroute("**/api/status/")
    expect(till.tid("status-cloud")).to_be_visible(timeout=10_000)
    expect(till.tid("status-edge")).to_have_count(0)


def test_the_till_is_usable_at_1366x768(till):
    till.page.set_viewport_size({"width": 1366, "height": 768})
    till.add("PZ-MARG", ("Regular",))
    till.add("DS-TIRA")
    expect(till.tid("promo-applied").filter(has_text="Pizza + Tiramisu combo")).to_be_visible()
    till.shot("sell-1366")
    for control in ("pay-button", "pay-later", "customer-button", "promo-apply", "nav-orders", "lock"):
        box = till.tid(control).bounding_box()
        assert box and box["height"] >= 38 and box["y"] + box["height"] <= 768, (control, box)
    till.page.set_viewport_size({"width": 1024, "height": 768})


def test_the_till_locks_itself_when_left_alone_and_keeps_the_sale(outlet, browser):
    kiosk = new_kiosk(browser, outlet[1], clock=True).open(TILL)
    kiosk.sign_in_pin("cashier", "1234")
    expect(kiosk.tid("sell-screen")).to_be_visible()  # the shift of terminal 1 is open
    kiosk.add("DR-LATT", ("Oat milk",))
    idle = int(kiosk.page.locator("#app").get_attribute("data-idle-lock-s"))
    kiosk.page.clock.fast_forward((idle + 3) * 1000)
    expect(kiosk.tid("login-screen")).to_be_visible()
    expect(kiosk.tid("lock-note")).to_contain_text("without use")
    expect(kiosk.tid("kept-sale")).to_have_text("A sale with 1 item is waiting.")
    kiosk.shot("locked")
    expect(kiosk.tid("login-recent")).to_contain_text("Cashier")  # quick switch: tap your name
    kiosk.tid("login-recent").locator("[data-username='cashier']").click()
    kiosk.keys("login-keypad", "1234")
    kiosk.tid("login-keypad").locator("[data-key='enter']").click()
    expect(kiosk.page.locator("[data-testid=cart-lines] [data-product='Caffè Latte']")).to_be_visible()
    assert not kiosk.page.errors, kiosk.page.errors
    kiosk.page.context.close()
