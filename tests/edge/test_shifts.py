"""Shifts: float, cash movements, X report, Z report with expected vs counted."""


def test_one_open_shift_per_terminal(cashier):
    cashier.open_shift()
    again = cashier.post("/api/shifts/open/", {"opening_cash": "100000.00"})
    assert again.status_code == 409 and again.json["code"] == "SHIFT_ALREADY_OPEN"
    cashier.headers["X-Terminal-ID"] = "2"
    assert cashier.post("/api/shifts/open/", {"opening_cash": "100000.00"}).status_code == 201


def test_current_shift_is_404_when_none_is_open(cashier):
    response = cashier.get("/api/shifts/current/")
    assert response.status_code == 404 and response.json["code"] == "NO_OPEN_SHIFT"


def test_cash_movements_change_expected_cash(cashier):
    shift = cashier.open_shift("500000.00")
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                        {"kind": "in", "amount": "100000.00", "reason": "change float"}).status_code == 201
    assert cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                        {"kind": "out", "amount": "50000.00", "reason": "ice supplier"}).status_code == 201
    report = cashier.get(f"/api/shifts/{shift['id']}/report/").json["report"]
    assert report["expected"]["cash"] == "550000.00"
    assert report["cash_in"] == "100000.00" and report["cash_out"] == "50000.00"


def test_cash_out_cannot_exceed_the_drawer(cashier):
    shift = cashier.open_shift("10000.00")
    response = cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                            {"kind": "out", "amount": "20000.00", "reason": "x"})
    assert response.status_code == 409 and response.json["code"] == "NOT_ENOUGH_CASH"


def test_a_shift_cannot_close_with_unpaid_orders(cashier):
    shift = cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA"))
    response = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "500000.00"})
    assert response.status_code == 409 and response.json["code"] == "SHIFT_HAS_UNPAID_ORDERS"
    assert order["order_number"] in response.json["message"]


def test_z_report_shows_expected_vs_counted_per_method(cashier, manager):
    shift = cashier.open_shift("500000.00")
    first = cashier.order(cashier.item("DR-COLA", 2))            # 41.600
    cashier.pay(first["id"], "cash", tendered="100000.00")
    second = cashier.order(cashier.item("DS-TIRA", 1))           # 45.000 -> 51.975 -> 52.000
    cashier.pay(second["id"], "card", reference="A1")
    third = cashier.order(cashier.item("DR-LTEA", 1))            # 20.000 -> 23.100
    cashier.pay(third["id"], "cash", tendered="23100.00")
    manager.post(f"/api/orders/{third['id']}/refund/", {"reason": "wrong drink"})
    z = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "541000.00"})
    assert z.status_code == 200
    report = z.json["report"]
    assert report["payments"]["cash"] == {"count": 2, "amount": "64700.00"}
    assert report["payments"]["card"] == {"count": 1, "amount": "52000.00"}
    assert report["refunds"]["cash"] == {"count": 1, "amount": "23100.00"}
    assert report["expected"]["cash"] == "541600.00"   # 500.000 + 64.700 - 23.100
    assert report["counted"]["cash"] == "541000.00"
    assert report["difference"]["cash"] == "-600.00"
    assert report["expected"]["card"] == report["counted"]["card"] == "52000.00"
    assert report["orders"]["count"] == 3
    assert cashier.get("/api/shifts/current/").status_code == 404


def test_a_closed_shift_takes_no_more_movements(cashier):
    shift = cashier.open_shift()
    cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "500000.00"})
    response = cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                            {"kind": "in", "amount": "1000.00", "reason": "x"})
    assert response.status_code == 409 and response.json["code"] == "SHIFT_CLOSED"
