"""The e-receipt from the printed QR, as a customer gets it: a sale at a real edge prints
its receipt to a file printer, the QR's link is read back from the ESC/POS bytes, it is
the order's `receipt_url`, and once the sale has synced Chromium opens it (no login) with
the same total as the paper. Screenshot: test-artifacts/e-receipt/phone.png."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.support.escpos_decoder import decode

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e-receipt"
TERMINAL = 3


def _manager(edge_url: str) -> requests.Session:
    http = requests.Session()
    login = http.post(f"{edge_url}/api/auth/login/", json={"username": "manager", "password": "manager123"},
                      timeout=10).json()
    http.headers.update({"Authorization": f"Bearer {login['access']}", "X-Terminal-ID": str(TERMINAL)})
    return http


def test_the_printed_qr_opens_the_e_receipt_with_the_papers_total(outlet):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium")
    cloud, edge = outlet
    http = _manager(edge.url)
    http.post(f"{edge.url}/api/printers/", json={"name": "E-receipt counter", "kind": "file",
                                                 "device": "ereceipt.escpos", "role": "receipt",
                                                 "profile": "TM-T20II"}, timeout=10).raise_for_status()
    http.post(f"{edge.url}/api/shifts/open/", json={"opening_cash": "100000.00"}, timeout=10)
    product = http.get(f"{edge.url}/api/products/?search=TIRA", timeout=10).json()["results"][0]
    order = http.post(f"{edge.url}/api/orders/", json={"items": [{"product_id": product["id"], "quantity": 2}]},
                      timeout=10).json()
    paid = http.post(f"{edge.url}/api/payments/", json={"order_id": order["id"], "method": "cash",
                                                         "tendered": order["total_amount"]}, timeout=10)
    assert paid.status_code == 201, paid.text
    printed = edge.data_dir / "printers" / "ereceipt.escpos"
    deadline = time.monotonic() + 30
    while not (printed.exists() and decode(printed.read_bytes()).qr) and time.monotonic() < deadline:
        time.sleep(0.3)
    paper = decode(printed.read_bytes())
    assert paper.qr == [order["receipt_url"]] and order["receipt_url"].startswith(f"{cloud.url}/r/")
    paper_total = paper.line("TOTAL").text.split()[-2:]  # ["Rp", "90.000"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page_html = requests.get(order["receipt_url"], timeout=10).text
        if "will appear here shortly" not in page_html:
            break
        time.sleep(0.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.goto(order["receipt_url"])
        expect(page.get_by_test_id("order-number")).to_have_text(order["order_number"])
        expect(page.get_by_test_id("total")).to_have_text(" ".join(paper_total))
        page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
        browser.close()
