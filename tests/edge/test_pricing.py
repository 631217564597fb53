"""Pricing, one behaviour per test, with Pizza Palace's real numbers (tax 10 %, service 5 %).

Amounts are minor units: Rp 95.000 = 9_500_000.
"""
import pytest

from edge.services.selling.pricing import (
    AppliedPromotion,
    CartLine,
    ChargeSettings,
    ModifierChoice,
    PricedLine,
    SkippedPromotion,
    allocate_capped,
    price_order,
)
from edge.services.selling.promotion_rules import PromotionProduct, PromotionRule

PIZZA, PEPPERONI, MARGHERITA, COLA, GARLIC_BREAD = 101, 102, 103, 201, 301
PIZZA_PALACE = ChargeSettings(tax_rate_bp=1000, service_charge_bp=500)
LARGE = ModifierChoice(1, "Large", 1_500_000)
EXTRA_CHEESE = ModifierChoice(2, "Extra cheese", 500_000)


def pizza(quantity=1, modifiers=(), price=9_500_000, product_id=PIZZA, name="Pizza"):
    return CartLine(product_id, name, 1, price, quantity, tuple(modifiers))


def cola(quantity=1, price=1_500_000):
    return CartLine(COLA, "Cola", 2, price, quantity)


def rule(id, promo_type, **fields):
    fields.setdefault("is_stackable", True)
    return PromotionRule(id=id, name=fields.pop("name", f"Promo {id}"), promo_type=promo_type, **fields)


def assert_consistent(order):
    """The identities every stored order keeps (what lets a refund by line be exact)."""
    assert order.subtotal == sum(line.gross for line in order.lines)
    assert order.discount_amount == sum(line.discount_amount for line in order.lines)
    assert order.service_charge == sum(line.service_charge for line in order.lines)
    assert order.tax_amount == sum(line.tax_amount for line in order.lines)
    assert order.total_amount == (order.subtotal - order.discount_amount + order.service_charge
                                  + order.tax_amount + order.rounding_amount)
    assert order.discount_amount == sum(p.discount_amount for p in order.promotions)
    for line in order.lines:
        assert line.total_price == line.gross - line.discount_amount
        assert line.total == line.total_price + line.service_charge + line.tax_amount


# --- the rounding chain -----------------------------------------------------------------

def test_pizza_with_large_modifier_and_weekend30():
    weekend30 = rule(1, "percentage", discount_percent_bp=3000, code="WEEKEND30")
    order = price_order([pizza(modifiers=[LARGE])], PIZZA_PALACE, [weekend30])
    assert order.lines == (PricedLine(unit_price=11_000_000, gross=11_000_000, discount_amount=3_300_000,
                                      total_price=7_700_000, service_charge=385_000, tax_amount=808_500,
                                      total=8_893_500),)
    assert (order.subtotal, order.discount_amount, order.service_charge, order.tax_amount,
            order.rounding_amount, order.total_amount) == (11_000_000, 3_300_000, 385_000, 808_500, 0, 8_893_500)
    assert order.promotions == (AppliedPromotion(1, "Promo 1", 3_300_000, (3_300_000,)),)


def test_no_promotion_service_then_tax_on_service():
    order = price_order([pizza(), cola(2)], PIZZA_PALACE)
    assert order.subtotal == 12_500_000
    assert order.service_charge == 625_000           # 5 % of 125.000
    assert order.tax_amount == 1_312_500             # 10 % of 131.250
    assert order.total_amount == 14_437_500
    assert [line.service_charge for line in order.lines] == [475_000, 150_000]
    assert [line.tax_amount for line in order.lines] == [997_500, 315_000]
    assert_consistent(order)


def test_tax_not_on_service_charge():
    settings = ChargeSettings(tax_rate_bp=1000, service_charge_bp=500, tax_on_service_charge=False)
    order = price_order([pizza(), cola(2)], settings)
    assert order.service_charge == 625_000
    assert order.tax_amount == 1_250_000             # 10 % of 125.000 only
    assert order.total_amount == 14_375_000
    assert [line.tax_amount for line in order.lines] == [950_000, 300_000]
    assert_consistent(order)


def test_service_and_tax_round_half_up_at_the_minor_unit():
    # Rp 333,33 -> service 5 % = 16,6665 -> 16,67; tax 10 % of 350,00 = 35,00
    order = price_order([CartLine(1, "Mint", None, 33_333, 1)], PIZZA_PALACE)
    assert order.service_charge == 1_667
    assert order.tax_amount == 3_500   # 10 % of 35_000 exactly
    assert order.total_amount == 38_500


def test_cash_rounding_to_rp_100_rounds_down_below_half():
    weekend30 = rule(1, "percentage", discount_percent_bp=3000)
    order = price_order([pizza(modifiers=[LARGE])], ChargeSettings(1000, 500, cash_rounding=10_000), [weekend30])
    assert order.total_amount == 8_890_000           # Rp 88.935 -> Rp 88.900
    assert order.rounding_amount == -3_500
    assert sum(line.total for line in order.lines) == 8_893_500  # rounding is not on any line
    assert_consistent(order)


def test_cash_rounding_to_rp_500_rounds_up():
    weekend30 = rule(1, "percentage", discount_percent_bp=3000)
    order = price_order([pizza(modifiers=[LARGE])], ChargeSettings(1000, 500, cash_rounding=50_000), [weekend30])
    assert order.total_amount == 8_900_000           # Rp 88.935 -> Rp 89.000
    assert order.rounding_amount == 6_500
    assert_consistent(order)


def test_cash_rounding_exactly_half_rounds_up():
    order = price_order([CartLine(1, "Tea", None, 1_005_000, 1)], ChargeSettings(0, 0, cash_rounding=10_000))
    assert (order.total_amount, order.rounding_amount) == (1_010_000, 5_000)  # Rp 10.050 -> Rp 10.100


def test_line_amounts_add_up_exactly_when_allocation_has_remainders():
    order = price_order([CartLine(i, f"Item {i}", None, 33_333, 1) for i in range(3)], PIZZA_PALACE,
                        [rule(1, "fixed_amount", discount_amount=10_000)])
    assert [line.discount_amount for line in order.lines] == [3_334, 3_333, 3_333]  # ties go to the earlier line
    assert_consistent(order)


def test_empty_cart_is_all_zero():
    order = price_order([], ChargeSettings(1000, 500, cash_rounding=50_000),
                        [rule(1, "percentage", discount_percent_bp=1000)])
    assert (order.subtotal, order.total_amount, order.rounding_amount, order.promotions) == (0, 0, 0, ())


def test_fully_discounted_order_has_no_service_or_tax():
    order = price_order([pizza()], PIZZA_PALACE, [rule(1, "percentage", discount_percent_bp=10_000)])
    assert (order.discount_amount, order.service_charge, order.tax_amount, order.total_amount) == (9_500_000, 0, 0, 0)


# --- percentage -------------------------------------------------------------------------

def test_order_percentage_is_allocated_by_line_net():
    order = price_order([pizza(), cola(2)], PIZZA_PALACE, [rule(1, "percentage", discount_percent_bp=1000)])
    assert order.discount_amount == 1_250_000
    assert [line.discount_amount for line in order.lines] == [950_000, 300_000]
    assert_consistent(order)


def test_product_percentage_is_rounded_per_line():
    # 15 % of Rp 333,33 = 49,9995 -> 50,00 on each line (order-level would give 149,9985 -> 150,00 too,
    # but each line stores its own rounded amount)
    lines = [CartLine(7, "Dip", None, 33_333, 1), CartLine(7, "Dip", None, 33_333, 1), cola()]
    order = price_order(lines, PIZZA_PALACE, [rule(1, "percentage", discount_percent_bp=1500,
                                                  products=(PromotionProduct(7),))])
    assert [line.discount_amount for line in order.lines] == [5_000, 5_000, 0]


def test_percentage_is_capped_by_max_discount():
    order = price_order([pizza(3)], PIZZA_PALACE,
                        [rule(1, "percentage", discount_percent_bp=5000, max_discount=5_000_000)])
    assert order.discount_amount == 5_000_000        # not 50 % of Rp 285.000


def test_product_percentage_cap_is_spread_over_its_lines():
    lines = [pizza(modifiers=[LARGE]), pizza()]
    order = price_order(lines, PIZZA_PALACE, [rule(1, "percentage", discount_percent_bp=5000, max_discount=2_050_000,
                                                   products=(PromotionProduct(PIZZA),))])
    assert [line.discount_amount for line in order.lines] == [1_100_000, 950_000]


def test_min_purchase_compares_with_the_gross_subtotal():
    promo = rule(1, "percentage", discount_percent_bp=1000, min_purchase=10_000_000)
    assert price_order([pizza()], PIZZA_PALACE, [promo]).promotions == ()
    assert price_order([pizza()], PIZZA_PALACE, [promo]).skipped == (SkippedPromotion(1, "MIN_PURCHASE_NOT_MET"),)
    assert price_order([pizza(), cola()], PIZZA_PALACE, [promo]).discount_amount == 1_100_000


# --- fixed amount -----------------------------------------------------------------------

def test_order_fixed_amount_is_capped_at_the_order_net():
    order = price_order([cola()], PIZZA_PALACE, [rule(1, "fixed_amount", discount_amount=2_000_000)])
    assert order.discount_amount == 1_500_000
    assert order.total_amount == 0


def test_product_fixed_amount_needs_the_product_and_stays_on_its_lines():
    promo = rule(1, "fixed_amount", discount_amount=2_000_000, products=(PromotionProduct(COLA),))
    without = price_order([pizza()], PIZZA_PALACE, [promo])
    assert without.promotions == () and without.skipped == (SkippedPromotion(1, "NO_ELIGIBLE_PRODUCTS"),)
    order = price_order([pizza(), cola(), cola()], PIZZA_PALACE, [promo])
    assert [line.discount_amount for line in order.lines] == [0, 1_000_000, 1_000_000]


def test_product_fixed_amount_is_capped_at_those_lines_net():
    promo = rule(1, "fixed_amount", discount_amount=5_000_000, products=(PromotionProduct(COLA),))
    order = price_order([pizza(), cola()], PIZZA_PALACE, [promo])
    assert [line.discount_amount for line in order.lines] == [0, 1_500_000]


# --- buy X get Y ------------------------------------------------------------------------

def b2g1(**fields):
    products = fields.pop("products", (PromotionProduct(PEPPERONI, "both"), PromotionProduct(MARGHERITA, "both")))
    return rule(fields.pop("id", 1), "buy_x_get_y", buy_quantity=2, get_quantity=1, products=products, **fields)


def test_buy_2_get_1_free_gives_the_cheapest_unit_free():
    lines = [pizza(1, price=9_500_000, product_id=PEPPERONI), pizza(2, price=8_000_000, product_id=MARGHERITA)]
    order = price_order(lines, PIZZA_PALACE, [b2g1()])
    assert [line.discount_amount for line in order.lines] == [0, 8_000_000]
    assert_consistent(order)


def test_a_unit_never_counts_twice():
    assert price_order([pizza(2, product_id=PEPPERONI)], PIZZA_PALACE, [b2g1()]).promotions == ()
    assert price_order([pizza(3, product_id=PEPPERONI)], PIZZA_PALACE, [b2g1()]).discount_amount == 9_500_000


def test_buy_2_get_1_repeats_and_the_get_units_are_the_cheapest():
    # Units 95, 95, 90, 80, 80, 70: two applications; the free ones are 70 and one 80.
    lines = [pizza(2, price=9_500_000, product_id=PEPPERONI), pizza(1, price=9_000_000, product_id=MARGHERITA),
             pizza(2, price=8_000_000, product_id=MARGHERITA), pizza(1, price=7_000_000, product_id=PEPPERONI)]
    order = price_order(lines, PIZZA_PALACE, [b2g1()])
    assert [line.discount_amount for line in order.lines] == [0, 0, 8_000_000, 7_000_000]


def test_buy_2_get_1_half_price():
    lines = [pizza(3, price=9_500_000, product_id=PEPPERONI)]
    order = price_order(lines, PIZZA_PALACE, [b2g1(discount_percent_bp=5000)])
    assert order.discount_amount == 4_750_000


def test_buy_pizza_get_cola_free_uses_roles():
    promo = rule(1, "buy_x_get_y", buy_quantity=1, get_quantity=1,
                 products=(PromotionProduct(PIZZA, "buy"), PromotionProduct(COLA, "get")))
    order = price_order([pizza(2), cola(3)], PIZZA_PALACE, [promo])
    assert [line.discount_amount for line in order.lines] == [0, 3_000_000]  # two colas free, not three
    assert price_order([cola(3)], PIZZA_PALACE, [promo]).promotions == ()   # a cola does not buy a cola


def test_both_role_unit_is_kept_for_the_buy_side_when_needed():
    # Garlic bread (both, cheap) + cola (get only, dearer): the bread must be bought so the cola is free.
    promo = rule(1, "buy_x_get_y", buy_quantity=1, get_quantity=1,
                 products=(PromotionProduct(GARLIC_BREAD, "both"), PromotionProduct(COLA, "get")))
    lines = [CartLine(GARLIC_BREAD, "Garlic bread", 3, 1_000_000, 1), cola()]
    order = price_order(lines, PIZZA_PALACE, [promo])
    assert [line.discount_amount for line in order.lines] == [0, 1_500_000]


def test_modifiers_make_a_unit_dearer_so_the_plain_one_is_free():
    lines = [pizza(1, [EXTRA_CHEESE], product_id=PEPPERONI), pizza(2, product_id=PEPPERONI)]
    order = price_order(lines, PIZZA_PALACE, [b2g1()])
    assert [line.discount_amount for line in order.lines] == [0, 9_500_000]


# --- bundle -----------------------------------------------------------------------------

def combo(**fields):
    fields.setdefault("bundle_price", 10_000_000)
    return rule(fields.pop("id", 1), "bundle",
                products=(PromotionProduct(PIZZA, quantity=1), PromotionProduct(COLA, quantity=1)), **fields)


def test_bundle_pizza_and_drink_for_rp_100000():
    order = price_order([pizza(), cola()], PIZZA_PALACE, [combo()])
    assert order.discount_amount == 1_000_000        # 95.000 + 15.000 - 100.000
    assert [line.discount_amount for line in order.lines] == [863_636, 136_364]  # 95 : 15
    assert order.subtotal - order.discount_amount == 10_000_000
    assert_consistent(order)


def test_bundle_counts_complete_sets_only():
    order = price_order([pizza(3), cola(2)], PIZZA_PALACE, [combo()])
    assert order.discount_amount == 2_000_000
    assert price_order([pizza(3)], PIZZA_PALACE, [combo()]).promotions == ()


def test_bundle_takes_the_dearest_units_first_and_modifiers_count():
    order = price_order([pizza(), pizza(modifiers=[LARGE]), cola()], PIZZA_PALACE, [combo()])
    assert order.discount_amount == 2_500_000        # Large pizza 110.000 + cola 15.000 - 100.000
    assert order.lines[0].discount_amount == 0


def test_bundle_dearer_than_its_parts_gives_nothing():
    promo = combo(bundle_price=12_000_000)
    order = price_order([pizza(), cola()], PIZZA_PALACE, [promo])
    assert order.promotions == () and order.skipped == (SkippedPromotion(1, "NOT_APPLICABLE"),)


def test_bundle_with_component_quantities():
    promo = rule(1, "bundle", bundle_price=20_000_000,
                 products=(PromotionProduct(PIZZA, quantity=2), PromotionProduct(COLA, quantity=2)))
    assert price_order([pizza(2), cola(1)], PIZZA_PALACE, [promo]).promotions == ()
    assert price_order([pizza(2), cola(2)], PIZZA_PALACE, [promo]).discount_amount == 2_000_000


# --- stacking and priority --------------------------------------------------------------

def test_stackable_promotions_apply_in_priority_order_each_on_what_remains():
    pizza_10 = rule(1, "percentage", discount_percent_bp=1000, products=(PromotionProduct(PIZZA),), priority=5)
    minus_10k = rule(2, "fixed_amount", discount_amount=1_000_000, priority=1)
    lines = [pizza(price=10_000_000), cola()]
    order = price_order(lines, PIZZA_PALACE, [minus_10k, pizza_10])
    assert [p.promotion_id for p in order.promotions] == [1, 2]
    assert order.promotions[0].line_discounts == (1_000_000, 0)
    assert order.promotions[1].line_discounts == (857_143, 142_857)   # over nets 90.000 : 15.000
    assert order.discount_amount == 2_000_000


def test_reversing_the_priorities_changes_the_result():
    pizza_10 = rule(1, "percentage", discount_percent_bp=1000, products=(PromotionProduct(PIZZA),), priority=1)
    minus_10k = rule(2, "fixed_amount", discount_amount=1_000_000, priority=5)
    order = price_order([pizza(price=10_000_000), cola()], PIZZA_PALACE, [pizza_10, minus_10k])
    assert [p.promotion_id for p in order.promotions] == [2, 1]
    assert order.promotions[0].line_discounts == (869_565, 130_435)
    assert order.promotions[1].line_discounts == (913_044, 0)          # 10 % of 91.304,35 half up


def test_equal_priority_goes_by_id():
    a = rule(7, "fixed_amount", discount_amount=100_000)
    b = rule(3, "percentage", discount_percent_bp=1000)
    order = price_order([pizza(price=10_000_000)], PIZZA_PALACE, [a, b])
    assert [p.promotion_id for p in order.promotions] == [3, 7]
    assert order.discount_amount == 1_100_000


def test_non_stackable_promotion_blocks_all_later_ones():
    exclusive = rule(1, "percentage", discount_percent_bp=2000, is_stackable=False, priority=9)
    others = [rule(2, "fixed_amount", discount_amount=100_000), rule(3, "percentage", discount_percent_bp=500)]
    order = price_order([pizza()], PIZZA_PALACE, [exclusive, *others])
    assert [p.promotion_id for p in order.promotions] == [1]
    assert order.skipped == (SkippedPromotion(2, "NOT_COMBINABLE", 1), SkippedPromotion(3, "NOT_COMBINABLE", 1))


def test_non_stackable_promotion_does_not_apply_after_another():
    first = rule(1, "fixed_amount", discount_amount=100_000, priority=9)
    exclusive = rule(2, "percentage", discount_percent_bp=5000, is_stackable=False, priority=1)
    order = price_order([pizza()], PIZZA_PALACE, [first, exclusive])
    assert [p.promotion_id for p in order.promotions] == [1]
    assert order.skipped == (SkippedPromotion(2, "NOT_COMBINABLE", 1),)


def test_non_stackable_promotion_that_gives_nothing_blocks_nothing():
    exclusive_combo = combo(is_stackable=False, priority=9)
    ten = rule(2, "percentage", discount_percent_bp=1000)
    order = price_order([pizza()], PIZZA_PALACE, [exclusive_combo, ten])   # no cola: combo gives 0
    assert [p.promotion_id for p in order.promotions] == [2]


def test_stacked_discounts_never_exceed_the_line():
    promos = [rule(1, "percentage", discount_percent_bp=8000), rule(2, "fixed_amount", discount_amount=5_000_000)]
    order = price_order([pizza()], PIZZA_PALACE, promos)
    assert order.discount_amount == 9_500_000
    assert [p.discount_amount for p in order.promotions] == [7_600_000, 1_900_000]
    assert order.total_amount == 0


# --- determinism and validation ---------------------------------------------------------

def test_pricing_is_deterministic_and_input_order_of_promotions_does_not_matter():
    promos = [b2g1(id=4, priority=2), combo(priority=3), rule(9, "percentage", discount_percent_bp=700)]
    lines = [pizza(2), cola(2), pizza(3, product_id=PEPPERONI)]
    first = price_order(lines, PIZZA_PALACE, promos)
    assert price_order(lines, PIZZA_PALACE, promos) == first
    assert price_order(lines, PIZZA_PALACE, list(reversed(promos))) == first


def test_duplicate_promotion_ids_are_refused():
    with pytest.raises(ValueError):
        price_order([pizza()], PIZZA_PALACE, [rule(1, "percentage", discount_percent_bp=100)] * 2)


@pytest.mark.parametrize("make", [
    lambda: CartLine(1, "x", None, 95000.0, 1),
    lambda: CartLine(1, "x", None, 100, 0),
    lambda: CartLine(1, "x", None, -1, 1),
    lambda: ModifierChoice(1, "x", -100),
    lambda: ChargeSettings(tax_rate_bp=10.0, service_charge_bp=0),
    lambda: PromotionRule(1, "x", "percentage", discount_percent_bp=10_001),
])
def test_floats_and_negative_amounts_are_refused(make):
    with pytest.raises((TypeError, ValueError)):
        make()


def test_allocate_capped_moves_rounding_excess_to_lines_with_room():
    assert allocate_capped(3, [1, 1, 1], [1, 1, 1]) == [1, 1, 1]
    assert allocate_capped(2, [5, 1], [1, 5]) == [1, 1]
    with pytest.raises(ValueError):
        allocate_capped(4, [1, 1], [2, 1])


def test_allocate_capped_keeps_every_part_within_its_cap():
    """The excess over a capped line goes to the room left on the others, never past a cap."""
    assert allocate_capped(100, [90, 10], [50, 100]) == [50, 50]


def test_allocate_capped_without_weights_shares_by_the_caps():
    assert allocate_capped(100, [0, 0], [30, 70]) == [30, 70]
    assert allocate_capped(0, [0, 0], [0, 0]) == [0, 0]
