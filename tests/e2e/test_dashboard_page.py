"""The head-office dashboard, `/dashboard/`, in Debian's Chromium (Playwright) against the
real `pos cloud run` process, seeded with the demo tenant.

Sales reach the cloud the two ways outlets send them: an enrolled `pos edge run` sells
today through its own API (cashier, kitchen, a manager's refund, a cancellation) and its
relay pushes; a second enrolled till of the same outlet pushes four weeks of earlier
trading through `POST /api/sync/push/` (the events an edge would have sent, so the ingest
records them like any other). The page must show the figures the API reports, and the
screenshots at 1440x900 and 1024x768 go to test-artifacts/dashboard/.
"""
from __future__ import annotations

import random
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from sync import loyalty
from sync.ids import sha256_hex
from sync.money import allocate, apply_rate, div_round_half_up, parse_amount, round_to_increment
from sync.schemas import events
from sync.timeutil import isoformat
from tests.support.needs import NO_CHROMIUM
from tests.support.processes import Cloud, Edge

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
JAKARTA = ZoneInfo("Asia/Jakarta")
SIZES = ((1440, 900), (1024, 768))
HISTORY_DAYS = 56  # two 30-day periods, nearly: the default range has a previous one to compare with


def rupiah(wire: str) -> str:
    """"118387.50" -> "Rp 118.388": how the page shows IDR (whole rupiah, half up)."""
    minor = parse_amount(wire)
    whole = div_round_half_up(abs(minor), 100)
    return f"{'−' if minor < 0 and whole else ''}Rp {whole:,}".replace(",", ".")


def count(value: int) -> str:
    """8407 -> "8.407": counts are grouped like the tenant's money (IDR)."""
    return f"{value:,}".replace(",", ".")


# --- four weeks of earlier trading, pushed as a second till of the demo outlet ----------

class History:
    """A till that traded before today: it enrolls with a fresh key and pushes the events
    the edge would have sent for each sale (final order snapshot, payment, loyalty delta,
    refund), priced with the demo tenant's rules (service 5 %, tax 10 %, cash to Rp 100)."""

    METHODS = (("cash", 45), ("qris", 25), ("card", 20), ("ewallet", 10))
    NAMES = ("Ayu Lestari", "Bagus Pratama", "Citra Dewi", "Dimas Saputra", "Eka Putri", "Fajar Nugroho",
             "Gita Rahma", "Hendra Wijaya", "Indah Sari", "Joko Santoso", "Kartika Sari", "Lukas Halim")

    def __init__(self, cloud: Cloud, key: str, owner_headers: dict, seed: int = 7):
        self.url = cloud.url
        enrolled = requests.post(f"{self.url}/api/sync/enroll/", json={"enrollment_key": key,
                                                                       "device_name": "till 2"}, timeout=10).json()
        token = requests.post(f"{self.url}/api/sync/token/", json={"device_id": enrolled["device_id"],
                                                                   "device_token": enrolled["device_token"]},
                              timeout=10).json()["access_token"]
        self.device = {"Authorization": f"Bearer {token}"}
        self.outlet_id = enrolled["outlet"]["id"]
        catalog = requests.get(f"{self.url}/api/products/", params={"page_size": 100},
                               headers={"X-Tenant-ID": str(enrolled["tenant"]["id"])}, timeout=10).json()
        self.products = [p for p in catalog["results"] if p["status"] == "published"] or catalog["results"]
        self.customers = []
        for index, name in enumerate(self.NAMES):
            made = requests.post(f"{self.url}/api/customers/", headers=owner_headers, timeout=10,
                                 json={"name": name, "phone": f"0812777700{index:02d}"})
            assert made.status_code == 201, made.text
            self.customers.append(made.json()["uuid"])
        self.figures = {uuid: [0, 0] for uuid in self.customers}  # orders, spent: the tier a sale earns at
        self.random = random.Random(seed)
        self.seq = 0
        self.pending: list[dict] = []
        self.start: date | None = None

    def _event(self, kind: str, values: dict, at: datetime) -> None:
        payload = events.dump(kind, values)
        self.seq += 1
        self.pending.append({"seq": self.seq, "event_id": str(uuid.uuid4()), "type": kind,
                             "occurred_at": isoformat(at), "payload": payload, "payload_sha256": sha256_hex(payload)})

    def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[:200], self.pending[200:]
            answer = requests.post(f"{self.url}/api/sync/push/", json={"events": batch}, headers=self.device,
                                   timeout=120)
            assert answer.status_code == 200, answer.text
            assert {r["status"] for r in answer.json()["results"]} == {"applied"}, answer.text

    def _priced(self, picks: list[tuple[dict, int]]) -> tuple[dict, list[dict]]:
        gross = [parse_amount(p["price"]) * q for p, q in picks]
        subtotal = sum(gross)
        service = apply_rate(subtotal, 500)
        line_service = allocate(service, gross)
        tax = apply_rate(subtotal + service, 1000)
        line_tax = allocate(tax, [g + s for g, s in zip(gross, line_service, strict=True)])
        total = round_to_increment(subtotal + service + tax, 10_000)
        items = [{"line_no": n, "product_id": p["id"], "product_name": p["name"], "sku": p["sku"],
                  "category_id": p["category_id"], "station": "main", "quantity": q, "modifiers": [], "note": "",
                  "unit_price": parse_amount(p["price"]), "gross": g, "discount_amount": 0, "total_price": g,
                  "service_charge": s, "tax_amount": t, "line_total": g + s + t, "prep_status": "served",
                  "voided_quantity": 0, "refunded_quantity": 0}
                 for n, ((p, q), g, s, t) in enumerate(zip(picks, gross, line_service, line_tax, strict=True), start=1)]
        return {"subtotal": subtotal, "discount_amount": 0, "service_charge": service, "tax_amount": tax,
                "rounding_amount": total - (subtotal + service + tax), "total_amount": total}, items

    def day(self, business_date: date) -> None:
        rng = self.random
        self.start = self.start or business_date
        weekend = business_date.weekday() >= 4
        growing = (business_date - self.start).days // 14 if self.start else 0  # trade picks up over time
        for number in range(1, rng.randint(8, 12) + growing + (5 if weekend else 0)):
            local = datetime.combine(business_date, datetime.min.time()).replace(hour=11) + timedelta(
                minutes=rng.randint(0, 10 * 60))
            created = local.replace(tzinfo=JAKARTA).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
            picks = [(rng.choice(self.products), rng.choice((1, 1, 1, 2, 2, 3))) for _ in range(rng.randint(1, 3))]
            amounts, items = self._priced(picks)
            customer = rng.choice(self.customers) if rng.random() < 0.45 else None
            fate = rng.random()
            status = "cancelled" if fate < 0.05 else "completed"
            confirmed = created + timedelta(minutes=1)
            ready = confirmed + timedelta(seconds=rng.randint(6 * 60, 24 * 60))
            order = {"uuid": str(uuid.uuid4()), "order_number": f"YOG-{business_date:%y%m%d}-2-{number:04d}",
                     "outlet_id": self.outlet_id, "terminal": 2, "business_date": business_date, "status": status,
                     "source": "pos", "customer_uuid": customer, "customer_name": "", "customer_phone": "",
                     "table": "", "note": "", **amounts, "paid_amount": 0, "change_amount": 0, "voided_amount": 0,
                     "refunded_amount": 0, "version": 5, "cashier_id": None, "cancel_reason": "",
                     "created_at": created, "confirmed_at": confirmed, "preparing_at": confirmed,
                     "ready_at": ready, "served_at": None, "completed_at": None, "cancelled_at": None,
                     "items": items, "promotions": []}
            if status == "cancelled":
                order.update(cancelled_at=ready, cancel_reason="customer left")
                self._event("order.snapshot", order, ready)
                continue
            done = ready + timedelta(minutes=rng.randint(5, 40))
            method = rng.choices([m for m, _ in self.METHODS], [w for _, w in self.METHODS])[0]
            total = amounts["total_amount"]
            tendered = -(-total // 5_000_000) * 5_000_000 if method == "cash" else None
            order.update(paid_amount=total, change_amount=(tendered or total) - total, served_at=done,
                         completed_at=done)
            self._event("payment.recorded", {
                "uuid": str(uuid.uuid4()), "order_uuid": order["uuid"], "terminal": 2, "method": method,
                "amount": total, "tendered": tendered, "change_amount": (tendered or total) - total,
                "status": "paid", "reference": "APPROVAL" if method != "cash" else "", "created_at": done}, done)
            refund = 0
            if fate > 0.97:  # a line handed back
                line = items[0]
                refund = div_round_half_up(line["line_total"], line["quantity"])
                line["refunded_quantity"] = 1
                order["refunded_amount"] = refund
                self._event("refund.recorded", {
                    "uuid": str(uuid.uuid4()), "order_uuid": order["uuid"], "kind": "refund", "method": method,
                    "amount": refund, "reason": "not as ordered",
                    "lines": [{"line_no": 1, "quantity": 1, "amount": refund}], "created_at": done}, done)
            self._event("order.snapshot", order, done)
            if customer:
                orders, spent = self.figures[customer]
                points = loyalty.points_for(total, loyalty.tier_for(orders, spent), 1_000_000)
                self._event("loyalty.accrued", {"customer_uuid": customer, "order_uuid": order["uuid"],
                                                "reason": "sale", "points": points, "orders": 1, "spent": total},
                            done)
                self.figures[customer] = [orders + 1, spent + total - refund]
                if refund:
                    self._event("loyalty.accrued", {
                        "customer_uuid": customer, "order_uuid": order["uuid"], "reason": "refund",
                        "points": -loyalty.points_for(refund, loyalty.tier_for(orders + 1, spent + total),
                                                      1_000_000), "orders": 0, "spent": -refund}, done)


# --- today's trading on the real edge ---------------------------------------------------

class EdgeTill:
    def __init__(self, edge: Edge):
        self.url = edge.url
        self.cashier = {"Authorization": f"Bearer {edge.login('cashier', pin='1234')}", "X-Terminal-ID": "1"}
        self.kitchen = {"Authorization": f"Bearer {edge.login('kitchen', password='kitchen123')}"}
        self.manager = {"Authorization": f"Bearer {edge.login('manager', password='manager123')}",
                        "X-Terminal-ID": "1"}
        self.products = {p["sku"]: p for p in self.call("GET", "/api/products/?page_size=100").json()["results"]}

    def call(self, method, path, headers=None, **kw):
        response = requests.request(method, f"{self.url}{path}", headers=headers or self.cashier, timeout=15, **kw)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response

    def choices(self, sku) -> list[int]:
        """The first option of every group the customer must choose from (a regular size…)."""
        return [group["modifiers"][0]["id"] for group in self.products[sku]["modifier_groups"] if group["required"]]

    def sell(self, *lines, method="cash", cancel=False) -> dict:
        items = [{"product_id": self.products[sku]["id"], "quantity": quantity, "modifier_ids": self.choices(sku)}
                 for sku, quantity in lines]
        order = self.call("POST", "/api/orders/", json={"client_uuid": str(uuid.uuid4()), "items": items}).json()
        if cancel:
            self.call("POST", f"/api/orders/{order['id']}/cancel/", json={"reason": "customer left"})
            return order
        self.call("POST", f"/api/orders/{order['id']}/confirm/")
        self.call("POST", f"/api/kitchen/orders/{order['id']}/ready/", headers=self.kitchen)
        payment = {"order_id": order["id"], "method": method}
        payment.update({"tendered": "500000.00"} if method == "cash" else {"reference": "APPROVAL-9"})
        self.call("POST", "/api/payments/", json=payment)
        self.call("POST", f"/api/orders/{order['id']}/complete/")
        return self.call("GET", f"/api/orders/{order['id']}/").json()


def wait_synced(till: EdgeTill, orders: list[dict], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = [till.call("GET", f"/api/orders/{o['id']}/").json()["sync_status"] for o in orders]
        if set(states) == {"synced"}:
            return
        time.sleep(0.3)
    raise AssertionError("the edge's sales did not reach the cloud")


@pytest.fixture(scope="module")
def head_office(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("head-office")
    cloud = Cloud(workdir).start()
    edge = Edge(workdir / "edge")
    try:
        edge.enroll(cloud.url, cloud.seed_demo())
        edge.start()
        owner = {"Authorization": "Bearer " + requests.post(
            f"{cloud.url}/api/auth/login/", json={"username": "owner", "password": "owner123"},
            timeout=10).json()["access"]}
        history = History(cloud, cloud.seed_demo(keep_other_devices=True), owner)
        today = datetime.now(JAKARTA).date()
        for back in range(HISTORY_DAYS, 0, -1):
            history.day(today - timedelta(days=back))
        history.flush()

        till = EdgeTill(edge)
        till.call("POST", "/api/shifts/open/", json={"opening_cash": "200000.00"})
        sold = [till.sell(("PZ-PEPP", 1), ("DR-COLA", 2)),
                till.sell(("PZ-MARG", 2), ("DR-LTEA", 2), method="card"),
                till.sell(("PS-CARB", 1), ("DS-TIRA", 1))]
        refund = till.call("POST", f"/api/orders/{sold[1]['id']}/refund/", headers=till.manager, json={
            "reason": "cold", "lines": [{"item_id": sold[1]["items"][1]["id"], "quantity": 1}]}).json()
        dropped = till.sell(("DR-LATT", 1), cancel=True)
        wait_synced(till, [*sold, dropped])
        yield {"cloud": cloud, "edge": edge, "owner": owner, "today": today.isoformat(), "sold": sold,
               "refund": refund}
    finally:
        edge.stop()
        cloud.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, cloud, width=1440, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.on("pageerror", lambda error: pytest.fail(f"page error: {error}"))
    page.goto(f"{cloud.url}/dashboard/")
    return page


def sign_in(page, username="owner", password="owner123"):
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20000)
    expect(page.locator("#grid")).to_have_attribute("aria-busy", "false", timeout=20000)


def api(head_office, path, headers=None, **params):
    response = requests.get(f"{head_office['cloud'].url}{path}", headers=headers or head_office["owner"],
                            params=params, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def kpi(page, name):
    return page.get_by_test_id(f"kpi-{name}-value")


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.wait_for_timeout(200)  # let the last repaint land
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# --- the tests ----------------------------------------------------------------------------

def test_the_page_is_served_by_the_cloud_with_every_asset_local(head_office):
    cloud = head_office["cloud"]
    response = requests.get(f"{cloud.url}/dashboard/", timeout=10)
    assert response.status_code == 200 and "script-src 'self'" in response.headers["Content-Security-Policy"]
    for asset in ("/static/dashboard/main.js", "/static/dashboard/dashboard.css"):
        assert asset in response.text
        assert requests.get(f"{cloud.url}{asset}", timeout=10).status_code == 200
    for module in ("api.js", "chart.js", "dom.js", "money.js", "views.js"):
        assert requests.get(f"{cloud.url}/static/dashboard/{module}", timeout=10).status_code == 200
    assert "https://" not in response.text and "http://" not in response.text


def test_the_owner_sees_the_figures_the_api_reports(head_office, browser):
    cloud = head_office["cloud"]
    page = open_page(browser, cloud)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page)
    report = api(head_office, "/api/analytics/dashboard/")
    metrics = report["metrics"]
    assert metrics["total_orders"] > 250  # the weeks of earlier trading reached the cloud
    expect(kpi(page, "revenue")).to_have_text(rupiah(metrics["total_revenue"]))
    expect(kpi(page, "orders")).to_have_text(count(metrics["total_orders"]))
    expect(kpi(page, "aov")).to_have_text(rupiah(metrics["avg_order_value"]))
    expect(kpi(page, "customers")).to_have_text(count(metrics["customers_served"]))
    expect(kpi(page, "refunds")).to_have_text(rupiah(metrics["refunds_total"]))
    expect(kpi(page, "cancelled")).to_have_text(count(metrics["cancelled_orders"]))
    expect(page.get_by_test_id("tenant-name")).to_have_text("Pizza Palace")
    top = page.get_by_test_id("product-row").first
    expect(top).to_contain_text(report["top_products"][0]["name"])
    expect(top).to_contain_text(rupiah(report["top_products"][0]["revenue"]))
    expect(page.get_by_test_id("outlet-YOG")).to_contain_text(rupiah(report["per_outlet"][0]["total_revenue"]))
    expect(page.get_by_test_id("prep-median")).to_have_text(f"{report['prep_times']['median_minutes']:.1f} min")
    customers = api(head_office, "/api/analytics/customers/")
    expect(page.get_by_test_id("customers-total")).to_contain_text(count(customers["total_customers"]))
    expect(page.get_by_test_id("customers-points")).to_contain_text(count(customers["points_outstanding"]))
    bars = page.locator("#revenue-chart rect.bar")
    expect(bars).to_have_count(report["period"]["days"])  # one per day, zero days included
    assert requested and all(url.startswith((cloud.url, "data:", "blob:")) for url in requested)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)  # the chart redraws to the new width
        shot(page, f"dashboard-{width}x{height}")
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}x{height}-full.png"), full_page=True)
    page.context.close()


def test_today_shows_what_the_edge_sold(head_office, browser):
    page = open_page(browser, head_office["cloud"])
    sign_in(page)
    page.locator("[data-preset=today]").click()
    expect(page.get_by_test_id("date-from")).to_have_value(head_office["today"])
    expect(page.locator("#grid")).to_have_attribute("aria-busy", "false")
    sold, refund = head_office["sold"], head_office["refund"]
    revenue = sum(parse_amount(o["total_amount"]) for o in sold) - parse_amount(refund["amount"])
    expect(kpi(page, "orders")).to_have_text("3")
    expect(kpi(page, "revenue")).to_have_text(rupiah(f"{revenue // 100}.{revenue % 100:02d}"))
    expect(kpi(page, "refunds")).to_have_text(rupiah(refund["amount"]))
    expect(kpi(page, "cancelled")).to_have_text("1")
    card = parse_amount(sold[1]["total_amount"]) - parse_amount(refund["amount"])  # refunded to the card
    expect(page.get_by_test_id("method-card")).to_contain_text(rupiah(f"{card // 100}.{card % 100:02d}"))
    expect(page.get_by_test_id("basis-legend")).to_contain_text("Sales count when they are paid")
    page.context.close()


def test_the_customers_panel_of_a_tenant_without_customers_says_so_without_null(head_office, browser):
    """renderCustomers once handed `null` to replaceChildren, which prints the word."""
    page = open_page(browser, head_office["cloud"])
    text = page.evaluate("""async () => {
        const { renderCustomers } = await import("/static/dashboard/views.js");
        const root = document.createElement("div");
        renderCustomers(root, { total_customers: 0, customers_served: 0, new_customers: 0, returning_customers: 0,
          repeat_customers: 0, points_outstanding: 0, tiers: {}, top_customers: [] });
        return root.textContent;
    }""")
    assert "null" not in text and "No known customers bought in this range." in text
    page.context.close()


def test_an_outlet_bound_manager_sees_their_outlet_only(head_office, browser):
    page = open_page(browser, head_office["cloud"], 1024, 768)
    sign_in(page, "manager", "manager123")
    outlet = page.get_by_test_id("outlet-select")
    expect(outlet).to_be_disabled()
    expect(outlet).to_contain_text("Mall Yogya (YOG)")
    token = page.evaluate("JSON.parse(localStorage.getItem('pos.dashboard.session')).access")
    report = api(head_office, "/api/analytics/dashboard/", {"Authorization": f"Bearer {token}"})
    assert report["period"]["outlet_id"] is not None
    expect(kpi(page, "revenue")).to_have_text(rupiah(report["metrics"]["total_revenue"]))
    page.context.close()


def test_an_expired_access_token_is_refreshed_and_the_page_carries_on(head_office, browser):
    page = open_page(browser, head_office["cloud"])
    sign_in(page)
    before = page.evaluate("JSON.parse(localStorage.getItem('pos.dashboard.session'))")
    page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('pos.dashboard.session'));
        s.access = 'not-a-token';
        localStorage.setItem('pos.dashboard.session', JSON.stringify(s));
    }""")
    page.reload()
    expect(page.locator("#grid[data-state=ready]")).to_be_attached(timeout=20000)
    after = page.evaluate("JSON.parse(localStorage.getItem('pos.dashboard.session'))")
    assert after["access"] not in ("not-a-token", before["access"]) and after["refresh"] != before["refresh"]
    expect(page.get_by_test_id("login-form")).to_be_hidden()
    page.context.close()


def test_a_wrong_password_is_told_and_signing_out_forgets_the_session(head_office, browser):
    page = open_page(browser, head_office["cloud"])
    page.get_by_test_id("login-username").fill("owner")
    page.get_by_test_id("login-password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Wrong username or password.")
    sign_in(page)
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert page.evaluate("localStorage.getItem('pos.dashboard.session')") is None
    page.context.close()


def test_cashiers_are_turned_away(head_office, browser):
    page = open_page(browser, head_office["cloud"])
    page.get_by_test_id("login-username").fill("cashier")
    page.get_by_test_id("login-password").fill("cashier123")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("for managers")
    assert page.evaluate("localStorage.getItem('pos.dashboard.session')") is None
    page.context.close()


def test_a_platform_admin_chooses_the_tenant_to_look_at(head_office, browser):
    cloud = head_office["cloud"]
    tenant_id = api(head_office, "/api/users/me/")["tenant_id"]
    page = open_page(browser, cloud)
    sign_in(page, "admin", "admin123")
    expect(page.get_by_test_id("tenant-select")).to_have_value(str(tenant_id))
    expect(page.get_by_test_id("tenant-select")).to_contain_text("Pizza Palace")
    token = page.evaluate("JSON.parse(localStorage.getItem('pos.dashboard.session')).access")
    report = api(head_office, "/api/analytics/dashboard/",
                 {"Authorization": f"Bearer {token}", "X-Tenant-ID": str(tenant_id)})
    expect(kpi(page, "revenue")).to_have_text(rupiah(report["metrics"]["total_revenue"]))
    page.context.close()


def test_the_owner_sees_an_open_security_alert_and_acknowledges_it(head_office, browser):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from cloud.models import SecurityAlert, Tenant

    engine = create_engine(head_office["cloud"].database_url)
    with Session(engine) as session:  # what the worker's scan would raise
        now = datetime.utcnow().replace(microsecond=0)
        session.add(SecurityAlert(tenant_id=session.execute(select(Tenant.id)).scalar(), kind="failed_logins_user",
                                  subject="cashier", message="cashier failed to sign in 7 times in 15 minutes",
                                  count=7, detail={"username": "cashier"}, first_seen_at=now, last_seen_at=now))
        session.commit()
    engine.dispose()
    page = open_page(browser, head_office["cloud"])
    sign_in(page)
    alert = page.locator("[data-testid=alerts] tr[data-kind=failed_logins_user]")
    expect(alert).to_contain_text("cashier failed to sign in 7 times")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("alerts")).to_contain_text("No open alerts.")
    [seen] = api(head_office, "/api/security/alerts/", acknowledged="true")["results"]
    assert seen["acknowledged_by_username"] == "owner"
    page.context.close()
    manager = open_page(browser, head_office["cloud"])
    sign_in(manager, "manager", "manager123")
    expect(manager.get_by_test_id("alerts")).to_be_hidden()  # owners' business
    manager.context.close()
