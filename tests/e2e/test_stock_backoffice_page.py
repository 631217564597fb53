"""The kiosk's back-office stock screen and the outlet's `block` zero-stock rule, on real
processes and real pages (Chromium), with the outlet offline (its cloud stopped once the
edge has pulled): a stockkeeper signs in to the Stock screen alone, receives a delivery
with its cost, records waste with a reason, counts stock on a blind sheet and posts it,
takes in a transfer another outlet sent and sends one; every figure on the page is the
edge's ledger, and equals a hand computation. At the till, a pizza whose Mozzarella runs
out while it sits in the cart is refused and greys out."""
from __future__ import annotations

import uuid as uuids
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from cloud import create_app as create_cloud
from cloud.extensions import db as cloud_db
from cloud.models import Outlet, Transfer
from tests.conftest import TEST_SECRET
from tests.e2e.kiosk_page import CHROMIUM, CHROMIUM_ARGS, Kiosk
from tests.support.needs import require_chromium
from tests.support.processes import Cloud, Edge

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
INCOMING = {"Dough": 300, "Cola can": 6}  # what the other outlet sent here


def _owner(cloud: Cloud) -> dict:
    login = requests.post(f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
                          timeout=10)
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access']}"}


def _transfer_from_solo(cloud: Cloud, solo_id: int) -> None:
    """What the cloud holds once Solo's edge sent stock to Mall Yogya (`transfer.sent`
    ingested): a transfer in transit, pulled by the receiving outlet."""
    app = create_cloud({"SQLALCHEMY_DATABASE_URI": cloud.database_url, "JWT_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        yog = cloud_db.session.query(Outlet).filter_by(code="YOG").one()
        items = {name: item_id for item_id, name in cloud_db.session.execute(
            cloud_db.text("SELECT id, name FROM stock_items WHERE tenant_id = :t"), {"t": yog.tenant_id})}
        cloud_db.session.add(Transfer(
            tenant_id=yog.tenant_id, uuid=str(uuids.uuid4()), from_outlet_id=solo_id, from_outlet_name="Solo",
            to_outlet_id=yog.id, status="in_transit", note="weekend surplus",
            sent_at=datetime.now(UTC).replace(tzinfo=None),
            lines=[{"stock_item_id": items[name], "quantity": quantity} for name, quantity in INCOMING.items()]))
        cloud_db.session.commit()
        cloud_db.engine.dispose()


@pytest.fixture(scope="module")
def offline_outlet(tmp_path_factory):
    """Mall Yogya under the `block` rule, a transfer on its way from Solo; the edge pulls,
    then the cloud stops."""
    workdir = tmp_path_factory.mktemp("stock-backoffice")
    cloud = Cloud(workdir).start()
    edge = Edge(workdir / "edge", cloud_url=cloud.url)
    try:
        key = cloud.seed_demo()
        owner = _owner(cloud)
        outlets = requests.get(f"{cloud.url}/api/outlets/", headers=owner, timeout=10).json()["results"]
        yog = next(o for o in outlets if o["code"] == "YOG")
        blocked = requests.patch(f"{cloud.url}/api/outlets/{yog['id']}/", json={"zero_stock": "block"},
                                 headers=owner, timeout=10)
        assert blocked.status_code == 200, blocked.text
        solo = requests.post(f"{cloud.url}/api/outlets/", json={"code": "SOL", "name": "Solo"}, headers=owner,
                             timeout=10)
        assert solo.status_code == 201, solo.text
        _transfer_from_solo(cloud, solo.json()["id"])
        edge.enroll(cloud.url, key)
        edge.start()
        cloud.stop()
        yield edge, solo.json()["id"]
    finally:
        edge.stop()
        cloud.stop()


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser):
    page = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True).new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


class EdgeApi:
    def __init__(self, edge: Edge, username: str, **secret):
        self.base = edge.url
        self.headers = {"Authorization": f"Bearer {edge.login(username, **secret)}", "X-Terminal-ID": "9"}

    def get(self, path: str, **params):
        return requests.get(f"{self.base}{path}", headers=self.headers, params=params, timeout=10).json()

    def post(self, path: str, body: dict):
        return requests.post(f"{self.base}{path}", headers=self.headers, json=body, timeout=10)

    def on_hand(self) -> dict[str, int]:
        return {row["name"]: row["on_hand"] for row in self.get("/api/stock/")["results"]}

    def ids(self) -> dict[str, int]:
        return {row["name"]: row["stock_item_id"] for row in self.get("/api/stock/")["results"]}


def on_page(kiosk: Kiosk) -> dict[str, str]:
    kiosk.tid("stock-tab-on-hand").click()
    rows = kiosk.tid("stock-on-hand").locator("[data-testid=stock-row]")
    expect(rows.first).to_be_visible()
    return {row.get_attribute("data-name"): row.get_by_test_id("stock-on-hand-value").inner_text()
            for row in rows.all()}


def fill_lines(form, quantities: dict[str, int], costs: dict[str, str] | None = None) -> None:
    for name, quantity in quantities.items():
        form.locator(f"tr[data-name='{name}'] [data-testid=line-quantity]").fill(str(quantity))
        if costs and name in costs:
            form.locator(f"tr[data-name='{name}'] [data-testid=line-cost]").fill(costs[name])


def test_a_stockkeeper_receives_wastes_counts_and_transfers_on_the_kiosk_offline(offline_outlet, browser):
    edge, solo_id = offline_outlet
    api = EdgeApi(edge, "manager", password="manager123")
    start = api.on_hand()
    kiosk = Kiosk(new_page(browser), edge.url).open(5)
    kiosk.sign_in_pin("stock", "2468")
    expect(kiosk.tid("stock-screen")).to_be_visible()
    expect(kiosk.page.locator("#topbar nav button")).to_have_count(1)  # the stock screen only: no selling

    kiosk.tid("stock-tab-receive").click()
    fill_lines(kiosk.tid("receive"), {"Dough": 5000, "Mozzarella": 2500}, {"Dough": "50000", "Mozzarella": "375000"})
    kiosk.tid("receive-reason").fill("PT Sumber Keju DN-17")
    kiosk.tid("receive-submit").click()
    expect(kiosk.tid("toast").filter(has_text="Delivery recorded: 2 items")).to_be_visible()

    kiosk.tid("stock-tab-waste").click()
    fill_lines(kiosk.tid("waste"), {"Mozzarella": 120})
    kiosk.tid("waste-submit").click()
    expect(kiosk.tid("stock-message")).to_have_text("Choose why it was thrown away")
    kiosk.tid("waste-reason").select_option("Dropped")
    kiosk.tid("waste-submit").click()
    expect(kiosk.tid("toast").filter(has_text="Waste recorded (Dropped)")).to_be_visible()

    kiosk.tid("stock-tab-transfers").click()
    incoming = kiosk.tid("incoming-transfer")
    expect(incoming).to_contain_text("From Solo")
    incoming.get_by_test_id("transfer-receive").click()
    expect(kiosk.tid("incoming-transfer")).to_have_attribute("data-status", "received")
    fill_lines(kiosk.tid("transfer"), {"Dough": 800})
    kiosk.tid("transfer-outlet").fill(str(solo_id))
    kiosk.tid("transfer-submit").click()
    expect(kiosk.tid("toast").filter(has_text="Transfer sent")).to_be_visible()

    expected = {"Dough": start["Dough"] + 5000 + INCOMING["Dough"] - 800,
                "Mozzarella": start["Mozzarella"] + 2500 - 120, "Cola can": start["Cola can"] + INCOMING["Cola can"]}
    assert api.on_hand() == expected
    assert on_page(kiosk) == {"Dough": f"{expected['Dough']} g", "Mozzarella": f"{expected['Mozzarella']} g",
                              "Cola can": f"{expected['Cola can']} pcs"}

    kiosk.tid("stock-tab-count").click()
    kiosk.tid("count-blind").check()
    kiosk.tid("count-note").fill("Monday close")
    kiosk.tid("count-begin").click()
    sheet = kiosk.tid("count-sheet")
    expect(sheet).to_have_attribute("data-blind", "true")
    expect(sheet).not_to_contain_text(str(expected["Dough"]))  # blind: the expected figure is not shown
    counted = {"Dough": expected["Dough"] - 30, "Mozzarella": expected["Mozzarella"], "Cola can": expected["Cola can"]}
    for name, value in counted.items():
        sheet.locator(f"[data-testid=count-row][data-name='{name}'] [data-testid=count-input]").fill(str(value))
    kiosk.tid("count-post").click()
    expect(kiosk.tid("count-posted")).to_contain_text(
        f"Dough: counted {counted['Dough']} g, expected {expected['Dough']}, variance -30 g")
    assert api.on_hand() == counted
    kiosk.shot("stock-count-posted")

    kinds = {s["status"] for s in api.get("/api/stocktakes/")["results"]}
    assert kinds == {"posted"}
    assert not kiosk.page.errors, kiosk.page.errors


def test_a_pizza_whose_mozzarella_runs_out_in_the_cart_is_refused_at_the_till(offline_outlet, browser):
    edge, _ = offline_outlet
    manager = EdgeApi(edge, "manager", password="manager123")
    held = manager.on_hand()
    short = {name: need - held[name] for name, need in (("Dough", 200), ("Mozzarella", 100)) if held[name] < need}
    if short:  # a pizza is on sale whatever the test before left
        assert manager.post("/api/stock/receive/", {"lines": [{"stock_item_id": manager.ids()[name], "quantity": n}
                                                              for name, n in short.items()]}).status_code == 201
    till = Kiosk(new_page(browser), edge.url).open(6)
    till.sign_in_pin("cashier", "1234")
    till.open_shift("500000")
    expect(till.product("PZ-MARG")).to_be_enabled()
    till.add("PZ-MARG", ("Regular",))
    expect(till.tid("total-total")).to_be_visible()
    left = manager.on_hand()["Mozzarella"]
    wasted = manager.post("/api/stock/waste/", {"reason": "mould", "lines": [
        {"stock_item_id": manager.ids()["Mozzarella"], "quantity": left}]})
    assert wasted.status_code == 201, wasted.text
    till.add("DS-TIRA")  # the cart changes, the edge prices it again: the pizza's Mozzarella is gone
    expect(till.tid("quote-message")).to_contain_text("Margherita Pizza is out of stock (Mozzarella at or below zero)")
    expect(till.product("PZ-MARG")).to_be_disabled()
    expect(till.product("PZ-MARG")).to_contain_text("Out of stock", ignore_case=True)
    expect(till.product("DS-TIRA")).to_be_enabled()  # no recipe: not tracked, still sold
    till.tid("pay-button").click()
    expect(till.tid("toast").filter(has_text="out of stock")).to_be_visible()  # the order is refused too
    till.shot("out-of-stock-refused")
    assert not till.page.errors, till.page.errors


def test_a_tab_still_loading_does_not_replace_the_tab_chosen_after_it(offline_outlet, browser):
    """A slow answer (a busy outlet server) for the tab left behind lands after the new
    tab's: the screen keeps showing the tab chosen last."""
    edge, _ = offline_outlet
    kiosk = Kiosk(new_page(browser), edge.url).open(7)

    def slow(route):
        kiosk.page.wait_for_timeout(1_500)
        route.continue_()

    kiosk.sign_in_pin("stock", "2468")
    expect(kiosk.tid("stock-on-hand")).to_be_visible()
    kiosk.page.route("**/api/transfers/incoming/**", slow)
    kiosk.tid("stock-tab-transfers").click()
    kiosk.tid("stock-tab-waste").click()
    expect(kiosk.tid("waste")).to_be_visible()
    kiosk.page.wait_for_timeout(2_500)  # the transfers tab's answer has come and gone
    expect(kiosk.tid("waste")).to_be_visible()
    expect(kiosk.tid("transfers-incoming")).to_have_count(0)
    assert not kiosk.page.errors, kiosk.page.errors
