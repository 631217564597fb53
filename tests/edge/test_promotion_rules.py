"""Which promotions an order tries, and what a cashier is told about a code that cannot apply.

Pizza Palace, outlet Mall Yogya (id 1) in Asia/Jakarta (UTC+7, no daylight saving).
28 Nov 2026 is a Saturday.
"""
from datetime import UTC, datetime

import pytest

from edge.services.selling.pricing import CartLine, ChargeSettings, price_order
from edge.services.selling.promotion_rules import (
    CodeRejection,
    PromotionProduct,
    PromotionRule,
    check_window,
    explain_unapplied,
    format_rupiah,
    select_promotions,
)
from sync.money import MoneyFormatError

JAKARTA = "Asia/Jakarta"
OUTLET = 1
PIZZA, COLA, GARLIC_BREAD = 101, 201, 301

WEEKEND30 = PromotionRule(
    id=1, name="Weekend Flash Sale", promo_type="percentage", discount_percent_bp=3000,
    code="WEEKEND30", days_of_week=(5, 6),
)


def select(rules, *, now_utc, codes=(), subtotal=20_000_000, products=(PIZZA,), customer=False,
           customer_usage=None, allowance_left=None, outlet_id=OUTLET, tz=JAKARTA):
    return select_promotions(
        rules, now_utc=now_utc, outlet_id=outlet_id, outlet_timezone=tz, entered_codes=codes,
        customer_id_present=customer, customer_usage=customer_usage or {},
        allowance_left=allowance_left or {}, subtotal=subtotal, cart_product_ids=set(products),
    )


def only_rejection(selection) -> CodeRejection:
    assert len(selection.rejected_codes) == 1, selection.rejected_codes
    return selection.rejected_codes[0]


# --- codes -----------------------------------------------------------------------------

def test_weekend30_entered_on_saturday_in_jakarta_is_tried():
    saturday_noon_local = datetime(2026, 11, 28, 5, 0)  # 12:00 WIB
    selection = select([WEEKEND30], now_utc=saturday_noon_local, codes=["WEEKEND30"])
    assert selection.rules_to_try == (WEEKEND30,)
    assert selection.rejected_codes == ()


def test_codes_match_case_insensitively_after_stripping_spaces():
    selection = select([WEEKEND30], now_utc=datetime(2026, 11, 28, 5, 0), codes=["  weekend30 "])
    assert selection.rules_to_try == (WEEKEND30,)


def test_code_promotion_is_not_tried_without_its_code():
    selection = select([WEEKEND30], now_utc=datetime(2026, 11, 28, 5, 0), codes=[])
    assert selection.rules_to_try == ()
    assert selection.rejected_codes == ()


def test_unknown_code_is_rejected_with_the_code_as_entered():
    rejection = only_rejection(select([WEEKEND30], now_utc=datetime(2026, 11, 28, 5, 0), codes=[" PIZZA99 "]))
    assert rejection == CodeRejection("PIZZA99", "UNKNOWN_CODE", "PIZZA99 is not a valid promotion code")


def test_the_same_code_entered_twice_is_reported_once():
    selection = select([WEEKEND30], now_utc=datetime(2026, 11, 28, 5, 0), codes=["nope", "NOPE"])
    assert [r.reason_code for r in selection.rejected_codes] == ["UNKNOWN_CODE"]


def test_weekend30_on_a_wednesday_says_which_days_it_is_valid():
    wednesday = datetime(2026, 11, 25, 5, 0)
    rejection = only_rejection(select([WEEKEND30], now_utc=wednesday, codes=["WEEKEND30"]))
    assert rejection.reason_code == "WRONG_DAY"
    assert rejection.message == "WEEKEND30 is only valid on Saturday and Sunday"


def test_auto_apply_promotion_is_tried_without_a_code():
    auto = PromotionRule(id=2, name="Lunch 10%", promo_type="percentage", discount_percent_bp=1000,
                         auto_apply=True)
    assert select([auto], now_utc=datetime(2026, 11, 25, 5, 0)).rules_to_try == (auto,)


def test_inactive_promotion_code_is_rejected():
    inactive = PromotionRule(id=3, name="Old", promo_type="percentage", discount_percent_bp=1000,
                             code="OLD10", is_active=False)
    rejection = only_rejection(select([inactive], now_utc=datetime(2026, 11, 25, 5, 0), codes=["old10"]))
    assert (rejection.code, rejection.reason_code, rejection.message) == ("old10", "NOT_ACTIVE", "OLD10 is not active")


# --- dates: UTC naive, start inclusive, end exclusive; messages in outlet local time ----

NOVEMBER = PromotionRule(
    id=4, name="November", promo_type="percentage", discount_percent_bp=1000, code="NOV10",
    start_at=datetime(2026, 10, 31, 17, 0),  # 1 Nov 00:00 WIB
    end_at=datetime(2026, 11, 30, 17, 0),    # 1 Dec 00:00 WIB
)


def test_not_started_names_the_local_start():
    rejection = only_rejection(select([NOVEMBER], now_utc=datetime(2026, 10, 31, 16, 59), codes=["NOV10"]))
    assert rejection.reason_code == "NOT_STARTED"
    assert rejection.message == "NOV10 is not valid yet; it starts on 1 Nov 2026 00:00"


def test_start_is_inclusive_and_end_is_exclusive():
    assert select([NOVEMBER], now_utc=datetime(2026, 10, 31, 17, 0), codes=["NOV10"]).rules_to_try == (NOVEMBER,)
    assert select([NOVEMBER], now_utc=datetime(2026, 11, 30, 16, 59, 59), codes=["NOV10"]).rules_to_try == (NOVEMBER,)
    rejection = only_rejection(select([NOVEMBER], now_utc=datetime(2026, 11, 30, 17, 0), codes=["NOV10"]))
    assert rejection.reason_code == "EXPIRED"
    assert rejection.message == "NOV10 has expired; it ended on 1 Dec 2026 00:00"


def test_aware_now_is_accepted_and_means_the_same_instant():
    aware = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert select([NOVEMBER], now_utc=aware, codes=["NOV10"]).rules_to_try == (NOVEMBER,)


# --- outlet time zone vs UTC near midnight ----------------------------------------------

def test_saturday_0030_in_jakarta_is_still_friday_in_utc_and_weekend30_applies():
    friday_utc = datetime(2026, 11, 27, 17, 30)  # Sat 28 Nov 00:30 WIB
    assert select([WEEKEND30], now_utc=friday_utc, codes=["WEEKEND30"]).rules_to_try == (WEEKEND30,)


def test_monday_0030_in_jakarta_is_sunday_in_utc_but_weekend30_is_over():
    sunday_utc = datetime(2026, 11, 29, 17, 30)  # Mon 30 Nov 00:30 WIB
    assert only_rejection(select([WEEKEND30], now_utc=sunday_utc, codes=["WEEKEND30"])).reason_code == "WRONG_DAY"


def test_the_same_instant_is_a_different_day_for_an_outlet_in_another_zone():
    friday_utc = datetime(2026, 11, 27, 17, 30)  # Sat 00:30 in Jakarta, Fri 18:30 in London
    assert only_rejection(select([WEEKEND30], now_utc=friday_utc, codes=["WEEKEND30"],
                                 tz="Europe/London")).reason_code == "WRONG_DAY"


# --- time windows -----------------------------------------------------------------------

HAPPY_HOUR = PromotionRule(id=5, name="Happy Hour", promo_type="percentage", discount_percent_bp=2000,
                           code="HAPPY", start_time="16:00", end_time="18:00")
LATE_NIGHT = PromotionRule(id=6, name="Late Night", promo_type="percentage", discount_percent_bp=1500,
                           code="NIGHT", start_time="22:00", end_time="02:00")
SATURDAY_NIGHT = PromotionRule(id=7, name="Saturday Night", promo_type="percentage",
                               discount_percent_bp=1500, code="SATNIGHT", start_time="22:00",
                               end_time="02:00", days_of_week=(5,))


def local(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute)


def test_happy_hour_window_is_start_inclusive_end_exclusive():
    assert check_window(HAPPY_HOUR, local(25, 16, 0)) is None
    assert check_window(HAPPY_HOUR, local(25, 17, 59)) is None
    assert check_window(HAPPY_HOUR, local(25, 18, 0)) == "WRONG_TIME"
    assert check_window(HAPPY_HOUR, local(25, 15, 59)) == "WRONG_TIME"


def test_window_crossing_midnight_holds_late_evening_and_early_morning():
    assert check_window(LATE_NIGHT, local(25, 23, 30)) is None
    assert check_window(LATE_NIGHT, local(26, 1, 59)) is None
    assert check_window(LATE_NIGHT, local(26, 2, 0)) == "WRONG_TIME"
    assert check_window(LATE_NIGHT, local(25, 12, 0)) == "WRONG_TIME"


def test_after_midnight_hours_belong_to_the_day_the_window_opened():
    assert check_window(SATURDAY_NIGHT, local(28, 23, 0)) is None   # Saturday night
    assert check_window(SATURDAY_NIGHT, local(29, 1, 0)) is None    # Sunday 01:00, still Saturday's night
    assert check_window(SATURDAY_NIGHT, local(29, 23, 0)) == "WRONG_DAY"  # Sunday night
    assert check_window(SATURDAY_NIGHT, local(28, 1, 0)) == "WRONG_DAY"   # Friday's night
    assert check_window(SATURDAY_NIGHT, local(28, 12, 0)) == "WRONG_TIME"  # right day, wrong hour


def test_wrong_time_message_reads_the_window():
    friday_noon_local = datetime(2026, 11, 27, 5, 0)
    rejection = only_rejection(select([LATE_NIGHT], now_utc=friday_noon_local, codes=["night"]))
    assert rejection.reason_code == "WRONG_TIME"
    assert rejection.message == "NIGHT is only valid from 22:00 to 02:00"


def test_window_is_checked_in_outlet_local_time_not_utc():
    # 16:30 WIB is 09:30 UTC: happy hour in Jakarta.
    assert select([HAPPY_HOUR], now_utc=datetime(2026, 11, 25, 9, 30), codes=["HAPPY"]).rules_to_try == (HAPPY_HOUR,)
    # 16:30 UTC is 23:30 WIB: not happy hour in Jakarta.
    assert only_rejection(select([HAPPY_HOUR], now_utc=datetime(2026, 11, 25, 16, 30),
                                 codes=["HAPPY"])).reason_code == "WRONG_TIME"


# --- outlets, limits and allowance -------------------------------------------------------

def test_promotion_for_other_outlets_is_rejected():
    elsewhere = PromotionRule(id=8, name="Bandung only", promo_type="percentage", discount_percent_bp=1000,
                              code="BDG", outlet_ids=(2, 3))
    rejection = only_rejection(select([elsewhere], now_utc=datetime(2026, 11, 25, 5, 0), codes=["BDG"]))
    assert (rejection.reason_code, rejection.message) == ("WRONG_OUTLET", "BDG is not valid at this outlet")
    chosen = select([elsewhere], now_utc=datetime(2026, 11, 25, 5, 0), codes=["BDG"], outlet_id=3)
    assert chosen.rules_to_try == (elsewhere,)


LIMITED = PromotionRule(id=9, name="First 100", promo_type="fixed_amount", discount_amount=1_000_000,
                        code="FIRST100", usage_limit=100)


def test_limited_promotion_is_tried_while_the_outlet_has_allowance():
    selection = select([LIMITED], now_utc=datetime(2026, 11, 25, 5, 0), codes=["FIRST100"], allowance_left={9: 1})
    assert selection.rules_to_try == (LIMITED,)


def test_limited_promotion_without_allowance_is_never_granted():
    for allowance in ({9: 0}, {}):  # a missing allowance is none at all
        rejection = only_rejection(select([LIMITED], now_utc=datetime(2026, 11, 25, 5, 0), codes=["FIRST100"],
                                          allowance_left=allowance))
        assert (rejection.reason_code, rejection.message) == (
            "USAGE_LIMIT_REACHED", "FIRST100 has reached its usage limit")


def test_limited_auto_promotion_without_allowance_is_silently_not_tried():
    auto = PromotionRule(id=10, name="Auto limited", promo_type="percentage", discount_percent_bp=500,
                         auto_apply=True, usage_limit=5)
    selection = select([auto], now_utc=datetime(2026, 11, 25, 5, 0), allowance_left={10: 0})
    assert selection == type(selection)(rules_to_try=(), rejected_codes=())


ONCE_PER_CUSTOMER = PromotionRule(id=11, name="Welcome", promo_type="percentage", discount_percent_bp=1000,
                                  code="WELCOME", usage_limit_per_customer=1)


def test_per_customer_limit_needs_a_customer_on_the_order():
    rejection = only_rejection(select([ONCE_PER_CUSTOMER], now_utc=datetime(2026, 11, 25, 5, 0), codes=["WELCOME"]))
    assert rejection.reason_code == "CUSTOMER_REQUIRED"
    assert rejection.message == "WELCOME is limited to 1 use per customer; add the customer to the order first"


def test_per_customer_limit_counts_the_customers_uses():
    now = datetime(2026, 11, 25, 5, 0)
    fresh = select([ONCE_PER_CUSTOMER], now_utc=now, codes=["WELCOME"], customer=True, customer_usage={11: 0})
    assert fresh.rules_to_try == (ONCE_PER_CUSTOMER,)
    used = only_rejection(select([ONCE_PER_CUSTOMER], now_utc=now, codes=["WELCOME"], customer=True,
                                 customer_usage={11: 1}))
    assert used.reason_code == "CUSTOMER_LIMIT_REACHED"
    assert used.message == "This customer has already used WELCOME the maximum of 1 time"


def test_min_purchase_rejection_states_the_amount_in_rupiah():
    rule = PromotionRule(id=12, name="Big order", promo_type="fixed_amount", discount_amount=2_000_000,
                         min_purchase=15_000_000, code="BIG20")
    rejection = only_rejection(select([rule], now_utc=datetime(2026, 11, 25, 5, 0), codes=["BIG20"],
                                      subtotal=14_999_999))
    assert rejection.reason_code == "MIN_PURCHASE_NOT_MET"
    assert rejection.message == "BIG20 needs a minimum purchase of Rp 150.000"
    assert select([rule], now_utc=datetime(2026, 11, 25, 5, 0), codes=["BIG20"],
                  subtotal=15_000_000).rules_to_try == (rule,)


def test_product_promotion_without_its_products_in_the_cart_is_rejected():
    rule = PromotionRule(id=13, name="Cola deal", promo_type="percentage", discount_percent_bp=5000,
                         code="COLA50", products=(PromotionProduct(COLA),))
    rejection = only_rejection(select([rule], now_utc=datetime(2026, 11, 25, 5, 0), codes=["COLA50"],
                                      products=(PIZZA,)))
    assert rejection.reason_code == "NO_ELIGIBLE_PRODUCTS"


def test_rules_to_try_come_in_priority_order_whatever_the_input_order():
    a = PromotionRule(id=20, name="A", promo_type="percentage", discount_percent_bp=100, auto_apply=True, priority=1)
    b = PromotionRule(id=21, name="B", promo_type="percentage", discount_percent_bp=100, auto_apply=True, priority=5)
    c = PromotionRule(id=19, name="C", promo_type="percentage", discount_percent_bp=100, auto_apply=True, priority=1)
    now = datetime(2026, 11, 25, 5, 0)
    assert select([a, b, c], now_utc=now).rules_to_try == (b, c, a)
    assert select([c, a, b], now_utc=now).rules_to_try == (b, c, a)


def test_checks_are_reported_in_a_fixed_order_inactive_first():
    rule = PromotionRule(id=14, name="X", promo_type="percentage", discount_percent_bp=100, code="X",
                         is_active=False, outlet_ids=(9,), days_of_week=(0,))
    rejection = only_rejection(select([rule], now_utc=datetime(2026, 11, 25, 5, 0), codes=["x"]))
    assert rejection.reason_code == "NOT_ACTIVE"


# --- after pricing: a code that was tried but gave nothing ------------------------------

SETTINGS = ChargeSettings(tax_rate_bp=1000, service_charge_bp=500)


def test_code_tried_but_blocked_by_a_non_stackable_promotion_is_explained():
    exclusive = PromotionRule(id=30, name="Owner's Special", promo_type="percentage", discount_percent_bp=5000,
                              auto_apply=True, priority=10)
    cart = [CartLine(PIZZA, "Pizza", 1, 9_500_000, 1)]
    now = datetime(2026, 11, 28, 5, 0)
    selection = select([exclusive, WEEKEND30], now_utc=now, codes=["weekend30"])
    assert selection.rules_to_try == (exclusive, WEEKEND30)
    priced = price_order(cart, SETTINGS, selection.rules_to_try)
    assert [p.promotion_id for p in priced.promotions] == [30]
    (rejection,) = explain_unapplied(selection, priced, ["weekend30"])
    assert rejection == CodeRejection("weekend30", "NOT_COMBINABLE",
                                      "WEEKEND30 cannot be combined with Owner's Special")


def test_buy_x_get_y_code_with_too_few_items_is_explained():
    b2g1 = PromotionRule(id=31, name="Pizza B2G1", promo_type="buy_x_get_y", buy_quantity=2, get_quantity=1,
                         code="B2G1", products=(PromotionProduct(PIZZA, "both"),))
    cart = [CartLine(PIZZA, "Pizza", 1, 9_500_000, 2)]
    selection = select([b2g1], now_utc=datetime(2026, 11, 25, 5, 0), codes=["B2G1"])
    priced = price_order(cart, SETTINGS, selection.rules_to_try)
    assert priced.promotions == ()
    (rejection,) = explain_unapplied(selection, priced, ["B2G1"])
    assert rejection.reason_code == "NOT_APPLICABLE"
    assert rejection.message == "B2G1 needs 2 item(s) to buy and 1 more eligible item(s) in the order"


def test_explain_unapplied_is_silent_for_applied_and_already_rejected_codes():
    cart = [CartLine(PIZZA, "Pizza", 1, 9_500_000, 1)]
    selection = select([WEEKEND30], now_utc=datetime(2026, 11, 28, 5, 0), codes=["WEEKEND30", "BOGUS"])
    priced = price_order(cart, SETTINGS, selection.rules_to_try)
    assert [r.reason_code for r in selection.rejected_codes] == ["UNKNOWN_CODE"]
    assert explain_unapplied(selection, priced, ["WEEKEND30", "BOGUS"]) == ()


# --- from_dict: the cloud's JSON --------------------------------------------------------

CLOUD_JSON = {
    "id": 7, "name": "Weekend Flash Sale", "promo_type": "percentage", "discount_percent": "30.00",
    "discount_amount": "0.00", "max_discount": "50000.00", "min_purchase": "100000.00",
    "buy_quantity": 0, "get_quantity": 0, "bundle_price": None,
    "start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-31T17:00:00Z",
    "days_of_week": [6, 5], "start_time": "10:00", "end_time": "22:00",
    "usage_limit": 500, "usage_limit_per_customer": 2, "code": "WEEKEND30",
    "auto_apply": False, "is_stackable": True, "priority": 3, "is_active": True,
    "outlet_ids": [1, 2],
    "products": [{"product_id": 101, "role": "both", "quantity": 1}, {"product_id": 201, "role": "get"}],
}


def test_from_dict_converts_money_rates_and_times_to_ints_and_naive_utc():
    rule = PromotionRule.from_dict(CLOUD_JSON)
    assert rule == PromotionRule(
        id=7, name="Weekend Flash Sale", promo_type="percentage", discount_percent_bp=3000,
        discount_amount=0, max_discount=5_000_000, min_purchase=10_000_000, buy_quantity=0,
        get_quantity=0, bundle_price=None,
        products=(PromotionProduct(101, "both", 1), PromotionProduct(201, "get", 1)),
        start_at=datetime(2026, 11, 1), end_at=datetime(2026, 12, 31, 17, 0),
        days_of_week=(5, 6), start_time="10:00", end_time="22:00", usage_limit=500,
        usage_limit_per_customer=2, code="WEEKEND30", auto_apply=False, is_stackable=True,
        priority=3, is_active=True, outlet_ids=(1, 2),
    )


def test_from_dict_bundle_price_and_missing_optionals():
    rule = PromotionRule.from_dict({"id": 8, "name": "Combo", "promo_type": "bundle",
                                    "bundle_price": "100000.00", "is_active": True,
                                    "products": [{"product_id": 101, "quantity": 1}]})
    assert rule.bundle_price == 10_000_000
    assert rule.discount_percent_bp == 0 and rule.max_discount is None and rule.code is None
    assert rule.products == (PromotionProduct(101, "both", 1),)


def test_from_dict_without_is_active_is_inactive():
    assert PromotionRule.from_dict({"id": 1, "name": "?", "promo_type": "percentage"}).is_active is False


@pytest.mark.parametrize("bad", [
    {"discount_percent": 30.0},                 # a float
    {"discount_amount": "12.345"},              # three decimals
    {"promo_type": "mystery"},
    {"start_time": "25:00"},
    {"days_of_week": [7]},
    {"products": [{"product_id": 1, "role": "free"}]},
    {"auto_apply": "false"},                    # a string is not a bool
    {"buy_quantity": 1.5},
    {"products": [{"role": "buy"}]},            # no product_id
    {"products": [7]},
])
def test_from_dict_refuses_malformed_data(bad):
    data = {**CLOUD_JSON, **bad}
    with pytest.raises((ValueError, MoneyFormatError)):
        PromotionRule.from_dict(data)


def test_rupiah_formatting():
    assert format_rupiah(10_000_000) == "Rp 100.000"
    assert format_rupiah(950) == "Rp 9,50"
    assert format_rupiah(0) == "Rp 0"
