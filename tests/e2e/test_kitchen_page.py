"""The kitchen display page, `/kitchen/`, in Debian's Chromium (Playwright) against the real
`pos edge run` process: sign-in, tickets within a second, bump, items, stations, recall,
and screenshots at the two screen sizes it is made for (into test-artifacts/)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.test_kitchen_realtime import HttpTill, kitchen_outlet  # noqa: F401  (a shared fixture)
from tests.support.needs import NO_CHROMIUM

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def outlet(kitchen_outlet):  # noqa: F811
    return kitchen_outlet


@pytest.fixture(scope="module")
def till(outlet):
    return HttpTill(outlet[1])


def open_kitchen(browser, edge, width=1280, height=800, username="kitchen", password="kitchen123", timezone_id=None):
    """A fresh screen signed in through the page's own form, connected and caught up."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  **({"timezone_id": timezone_id} if timezone_id else {}))
    page = context.new_page()
    page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
    page.goto(f"{edge.url}/kitchen/")
    page.fill("input[name=username]", username)
    page.fill("input[name=secret]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-link=live]", timeout=10000)
    return page


def card(page, order_id):
    return page.locator(f'[data-testid=ticket][data-order-id="{order_id}"]')


def test_the_page_is_served_by_the_edge_with_every_asset_local(outlet):
    import requests

    edge = outlet[1]
    response = requests.get(f"{edge.url}/kitchen/", timeout=10)
    assert response.status_code == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
    for asset in ("/static/vendor/socket.io.min.js", "/static/kitchen/main.js", "/static/kitchen/kitchen.css",
                  "/static/kitchen/chime.wav"):
        assert asset in response.text or asset.endswith(".wav")
        assert requests.get(f"{edge.url}{asset}", timeout=10).status_code == 200
    assert "http://" not in response.text.replace(edge.url, "") and "https://" not in response.text


def test_a_confirmed_order_shows_within_a_second_and_bump_moves_it_in_the_api(browser, outlet, till):
    edge = outlet[1]
    page = open_kitchen(browser, edge)
    order = till.order(till.item("PZ-PEPP", 2, ["Large", "Extra cheese"], note="cut in 8"), till.item("DR-COLA"),
                       table="5", customer_name="Budi")
    till.confirm(order["id"])
    ticket = card(page, order["id"])
    ticket.wait_for(timeout=1000)  # the "within a blink": on screen within 1 s of the HTTP confirm
    expect(ticket).to_contain_text(order["order_number"])
    expect(ticket).to_contain_text("Table 5 · Budi")
    expect(ticket).to_contain_text("Pepperoni Pizza")
    expect(ticket).to_contain_text("Extra cheese")
    expect(ticket).to_contain_text("cut in 8")
    expect(ticket.locator(".chip")).to_have_text("NEW")

    ticket.locator("[data-testid=bump]").click()
    expect(ticket.locator(".chip")).to_have_text("COOKING")
    assert till.get(order["id"])["status"] == "preparing"
    ticket.locator("[data-testid=bump]").click()
    expect(ticket.locator(".chip")).to_have_text("READY")
    assert till.get(order["id"])["status"] == "ready"
    ticket.locator("[data-testid=bump]").click()  # served: off the screen
    expect(ticket).to_have_count(0)
    assert till.get(order["id"])["status"] == "served"
    page.click("[data-testid=recall]")  # the last bump comes back
    expect(card(page, order["id"]).locator(".chip")).to_have_text("READY")
    assert till.get(order["id"])["status"] == "ready"
    page.context.close()


def test_items_cross_off_and_a_station_screen_shows_its_own_items(browser, outlet, till):
    edge = outlet[1]
    page = open_kitchen(browser, edge)
    order = till.order(till.item("PZ-HAWA", 1, ["Regular"]), till.item("DR-LATT", 1, ["Extra shot"]), table="9")
    till.confirm(order["id"])
    ticket = card(page, order["id"])
    ticket.wait_for()
    _pizza, latte = ticket.locator("[data-testid=item]").all()
    latte.click()  # the drink is done
    expect(latte).to_have_class("item done")
    assert [i["prep_status"] for i in till.get(order["id"])["items"]] == ["queued", "ready"]

    page.click(".station[data-station=oven]")
    expect(ticket.locator("[data-testid=item]")).to_have_count(1)
    expect(ticket).to_contain_text("+1 more at bar")
    ticket.locator("[data-testid=bump]").click()  # done at the oven: the whole order is ready
    expect(ticket).to_have_count(0)
    assert till.get(order["id"])["status"] == "ready"
    page.click("[data-testid=recall]")  # the oven takes it back
    expect(ticket.locator("[data-testid=item]")).to_have_count(1)
    assert till.get(order["id"])["status"] == "preparing"
    page.click(".station[data-station='']")
    expect(ticket.locator("[data-testid=item]")).to_have_count(2)

    # sign out, and back in with a PIN: the same tickets, once each
    count = page.locator("[data-testid=ticket]").count()
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=logout]")
    expect(page.locator("[data-testid=login]")).to_be_visible()
    page.fill("input[name=username]", "cashier")
    page.click(".kind[data-kind=pin]")
    page.fill("input[name=secret]", "1234")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-link=live]")
    expect(page.locator("[data-testid=ticket]")).to_have_count(count)
    expect(ticket).to_have_count(1)
    page.context.close()


def test_the_clock_is_the_outlets_whatever_the_screens_own_time_zone(browser, outlet):
    """The kitchen showed 10:51 (the tablet's UTC) while the receipt said 17:51 (Jakarta)."""
    from zoneinfo import ZoneInfo

    page = open_kitchen(browser, outlet[1], timezone_id="America/New_York")
    expect(page.locator("body")).to_have_attribute("data-timezone", "Asia/Jakarta")
    shown = page.get_by_test_id("clock").inner_text()
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    allowed = {(now + timedelta(minutes=delta)).strftime("%H:%M") for delta in (-1, 0, 1)}
    assert shown in allowed, (shown, allowed)
    page.context.close()


def test_a_120_character_customer_name_stays_inside_its_ticket(browser, outlet, till):
    name = "Anak Agung Gede Ngurah Made Putra Wijaya Kusuma " * 3
    order = till.order(till.item("DR-COLA", 1, ["No ice"]), customer_name=name[:120], table="12")
    till.confirm(order["id"])
    page = open_kitchen(browser, outlet[1])
    ticket = card(page, order["id"])
    expect(ticket).to_be_visible()
    box, who = ticket.bounding_box(), ticket.locator(".who").bounding_box()
    assert who["x"] + who["width"] <= box["x"] + box["width"] + 0.5, (who, box)
    assert ticket.locator(".age").bounding_box()["x"] < box["x"] + box["width"]  # the timer is still on the card
    columns = page.locator("[data-testid=ticket]").evaluate_all("cards => cards.map(c => c.offsetWidth)")
    assert max(columns) - min(columns) <= 1  # every ticket keeps the board's column width
    page.context.close()
    till.call("PATCH", f"/api/kitchen/orders/{order['id']}/status/", json={"status": "preparing"})
    till.call("POST", f"/api/kitchen/orders/{order['id']}/ready/")
    till.call("PATCH", f"/api/kitchen/orders/{order['id']}/status/", json={"status": "served"})


def _age(edge, order_id, minutes):
    """Make a ticket look `minutes` old (test-only: shows the amber and red timers)."""
    with sqlite3.connect(edge.data_dir / "edge.sqlite3", timeout=10) as db:
        row = db.execute("SELECT confirmed_at FROM orders WHERE id = ?", (order_id,)).fetchone()
        moved = datetime.fromisoformat(row[0]) - timedelta(minutes=minutes)
        db.execute("UPDATE orders SET confirmed_at = ?, created_at = ? WHERE id = ?",
                   (moved.isoformat(sep=" "), moved.isoformat(sep=" "), order_id))


def test_screenshots_at_1280x800_and_1920x1080(browser, outlet, till):
    """A lunch rush for the docs: tickets of every age and status, from POS and kiosk."""
    edge = outlet[1]
    for status in ("preparing", "ready", "served"):  # clear earlier tests' tickets off the line
        for row in till.call("GET", "/api/kitchen/orders/?page_size=100").json()["results"]:
            till.call("PATCH", f"/api/kitchen/orders/{row['id']}/status/", json={"status": status})
    rush = [
        ((till.item("PZ-MARG", 2, ["Large", "Mushrooms"]), till.item("DR-COLA", 2, ["No ice"])),
         {"table": "4", "customer_name": "Rina"}, 14, "preparing"),
        ((till.item("PS-CARB", 1, ["Hot"], note="no smoked beef"), till.item("DR-LTEA")),
         {"table": "11"}, 11, None),
        ((till.item("PZ-PEPP", 1, ["Regular", "Extra cheese", "Jalapeños"]),),
         {"customer_name": "Agus", "source": "kiosk", "note": "Takeaway, extra napkins"}, 7, "preparing"),
        ((till.item("PS-BOLO", 2, ["Mild"]), till.item("DS-TIRA")), {"table": "2"}, 6, None),
        ((till.item("DR-LATT", 2, ["Oat milk"]), till.item("DS-PANN", 1, ["Extra scoop ice cream"])),
         {"customer_name": "Wulan", "source": "kiosk"}, 4, "ready"),
        ((till.item("PZ-VEGI", 1, ["Large"]), till.item("PS-AGLI", 1, ["Medium"])), {"table": "8"}, 2, None),
        ((till.item("PZ-HAWA", 1, ["Regular"]), till.item("DR-COLA", 3, ["Less ice"])),
         {"table": "1", "customer_name": "Dewi"}, 1, None),
        ((till.item("DS-TIRA", 2),), {"table": "6"}, 0, None),
    ]
    for items, fields, minutes, status in rush:
        order = till.order(*items, **fields)
        till.confirm(order["id"])
        if status:
            till.call("PATCH", f"/api/kitchen/orders/{order['id']}/status/", json={"status": "preparing"})
        if status == "ready":
            till.call("POST", f"/api/kitchen/orders/{order['id']}/ready/")
        _age(edge, order["id"], minutes)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 800), (1920, 1080)):
        page = open_kitchen(browser, edge, width, height)
        expect(page.locator("[data-testid=ticket]")).to_have_count(len(rush))
        first = page.locator("[data-testid=ticket]").first
        assert "age-red" in first.get_attribute("class")  # oldest first, and late
        page.wait_for_timeout(1800)  # let the arrival highlight fade
        page.screenshot(path=str(ARTIFACTS / f"kitchen-{width}x{height}.png"))
        page.context.close()
