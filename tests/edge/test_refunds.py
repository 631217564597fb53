"""Voids and refunds: manager only, by line or whole, with a reason, never rewriting the sale."""
import json

import pytest
from sqlalchemy import select

from edge.extensions import db
from edge.models import OutboxEvent
from edge.services.selling import orders, refunds
from sync.money import div_round_half_up, parse_amount
from sync.web.errors import Conflict


def paid_order(till, *items, by_card=False):
    till.open_shift()
    order = till.order(*items)
    paid = till.pay(order["id"], "card", amount=order["total_amount"], reference="AUTH1") if by_card else \
        till.pay(order["id"], "cash", tendered="1000000.00")
    assert paid.status_code == 201
    return till.get(f"/api/orders/{order['id']}/").json


def test_cashiers_cannot_refund(cashier):
    order = paid_order(cashier, cashier.item("DR-COLA", 2))
    assert cashier.post(f"/api/orders/{order['id']}/refund/", {"reason": "cold"}).status_code == 403


def test_a_full_refund_returns_what_was_paid_and_keeps_the_sale(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2))
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"})
    assert refund.status_code == 201
    assert refund.json["amount"] == order["paid_amount"] and refund.json["kind"] == "refund"
    after = manager.get(f"/api/orders/{order['id']}/").json
    assert after["refunded_amount"] == order["paid_amount"]
    assert after["total_amount"] == order["total_amount"]  # the sale itself is untouched
    assert after["items"][0]["refunded_quantity"] == 2
    again = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "again"})
    assert again.status_code == 409 and again.json["code"] == "NOTHING_TO_REFUND"


def test_refund_by_line_returns_that_lines_share(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), by_card=True)
    tiramisu = order["items"][1]
    refund = manager.post(f"/api/orders/{order['id']}/refund/",
                          {"reason": "not fresh", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert refund.status_code == 201
    assert refund.json["amount"] == tiramisu["line_total"] == "51975.00"  # by card: to the rupiah
    assert refund.json["lines"] == [{"item_id": tiramisu["id"], "line_no": 2, "quantity": 1,
                                     "amount": tiramisu["line_total"]}]


def test_cash_back_for_a_line_is_rounded_to_the_cash_increment(cashier, manager):
    """The demo tenant rounds cash to Rp 100: the drawer cannot give back Rp 51.975."""
    order = paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1))
    tiramisu = order["items"][1]
    refund = manager.post(f"/api/orders/{order['id']}/refund/",
                          {"reason": "not fresh", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert refund.status_code == 201
    assert (refund.json["method"], refund.json["amount"]) == ("cash", "52000.00")
    assert refund.json["lines"][0]["amount"] == "51975.00"  # the line keeps its exact share


def test_refunding_one_unit_at_a_time_by_card_returns_exactly_the_line_total(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-LTEA", 3), by_card=True)
    line = order["items"][0]
    amounts = [manager.post(f"/api/orders/{order['id']}/refund/",
                            {"reason": "x", "lines": [{"item_id": line["id"], "quantity": 1}]}).json["amount"]
               for _ in range(3)]
    assert sum(parse_amount(a) for a in amounts) == parse_amount(line["line_total"])
    nothing_left = manager.post(f"/api/orders/{order['id']}/refund/",
                                {"reason": "x", "lines": [{"item_id": line["id"], "quantity": 1}]})
    assert nothing_left.status_code == 409 and nothing_left.json["code"] == "NOTHING_TO_REFUND"


def test_refunding_one_unit_at_a_time_in_cash_returns_exactly_what_was_paid(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-LTEA", 3), cashier.item("DS-TIRA", 1))
    tea, tiramisu = order["items"]
    back = [manager.post(f"/api/orders/{order['id']}/refund/",
                         {"reason": "x", "lines": [{"item_id": item["id"], "quantity": 1}]}).json["amount"]
            for item in (tea, tea, tiramisu, tea)]
    assert all(parse_amount(a) % 10_000 == 0 for a in back), back  # every hand-back is whole hundreds (Rp 100)
    assert sum(parse_amount(a) for a in back) == parse_amount(order["paid_amount"])
    after = manager.get(f"/api/orders/{order['id']}/").json
    assert after["refunded_amount"] == order["paid_amount"]


@pytest.mark.parametrize("units", [1, 2])
def test_a_partial_line_refund_by_card_is_exactly_its_units_share_of_the_line(cashier, manager, units):
    """Part of a line gives back line_total x units / quantity, rounded half up at the minor
    unit, to the sen: checked per refund, not only summed over the whole line (where the
    last units' remainder would hide a share that is too large)."""
    order = paid_order(cashier, cashier.item("DR-LTEA", 3), by_card=True)
    line = order["items"][0]
    line_total = parse_amount(line["line_total"])
    refund = manager.post(f"/api/orders/{order['id']}/refund/",
                          {"reason": "x", "lines": [{"item_id": line["id"], "quantity": units}]})
    assert refund.status_code == 201
    share = div_round_half_up(line_total * units, 3)
    assert parse_amount(refund.json["lines"][0]["amount"]) == share
    assert parse_amount(refund.json["amount"]) == share
    rest = manager.post(f"/api/orders/{order['id']}/refund/",
                        {"reason": "x", "lines": [{"item_id": line["id"], "quantity": 3 - units}]})
    assert parse_amount(rest.json["amount"]) == line_total - share  # the last units take exactly what is left


def test_refunding_more_units_than_are_left_is_refused(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 1), cashier.item("DS-TIRA", 1))
    line = order["items"][0]
    response = manager.post(f"/api/orders/{order['id']}/refund/",
                            {"reason": "x", "lines": [{"item_id": line["id"], "quantity": 2}]})
    assert response.status_code == 400 and response.json["code"] == "INVALID_QUANTITY"


def test_a_refund_needs_a_reason(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 1))
    response = manager.post(f"/api/orders/{order['id']}/refund/", {})
    assert response.status_code == 400 and response.json["field"] == "reason"


def test_void_takes_unpaid_items_off_and_lowers_the_balance(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 1), cashier.item("DS-TIRA", 1))
    tiramisu = order["items"][1]
    void = manager.post(f"/api/orders/{order['id']}/void/",
                        {"reason": "out of stock", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert void.status_code == 201 and void.json["kind"] == "void"
    after = manager.get(f"/api/orders/{order['id']}/").json
    assert after["voided_amount"] == tiramisu["line_total"]
    expected_balance = parse_amount(order["total_amount"]) - parse_amount(tiramisu["line_total"])
    assert parse_amount(after["balance_due"]) == expected_balance
    assert after["items"][1]["prep_status"] == "voided"


def test_voiding_more_than_the_unpaid_balance_is_refused_and_changes_nothing(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1))
    assert cashier.pay(order["id"], "card", amount="50000.00", reference="AUTH1").status_code == 201
    tiramisu = order["items"][1]  # Rp 51.975, more than the Rp 43.600 still unpaid
    refused = manager.post(f"/api/orders/{order['id']}/void/",
                           {"reason": "sold out", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert (refused.status_code, refused.json["code"]) == (409, "VOID_EXCEEDS_BALANCE")
    after = manager.get(f"/api/orders/{order['id']}/").json
    assert (after["voided_amount"], after["balance_due"]) == ("0.00", "43600.00")


def _void(manager, order, item, quantity):
    response = manager.post(f"/api/orders/{order['id']}/void/",
                            {"reason": "sold out", "lines": [{"item_id": item["id"], "quantity": quantity}]})
    assert response.status_code == 201, response.json
    return response.json


def test_a_whole_refund_after_a_void_gives_back_only_the_units_left_at_the_rest_of_the_line(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-LTEA", 3))
    tea = order["items"][0]
    voided = _void(manager, order, tea, 1)
    due = manager.get(f"/api/orders/{order['id']}/").json["balance_due"]
    assert cashier.pay(order["id"], "card", amount=due, reference="AUTH1").status_code == 201
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"})
    assert refund.status_code == 201, refund.json
    rest = parse_amount(tea["line_total"]) - parse_amount(voided["amount"])
    assert refund.json["lines"] == [{"item_id": tea["id"], "line_no": 1, "quantity": 2,
                                     "amount": f"{rest // 100}.{rest % 100:02d}"}]
    assert manager.get(f"/api/orders/{order['id']}/").json["items"][0]["refunded_quantity"] == 2


def test_a_whole_refund_leaves_out_a_line_that_was_voided_entirely(cashier, manager):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1))
    cola, tiramisu = order["items"]
    _void(manager, order, tiramisu, 1)
    due = manager.get(f"/api/orders/{order['id']}/").json["balance_due"]
    assert cashier.pay(order["id"], "card", amount=due, reference="AUTH1").status_code == 201
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"})
    assert refund.status_code == 201, refund.json
    assert [(line["item_id"], line["quantity"]) for line in refund.json["lines"]] == [(cola["id"], 2)]


def test_a_whole_refund_after_a_line_refund_names_only_the_lines_still_unrefunded(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), by_card=True)
    cola, tiramisu = order["items"]
    first = manager.post(f"/api/orders/{order['id']}/refund/",
                         {"reason": "not fresh", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert first.status_code == 201, first.json
    rest = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"})
    assert rest.status_code == 201, rest.json
    assert [(line["item_id"], line["quantity"]) for line in rest.json["lines"]] == [(cola["id"], 2)]


def test_cancelling_a_paid_order_needs_a_refund_first(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 1))
    refused = manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "x"})
    assert refused.status_code == 409 and refused.json["code"] == "ORDER_HAS_PAYMENTS"
    manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "customer left"})
    assert manager.post(f"/api/orders/{order['id']}/cancel/", {"reason": "x"}).json["status"] == "cancelled"


@pytest.mark.parametrize("card", [None, "46000.00"], ids=["paid in cash", "paid part by card"])
def test_cash_back_below_the_smallest_cash_amount_is_refused_with_a_clear_code(edge_app, cashier, manager, card):
    """Rounded to the increment, a small enough line comes to nothing in cash: refused
    (not recorded as a refund of nothing, nor sent to the card), the lines stay refundable."""
    items = (cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1))
    order = paid_order(cashier, *items) if card is None else split_paid_order(cashier, *items, card=card)
    tiramisu = order["items"][1]
    with edge_app.app_context():
        stored = orders.get(db.session, order["id"])
        with pytest.raises(Conflict) as refused:
            refunds.refund(db.session, stored, user_id=1, shift=None, reason="x", method="cash",
                           lines=[{"item_id": tiramisu["id"], "quantity": 1}], points_per_amount=0,
                           cash_rounding=20_000_000)  # Rp 200.000: Rp 51.975 rounds to nothing
        assert refused.value.code == "REFUND_BELOW_CASH_UNIT"
        db.session.rollback()
    assert manager.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == "0.00"


def split_paid_order(till, *items, card):
    """Paid `card` by card, the rest in cash."""
    till.open_shift()
    order = till.order(*items)
    assert till.pay(order["id"], "card", amount=card, reference="AUTH1").status_code == 201
    assert till.pay(order["id"], "cash", tendered="1000000.00").status_code == 201
    return till.get(f"/api/orders/{order['id']}/").json


def _given(response) -> list[tuple[str, str]]:
    return [(t["method"], t["amount"]) for t in response.json["tenders"]]


def test_a_whole_refund_of_a_split_tender_order_gives_each_method_back_its_part(edge_app, cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="50000.00")
    assert order["paid_amount"] == "93600.00"
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled"})
    assert refund.status_code == 201, refund.json
    assert _given(refund) == [("cash", "43600.00"), ("card", "50000.00")]  # never more cash than was taken
    assert (refund.json["method"], refund.json["amount"]) == ("cash", "43600.00")
    after = manager.get(f"/api/orders/{order['id']}/").json
    assert after["refunded_amount"] == "93600.00"
    assert [(r["method"], r["amount"], len(r["lines"])) for r in after["refunds"]] == [
        ("cash", "43600.00", 2), ("card", "50000.00", 0)]  # the first record holds the lines
    with edge_app.app_context():
        queued = db.session.execute(select(OutboxEvent.payload).where(OutboxEvent.type == "refund.recorded")
                                    ).scalars().all()
    assert sorted(json.loads(p)["method"] for p in queued) == ["card", "cash"]
    again = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "again"})
    assert again.status_code == 409 and again.json["code"] == "NOTHING_TO_REFUND"


def test_a_line_worth_more_than_the_card_took_goes_back_part_by_card_part_in_cash(cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    tiramisu = order["items"][1]  # Rp 51.975; the card took 46.000, the cash 47.600
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "not fresh", "method": "card", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert refund.status_code == 201, refund.json
    assert _given(refund) == [("card", "46000.00"), ("cash", "6000.00")]  # the cash part rounded to Rp 100
    assert refund.json["lines"][0]["amount"] == "51975.00"


def test_a_line_worth_more_than_the_cash_took_goes_back_in_all_the_cash_and_the_rest_by_card(cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    tiramisu = order["items"][1]
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "not fresh", "method": "cash", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert refund.status_code == 201, refund.json
    assert _given(refund) == [("cash", "47600.00"), ("card", "4375.00")]  # exactly the line: 51.975


def test_a_card_that_gave_back_all_it_took_gives_nothing_more_the_rest_goes_back_in_cash(cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    tiramisu = order["items"][1]
    first = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "not fresh", "method": "card", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert _given(first) == [("card", "46000.00"), ("cash", "6000.00")]
    rest = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled", "method": "card"})
    assert rest.status_code == 201, rest.json
    assert _given(rest) == [("cash", "41600.00")]  # what the cash took (47.600) less the 6.000 already back


def test_a_refund_of_one_method_answers_with_that_one_record(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2), by_card=True)
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "cold"})
    assert _given(refund) == [("card", order["paid_amount"])]
    assert refund.json["tenders"][0]["id"] == refund.json["id"]


def test_cash_going_back_needs_an_open_shift_even_when_card_was_asked_first(edge_app, cashier):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="10000.00")
    with edge_app.app_context():
        stored = orders.get(db.session, order["id"])
        with pytest.raises(Conflict) as refused:
            refunds.refund(db.session, stored, user_id=1, shift=None, reason="x", method="card", lines=None,
                           points_per_amount=0, cash_rounding=10_000)
        assert refused.value.code == "SHIFT_NOT_OPEN"
        db.session.rollback()
    assert cashier.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == "0.00"


def test_cash_for_lines_of_a_split_tender_order_is_rounded_as_on_a_cash_only_order(cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-LATT", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    latte = order["items"][0]
    assert latte["line_total"] == "73920.00"
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "cold", "method": "cash", "lines": [{"item_id": latte["id"], "quantity": 2}]})
    assert _given(refund) == [("cash", "73900.00")]  # not Rp 20 more by card for what rounding took off


def test_cash_left_exactly_at_the_rounded_share_settles_the_rest_with_no_card_refund(cashier, manager):
    """The cash took Rp 73.900 and the lattes' share (73.920) rounds to exactly that: the
    rounding settles the Rp 20 left over, as it would with more cash left (no Rp 20 card refund)."""
    order = split_paid_order(cashier, cashier.item("DR-LATT", 2), cashier.item("DS-TIRA", 1), card="52000.00")
    latte = order["items"][0]
    assert latte["line_total"] == "73920.00"
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "cold", "method": "cash", "lines": [{"item_id": latte["id"], "quantity": 2}]})
    assert _given(refund) == [("cash", "73900.00")]


def test_a_refund_with_no_cash_going_back_needs_no_open_shift(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2), by_card=True)
    shift = cashier.get("/api/shifts/current/").json
    assert cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "500000.00"}).status_code == 200
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "cold"})
    assert refund.status_code == 201, refund.json
    assert _given(refund) == [("card", order["paid_amount"])]


def test_cash_going_back_with_no_open_shift_is_refused_through_the_api(cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2))
    shift = cashier.get("/api/shifts/current/").json
    assert cashier.post(f"/api/shifts/{shift['id']}/close/", {"counted_cash": "541600.00"}).status_code == 200
    refused = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "cold"})
    assert refused.status_code == 409 and refused.json["code"] == "SHIFT_NOT_OPEN"
    assert manager.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == "0.00"


def test_refunding_a_completed_order_takes_back_the_customers_points(cashier, manager, cook):
    cashier.open_shift()
    customer = cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"}).json
    order = cashier.order(cashier.item("PZ-PEPP", 2, ["Large"]), customer_id=customer["id"])
    assert cashier.pay(order["id"], "cash", tendered="300000.00").status_code == 201
    cashier.post(f"/api/orders/{order['id']}/confirm/")
    cook.post(f"/api/kitchen/orders/{order['id']}/ready/")
    assert cashier.post(f"/api/orders/{order['id']}/complete/").json["status"] == "completed"
    assert cashier.get(f"/api/customers/{customer['id']}/").json["points"] > 0
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "burnt"})
    assert refund.status_code == 201, refund.json
    assert cashier.get(f"/api/customers/{customer['id']}/").json["points"] == 0


# --- before approval, and on paper --------------------------------------------------------

def test_the_preview_says_what_goes_back_per_method_and_writes_nothing(edge_app, cashier, manager):
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    tiramisu = order["items"][1]
    preview = cashier.post(f"/api/orders/{order['id']}/refund/preview/", {
        "method": "card", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert (body["method"], body["amount"], body["spills"], body["gives_cash"]) == ("card", "52000.00", True, True)
    assert [(t["method"], t["amount"]) for t in body["tenders"]] == [("card", "46000.00"), ("cash", "6000.00")]
    assert body["lines"] == [{"item_id": tiramisu["id"], "line_no": 2, "product_name": "Tiramisu", "quantity": 1,
                              "amount": "51975.00"}]
    with edge_app.app_context():
        assert db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "refund.recorded")).first() is None
    # what the manager then approves is exactly what was shown
    done = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "not fresh", "method": "card", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert _given(done) == [(t["method"], t["amount"]) for t in body["tenders"]]


def test_a_preview_that_stays_with_the_asked_method_does_not_spill(cashier):
    order = paid_order(cashier, cashier.item("DR-COLA", 2))
    body = cashier.post(f"/api/orders/{order['id']}/refund/preview/", {}).json
    assert (body["method"], body["amount"], body["spills"]) == ("cash", order["paid_amount"], False)
    refused = cashier.post(f"/api/orders/{order['id']}/refund/preview/", {"method": "card"})
    assert refused.status_code == 400 and refused.json["code"] == "INVALID_METHOD"


def test_a_refund_prints_a_refund_slip(edge_app, cashier, manager):
    from tests.edge.paper import add_file_printer, printed

    add_file_printer(manager)
    order = split_paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1), card="46000.00")
    tiramisu = order["items"][1]
    done = manager.post(f"/api/orders/{order['id']}/refund/", {
        "reason": "not fresh", "method": "card", "lines": [{"item_id": tiramisu["id"], "quantity": 1}]})
    assert done.status_code == 201, done.json
    (slip,) = printed(edge_app, "refund")
    assert slip.inverted_lines and "REFUND" in slip.inverted_lines[0]
    assert slip.line("Refund of").text.endswith(order["order_number"])
    assert slip.line("1 x Tiramisu").text.endswith("Rp 51.975")
    assert slip.line("Reason: not fresh")
    assert slip.line("Approved by").text.endswith("Manager")
    assert slip.line("Given back Card").text.endswith("Rp 46.000")
    assert slip.line("Given back Cash").text.endswith("Rp 6.000")
    assert slip.line("TOTAL REFUND").text.endswith("Rp 52.000")  # in large type
    assert slip.line("Rounding").text.endswith("Rp 25")  # the cash part rounded to Rp 100
    assert len(printed(edge_app, "drawer", order_id=order["id"])) == 2  # the cash sale, then the cash going back


def test_a_refunded_orders_receipt_shows_its_refunds(edge_app, cashier, manager):
    order = paid_order(cashier, cashier.item("DR-COLA", 2), cashier.item("DS-TIRA", 1))
    cola = order["items"][0]
    manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "spilled",
                                                       "lines": [{"item_id": cola["id"], "quantity": 1}]})
    text = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True)
    lines = text.splitlines()
    start = lines.index("REFUNDS")
    assert lines[start + 1].startswith("Cash ") and lines[start + 1].endswith("-Rp 20.800")
    assert lines[start + 2].strip() == "Reason: spilled"
    assert lines[start + 3].startswith("Net paid") and lines[start + 3].endswith("Rp 72.800")  # 93.600 - 20.800
