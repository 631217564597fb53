"""A page object for the kiosk (`/kiosk/`), driven by Playwright with Debian's Chromium.

Tests speak in the cashier's words (sign in with a PIN, add a pizza, take cash) and this
helper turns them into taps on the page's `data-testid` hooks. Screenshots go to
`test-artifacts/kiosk/` (git-ignored).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import requests
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "kiosk"
PRINTING_UNAVAILABLE = "Printing is not available on this outlet server yet."


def rupiah(wire: str) -> str:
    """"151300.00" -> "Rp 151.300", as the page shows IDR."""
    whole, cents = wire.split(".")
    sign = "−" if whole.startswith("-") else ""
    digits = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return f"{sign}Rp {digits}" + ("" if cents == "00" else f",{cents}")


def minor(wire: str) -> int:
    whole, cents = wire.split(".")
    value = abs(int(whole)) * 100 + int(cents)
    return -value if wire.startswith("-") else value


class Api:
    """The edge API as a test sees it, for checking what the page did."""

    def __init__(self, base: str, username: str = "manager", password: str = "manager123", terminal: int = 1):
        self.base = base
        login = requests.post(f"{base}/api/auth/login/", json={"username": username, "password": password},
                              timeout=10).json()
        token, self.user = login["access"], login["user"]
        self.headers = {"Authorization": f"Bearer {token}", "X-Terminal-ID": str(terminal)}

    def get(self, path: str, **params):
        response = requests.get(f"{self.base}{path}", headers=self.headers, params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def has_path(self, pattern: str) -> bool:
        paths = requests.get(f"{self.base}/api/openapi.json", timeout=10).json()["paths"]
        return any(re.fullmatch(pattern, path) for path in paths)


class Kiosk:
    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base = base_url

    # --- navigation and screenshots --------------------------------------------------------

    def open(self, terminal: int, mode: str = "cashier") -> Kiosk:
        query = f"?terminal={terminal}" + ("&mode=self" if mode == "self" else "")
        self.page.goto(f"{self.base}/kiosk/{query}")
        return self

    def tid(self, testid: str):
        return self.page.get_by_test_id(testid)

    def shot(self, name: str, keep_toasts: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"kiosk-{name}.png"
        if not keep_toasts:  # a passing notice from an earlier step is not part of this screen
            self.page.evaluate("document.getElementById('toasts').replaceChildren()")
        self.page.wait_for_timeout(150)  # let the last repaint land
        self.page.screenshot(path=str(path))
        return path

    def nav(self, name: str) -> None:
        self.tid(f"nav-{name}").click()

    # --- keypads ---------------------------------------------------------------------------

    def keys(self, keypad_testid: str, digits: str) -> None:
        pad = self.tid(keypad_testid)
        for key in re.findall(r"000|\d", digits):
            pad.locator(f"[data-key='{key}']").click()

    # --- signing in ------------------------------------------------------------------------

    def sign_in_pin(self, username: str, pin: str, prefix: str = "login") -> None:
        self.tid(f"{prefix}-username").fill(username)
        self.keys(f"{prefix}-keypad", pin)
        self.tid(f"{prefix}-keypad").locator("[data-key='enter']").click()

    def sign_in_password(self, username: str, password: str, prefix: str = "login") -> None:
        self.tid(f"{prefix}-username").fill(username)
        self.tid(f"{prefix}-use-password").click()
        self.tid(f"{prefix}-password").fill(password)
        self.tid(f"{prefix}-submit").click()

    def open_shift(self, float_units: str) -> None:
        expect(self.tid("shift-open-screen")).to_be_visible()
        self.keys("float-keypad", float_units)
        self.tid("shift-open-submit").click()
        expect(self.tid("sell-screen")).to_be_visible()

    # --- selling ---------------------------------------------------------------------------

    def product(self, sku: str):
        return self.page.locator(f"[data-testid=product-grid] [data-sku='{sku}']")

    def add(self, sku: str, modifiers: tuple[str, ...] = (), note: str | None = None) -> None:
        card = self.product(sku)
        has_options = card.get_attribute("data-options") == "true"
        card.click()
        dialog = self.tid("modifier-dialog")
        if has_options:
            expect(dialog).to_be_visible()
            for name in modifiers:
                dialog.locator(f"[data-modifier='{name}']").click()
            if note is not None:
                self.tid("modifier-note").fill(note)
            self.tid("modifier-add").click()
            expect(dialog).to_be_hidden()

    def apply_code(self, code: str) -> None:
        self.tid("promo-input").fill(code)
        self.tid("promo-apply").click()

    def cart_total(self) -> str:
        total = self.tid("total-total")
        expect(total).to_be_visible()
        return total.locator("span").nth(1).inner_text()

    def scan(self, code: str) -> None:
        """A barcode scanner: fast keystrokes ending with Enter, wherever the focus is."""
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")

    # --- the status bar --------------------------------------------------------------------

    def pending(self) -> int:
        return int(self.tid("status-sync").get_attribute("data-pending") or "0")

    def wait_for(self, condition, timeout: float = 30.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            self.page.wait_for_timeout(250)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    # --- money -----------------------------------------------------------------------------

    def pay_card(self, amount_units: str, reference: str) -> None:
        self.tid("tender-card").click()
        self.keys("card-keypad", amount_units)
        self.tid("card-reference").fill(reference)
        self.tid("pay-submit").click()

    def pay_cash(self, tendered_units: str | None = None) -> None:
        self.tid("tender-cash").click()
        if tendered_units is None:
            self.tid("quick-cash").locator("button").first.click()  # exact
        else:
            self.keys("cash-keypad", tendered_units)
        self.tid("pay-submit").click()

    def manager_approves(self, username: str = "manager", pin: str = "5678") -> None:
        expect(self.tid("manager-dialog")).to_be_visible()
        self.sign_in_pin(username, pin, prefix="manager")
