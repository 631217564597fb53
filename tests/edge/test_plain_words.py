"""What a cashier reads when the till refuses something: quantities are whole numbers
(never silently cut), and refusals are plain words, not validator text."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("quantity", [1.5, 2.9, "1.5", "two", True, 0, 1000])
def test_a_quantity_that_is_not_a_whole_number_from_1_to_999_is_a_400_on_the_field(cashier, quantity):
    """Before, 1.5 became 1 and 2.9 became 2 without a word."""
    item = {**cashier.item("DR-COLA"), "quantity": quantity}
    response = cashier.post("/api/orders/", {"items": [item]})
    assert response.status_code == 400, response.json
    assert response.json["field"] == "items.0.quantity" and response.json["code"] == "INVALID_QUANTITY"
    expected = "Quantity (line 1) must be from 1 to 999" if quantity in (0, 1000) else \
        "Quantity (line 1) must be a whole number"
    assert response.json["message"] == expected
    assert cashier.get("/api/orders/").json["count"] == 0


@pytest.mark.parametrize("path", ["/api/orders/quote/", "/api/orders/"])
def test_a_whole_quantity_written_with_a_point_zero_is_that_number(cashier, path):
    item = {**cashier.item("DR-COLA"), "quantity": 2.0}
    response = cashier.post(path, {"items": [item]})
    assert response.status_code in (200, 201), response.json
    assert response.json["items"][0]["quantity"] == 2


def test_a_refund_line_quantity_must_be_whole_too(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    assert cashier.pay(order["id"], "cash", tendered="100000.00").status_code == 201
    response = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "spilled", "lines": [{"item_id": order["items"][0]["id"], "quantity": 1.5}]})
    assert response.status_code == 400 and response.json["field"] == "lines.0.quantity"
    assert response.json["message"] == "Quantity (line 1) must be a whole number"


def test_an_empty_reason_is_required_not_a_length_rule(cashier):
    """Before: "Length must be between 1 and 500." on the till."""
    shift = cashier.open_shift()
    response = cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                            {"kind": "out", "amount": "1000.00", "reason": ""})
    assert response.status_code == 400 and response.json["field"] == "reason"
    assert response.json["message"] == "Reason is required"
    assert response.json["details"] == {"json": {"reason": ["Length must be between 1 and 500."]}}  # for developers


def test_a_too_long_text_says_how_long_it_may_be(cashier):
    response = cashier.post("/api/orders/", {"items": [cashier.item("DR-COLA")], "customer_name": "x" * 121})
    assert response.status_code == 400 and response.json["message"] == "Customer name can be at most 120 characters"


def test_an_empty_cart_asks_for_an_item(cashier):
    response = cashier.post("/api/orders/", {"items": []})
    assert response.status_code == 400 and response.json["message"] == "Items: give at least one (at most 100)"


def test_a_missing_field_is_named_in_words(cashier):
    response = cashier.post("/api/payments/", {"method": "cash"})
    assert response.status_code == 400 and response.json["message"] == "Order id is required"


def test_a_wrong_pin_is_said_plainly(client):
    response = client.post("/api/auth/login/", json={"username": "cashier", "pin": "9999"})
    assert response.status_code == 401
    assert response.json["message"] == "The username or PIN is not right; try again"
    response = client.post("/api/auth/login/", json={"username": "cashier", "password": "nope"})
    assert response.json["message"] == "The username or password is not right; try again"
