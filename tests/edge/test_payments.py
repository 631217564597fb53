"""Payments: cash with change, card with reference, split tender, gateway methods."""
import pytest


def order_of(till, *items, **fields):
    return till.order(*(items or (till.item("DR-COLA", 2),)), **fields)


def test_cash_computes_change_and_settles_the_order(cashier):
    cashier.open_shift()
    order = order_of(cashier)  # 2 x 18.000 + 5 % + 10 % = 41.580 -> 41.600
    assert order["total_amount"] == "41600.00"
    paid = cashier.pay(order["id"], "cash", tendered="50000.00")
    assert paid.status_code == 201
    assert paid.json["amount"] == "41600.00" and paid.json["change_amount"] == "8400.00"
    after = cashier.get(f"/api/orders/{order['id']}/").json
    assert after["paid_amount"] == "41600.00" and after["balance_due"] == "0.00"
    assert after["change_amount"] == "8400.00"


def test_split_tender_card_then_cash(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    assert cashier.pay(order["id"], "card", amount="20000.00", reference="AUTH77").status_code == 201
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == "21600.00"
    cash = cashier.pay(order["id"], "cash", tendered="30000.00")
    assert cash.json["amount"] == "21600.00" and cash.json["change_amount"] == "8400.00"
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == "0.00"


def test_partial_cash_leaves_a_balance(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    paid = cashier.pay(order["id"], "cash", tendered="10000.00")
    assert paid.json["amount"] == "10000.00" and paid.json["change_amount"] == "0.00"
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == "31600.00"


def test_only_cash_may_overpay(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    card = cashier.pay(order["id"], "card", amount="50000.00", reference="X1")
    assert card.status_code == 400 and card.json["code"] == "OVERPAYMENT_NOT_ALLOWED"


def test_card_needs_the_terminal_reference(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    response = cashier.pay(order["id"], "card")
    assert response.status_code == 400 and response.json["code"] == "REFERENCE_REQUIRED"


def test_tendered_below_the_amount_is_refused(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    response = cashier.pay(order["id"], "cash", amount="20000.00", tendered="10000.00")
    assert response.status_code == 400 and response.json["code"] == "TENDERED_TOO_LOW"


def test_a_paid_order_takes_no_more_payments(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    cashier.pay(order["id"], "cash", tendered="50000.00")
    again = cashier.pay(order["id"], "cash", tendered="1000.00")
    assert again.status_code == 409 and again.json["code"] == "ORDER_ALREADY_PAID"


def test_qris_and_ewallet_answer_gateway_unreachable(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    for method in ("qris", "ewallet"):
        response = cashier.pay(order["id"], method)
        assert response.status_code == 503
        assert response.json["code"] == "GATEWAY_UNREACHABLE"
    assert cashier.pay(order["id"], "cash", tendered="50000.00").status_code == 201


def test_payments_need_an_open_shift(cashier):
    order = order_of(cashier)
    response = cashier.pay(order["id"], "cash", tendered="50000.00")
    assert response.status_code == 409 and response.json["code"] == "SHIFT_NOT_OPEN"


def test_amounts_must_be_decimal_strings_not_garbage(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    response = cashier.pay(order["id"], "cash", tendered="12.345")
    assert response.status_code == 400 and response.json["field"] == "tendered"


def test_a_payment_can_be_read_back(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    paid = cashier.pay(order["id"], "cash", tendered="50000.00").json
    paid.pop("print_jobs")  # only the create response says what it queued
    assert cashier.get(f"/api/payments/{paid['id']}/").json == paid
    assert cashier.get("/api/payments/999/").status_code == 404


def test_paying_an_order_that_does_not_exist_is_404(cashier):
    cashier.open_shift()
    response = cashier.post("/api/payments/", {"order_id": 999, "method": "cash", "tendered": "1.00"})
    assert response.status_code == 404 and response.json["code"] == "NOT_FOUND", response.json


@pytest.mark.parametrize("order_id", [2**63, 10**30])
def test_an_order_id_past_the_integer_range_is_refused(cashier, order_id):
    cashier.open_shift()
    response = cashier.post("/api/payments/", {"order_id": order_id, "method": "cash", "tendered": "1.00"})
    assert response.status_code == 400 and response.json["field"] == "order_id", response.json
