"""Shifts: float, cash movements, X report, Z report with expected vs counted."""
import pytest

from sync import vocab
from tests.edge.paper import add_file_printer, printed


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
    # nobody counted the card slips: "not counted", never filled in from the expected figure
    assert report["expected"]["card"] == "52000.00"
    assert report["counted"]["card"] is None and report["difference"]["card"] is None
    assert report["collected"] == {**dict.fromkeys(vocab.PAYMENT_METHODS, "0.00"),
                                   "cash": "41600.00", "card": "52000.00"}
    assert report["totals"] == {"payments": "116700.00", "refunds": "23100.00", "collected": "93600.00"}
    assert report["orders"]["count"] == 3
    assert cashier.get("/api/shifts/current/").status_code == 404


def test_a_closed_shift_takes_no_more_movements(cashier):
    shift = cashier.open_shift()
    cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "500000.00"})
    response = cashier.post(f"/api/shifts/{shift['id']}/cash-movements/",
                            {"kind": "in", "amount": "1000.00", "reason": "x"})
    assert response.status_code == 409 and response.json["code"] == "SHIFT_CLOSED"


def _sell(till, sku, method="cash", modifiers=(), quantity=1):
    order = till.order(till.item(sku, quantity, list(modifiers)))
    extra = {"tendered": "1000000.00"} if method == "cash" else {"reference": "APPROVAL-1"}
    assert till.pay(order["id"], method, **extra).status_code == 201
    return till.get(f"/api/orders/{order['id']}/").json


def test_the_printed_z_takes_refunds_off_the_total_collected(edge_app, cashier, manager):
    """The paper Z read back from its ESC/POS bytes: refunds are amounts per method and
    the total collected is what was taken less what was given back (before: the refund
    was printed as a count and the total collected ignored it)."""
    add_file_printer(manager)
    shift = cashier.open_shift("500000.00")
    cash_sale = _sell(cashier, "DR-COLA", quantity=2)                  # 41.600 cash
    card_sale = _sell(cashier, "DS-TIRA", "card")                      # 52.000 card
    refund = manager.post(f"/api/orders/{cash_sale['id']}/refund/", {"reason": "wrong drink"})
    assert refund.status_code == 201 and refund.json["amount"] == "41600.00"
    closed = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "500000.00"})
    assert closed.status_code == 200, closed.json
    (z,) = printed(edge_app, "report")
    assert z.line("Z REPORT")
    assert z.line("Payments taken").text.endswith("Rp 93.600")
    assert z.line("Refunds Cash").text.endswith("-Rp 41.600")
    assert not z.lines_containing("Refunds (")  # a refund is an amount, not a count of records
    assert z.line("Total collected").text.endswith("Rp 52.000")  # 93.600 - 41.600
    lines = z.lines
    card = next(i for i, line in enumerate(lines) if line.startswith("Card "))
    block = [line.strip() for line in lines[card + 1:card + 5]]
    assert block[0].startswith("Taken") and block[0].endswith("Rp 52.000")
    assert block[1].startswith("Net") and block[2].startswith("Expected")
    assert block[3].startswith("Counted") and block[3].endswith("not counted")
    assert card_sale["total_amount"] == "52000.00"


def test_the_x_report_nets_refunds_per_method(cashier, manager):
    shift = cashier.open_shift("100000.00")
    sale = _sell(cashier, "DR-LTEA", "card")                           # 23.100 card
    manager.post(f"/api/orders/{sale['id']}/refund/", {"reason": "spilled", "method": "card"})
    report = cashier.get(f"/api/shifts/{shift['id']}/report/").json["report"]
    assert report["refunds"]["card"] == {"count": 1, "amount": "23100.00"}
    assert report["collected"]["card"] == "0.00" and report["expected"]["card"] == "0.00"
    assert report["totals"]["collected"] == "0.00"


def test_a_count_far_off_the_expected_needs_a_manager(cashier, manager):
    """86.800 typed for 868.000: the cashier alone cannot close; a manager can."""
    shift = cashier.open_shift("868000.00")
    refused = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "86800.00"})
    assert refused.status_code == 403 and refused.json["code"] == "MANAGER_APPROVAL_REQUIRED"
    assert refused.json["field"] == "counted_cash" and refused.json["difference"] == {"cash": "-781200.00"}
    assert refused.json["limit"] == "50000.00"
    assert cashier.get("/api/shifts/current/").status_code == 200  # still open
    approved = manager.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "86800.00"})
    assert approved.status_code == 200 and approved.json["report"]["difference"]["cash"] == "-781200.00"


def test_a_small_difference_closes_without_a_manager(cashier):
    shift = cashier.open_shift("100000.00")
    closed = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "95000.00",
                                                               "counted_card": "0.00"})
    assert closed.status_code == 200
    report = closed.json["report"]
    assert report["difference"]["cash"] == "-5000.00"
    assert report["counted"]["card"] == "0.00" and report["difference"]["card"] == "0.00"  # counted: zero


def test_a_closed_shifts_report_is_its_z_as_closed(cashier):
    """Viewed again (the kiosk's shift screen, a manager's check), a closed shift shows
    the Z it closed with: what was counted and the difference, not a fresh X without them."""
    shift = cashier.open_shift("100000.00")
    closed = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "97500.00"}).json["report"]
    again = cashier.get(f"/api/shifts/{shift['id']}/report/").json["report"]
    assert again == closed
    assert again["counted"] == {**dict.fromkeys(vocab.PAYMENT_METHODS), "cash": "97500.00"}
    assert again["difference"]["cash"] == "-2500.00"


def test_the_limit_is_a_setting():
    from edge.config import EdgeConfig

    assert EdgeConfig().SHIFT_DIFFERENCE_LIMIT == 5_000_000
    with pytest.MonkeyPatch.context() as env:
        env.setenv("POS_EDGE_SHIFT_DIFFERENCE_LIMIT", "1000.50")
        assert EdgeConfig().SHIFT_DIFFERENCE_LIMIT == 100_050


def test_a_close_with_a_stale_expected_figure_is_refused(cashier):
    shift = cashier.open_shift("100000.00")
    _sell(cashier, "DR-COLA")  # 18.000 -> 20.790 -> 20.800 in cash, after the figure was shown
    stale = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "100000.00",
                                                              "expected_cash": "100000.00"})
    assert stale.status_code == 409 and stale.json["code"] == "EXPECTED_CHANGED"
    assert stale.json["expected_cash"] == "120800.00"
    fresh = cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "120800.00",
                                                              "expected_cash": "120800.00"})
    assert fresh.status_code == 200


def test_paid_orders_still_in_the_kitchen_are_listed_before_closing(cashier):
    shift = cashier.open_shift()
    cooking = _sell(cashier, "DS-TIRA")
    assert cashier.post(f"/api/orders/{cooking['id']}/confirm/").status_code == 200
    unpaid = cashier.order(cashier.item("DR-COLA"))
    report = cashier.get(f"/api/shifts/{shift['id']}/report/").json["report"]
    assert [o["order_number"] for o in report["in_kitchen"]] == [cooking["order_number"]]
    assert [(o["order_number"], o["balance_due"]) for o in report["unpaid"]] == [
        (unpaid["order_number"], unpaid["balance_due"])]
