"""Input the edge takes only in its one documented form: money as decimal strings of
ASCII digits (no JSON numbers), a search for `%` finds a percent sign. Token answers are
never cached; the docs page is locked down like the kiosk and kitchen pages."""
import pytest


@pytest.mark.parametrize("amount", [500000, 500000.0, "٥٠٠٠٠٠.٠٠", "-1.00"])
def test_an_opening_float_in_any_other_form_than_a_decimal_string_is_refused(cashier, amount):
    response = cashier.post("/api/shifts/open/", {"opening_cash": amount})
    assert (response.status_code, response.json["field"]) == (400, "opening_cash")


def test_a_tendered_amount_as_a_json_number_is_refused(cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA"))
    response = cashier.pay(order["id"], "cash", tendered=50000)
    assert (response.status_code, response.json["field"]) == (400, "tendered")


@pytest.mark.parametrize("term", ["%", "%%", "\\", "_"])
def test_a_search_for_a_wildcard_character_is_a_literal(cashier, term):
    cashier.order(cashier.item("DR-COLA"), customer_name="Ana")
    cashier.post("/api/customers/", {"name": "Ana", "phone": "081111111111"})
    for path in ("/api/orders/", "/api/customers/"):
        response = cashier.get(path, query_string={"search": term})
        assert response.status_code == 200 and response.json["count"] == 0, (path, response.json)


def test_token_answers_are_never_cached(client):
    login = client.post("/api/auth/login/", json={"username": "cashier", "pin": "1234"})
    refreshed = client.post("/api/auth/refresh/", json={"refresh": login.json["refresh"]})
    for response in (login, refreshed):
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_the_docs_page_sends_the_pages_security_headers(client):
    response = client.get("/api/docs/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
