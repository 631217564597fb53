"""The screen facing the customer: GET /api/payments/display/?terminal=N shows the QR that
till waits on, `paid` once it settles, and long-polls on the fingerprint it shows; the
page /kiosk/customer-display is a public shell that signs in before any data."""
from __future__ import annotations

import time

import pytest

from tests.edge.test_gateway_payments import online, qris_order, receiver, sim, sim_pay  # noqa: F401, F811 (fixtures)

pytestmark = pytest.mark.e2e
# ruff: noqa: F811 (the fixtures above are used by name)


def display(till, terminal=1, **query):
    response = till.get("/api/payments/display/", query_string={"terminal": terminal, **query})
    assert response.status_code == 200, response.json
    return response.json


def test_a_till_with_no_qr_waiting_shows_nothing(cashier):
    assert display(cashier) == {"state": "idle", "fingerprint": "idle", "terminal": 1}


def test_the_waiting_qr_is_shown_for_its_till_only(online, cashier):
    order, payment = qris_order(cashier)
    shown = display(cashier)
    assert shown["state"] == "pending" and shown["payment_id"] == payment["id"]
    assert shown["qr_string"] == payment["qr_string"] and shown["amount"] == payment["amount"]
    assert shown["order_number"] == order["order_number"] and shown["expires_at"] == payment["expires_at"]
    assert display(cashier, terminal=2)["state"] == "idle"


def test_it_turns_paid_and_a_long_poll_answers_at_once_on_a_change(online, sim, cashier):
    _, payment = qris_order(cashier)
    waiting = display(cashier)["fingerprint"]
    sim_pay(sim, payment["reference"])
    assert cashier.post(f"/api/payments/{payment['id']}/check/").json["status"] == "paid"  # the till learns it
    began = time.monotonic()
    shown = display(cashier, since=waiting, wait=10)
    assert time.monotonic() - began < 5
    assert shown["state"] == "paid" and shown["fingerprint"] != waiting and "qr_string" not in shown


def test_an_unchanged_screen_is_answered_after_the_wait(online, cashier):
    qris_order(cashier)
    waiting = display(cashier)["fingerprint"]
    began = time.monotonic()
    assert display(cashier, since=waiting, wait=1)["fingerprint"] == waiting
    assert time.monotonic() - began >= 1


def test_the_terminal_is_required_and_bounded(cashier):
    assert cashier.get("/api/payments/display/").status_code == 400
    assert cashier.get("/api/payments/display/", query_string={"terminal": 0}).status_code == 400
    assert cashier.get("/api/payments/display/", query_string={"terminal": 1, "wait": 26}).status_code == 400


def test_the_page_is_a_shell_under_the_kiosks_policy(client):
    page = client.get("/kiosk/customer-display?terminal=2")
    assert page.status_code == 200 and b"kiosk/display.js" in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
