"""Properties of pricing over random carts, rates, cash rounding and promotion sets.

What must hold for every order, whatever the promotions: the stored line amounts add up
to the stored order amounts exactly, nothing is negative except the cash rounding, no
promotion takes more than what it applied to, and the result depends on the cart and
the rules only (not on the order the rules were given in).
"""
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.services.selling.pricing import CartLine, ChargeSettings, ModifierChoice, price_order
from edge.services.selling.promotion_rules import (
    PromotionProduct,
    PromotionRule,
    select_promotions,
    sort_key,
)
from sync.money import allocate, apply_rate

PRODUCT_IDS = st.integers(min_value=1, max_value=5)  # a small catalog, so promotions meet the cart
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

modifiers = st.lists(
    st.builds(ModifierChoice, id=st.integers(1, 50), name=st.just("mod"), price=st.integers(0, 5_000_000)),
    max_size=3,
).map(tuple)

cart_lines = st.builds(
    CartLine,
    product_id=PRODUCT_IDS,
    name=st.just("item"),
    category_id=st.none() | st.integers(1, 3),
    unit_base_price=st.integers(0, 10_000_000),
    quantity=st.integers(1, 10),
    modifiers=modifiers,
)
carts = st.lists(cart_lines, min_size=1, max_size=8)

charge_settings = st.builds(
    ChargeSettings,
    tax_rate_bp=st.integers(0, 10_000),
    service_charge_bp=st.integers(0, 10_000),
    tax_on_service_charge=st.booleans(),
    cash_rounding=st.sampled_from([0, 100, 10_000, 50_000]),
)


@st.composite
def promotion_products(draw, *, roles=("buy", "get", "both"), max_size=4, max_quantity=3):
    ids = draw(st.lists(PRODUCT_IDS, min_size=1, max_size=max_size, unique=True))
    return tuple(
        PromotionProduct(product_id, draw(st.sampled_from(roles)), draw(st.integers(1, max_quantity)))
        for product_id in ids
    )


@st.composite
def promotion(draw, promo_id: int):
    promo_type = draw(st.sampled_from(["percentage", "fixed_amount", "buy_x_get_y", "bundle"]))
    cap = draw(st.sampled_from(["none", "none", "none", "zero", "some"]))
    common = {
        "id": promo_id,
        "name": f"P{promo_id}",
        "promo_type": promo_type,
        "min_purchase": draw(st.sampled_from([0, 0, 0, 0, 0, 5_000_000, 50_000_000])),
        "max_discount": {"none": None, "zero": 0}.get(cap) if cap != "some" else draw(st.integers(1, 20_000_000)),
        "is_stackable": draw(st.sampled_from([True, True, False])),
        "priority": draw(st.integers(0, 3)),
        "auto_apply": True,
    }
    if promo_type == "percentage":
        return PromotionRule(**common, discount_percent_bp=draw(st.integers(0, 10_000)),
                             products=draw(st.just(()) | promotion_products()))
    if promo_type == "fixed_amount":
        return PromotionRule(**common, discount_amount=draw(st.integers(0, 30_000_000)),
                             products=draw(st.just(()) | promotion_products()))
    if promo_type == "buy_x_get_y":
        # 0 for either quantity is a rule that never applies; keep it rare.
        return PromotionRule(**common, buy_quantity=draw(st.sampled_from([1, 1, 2, 3, 0])),
                             get_quantity=draw(st.sampled_from([1, 1, 2, 0])),
                             discount_percent_bp=draw(st.integers(0, 10_000)),
                             products=draw(promotion_products(roles=("both", "both", "buy", "get"))))
    bundle_price = draw(st.integers(0, 15_000_000)) if draw(st.integers(0, 9)) else None  # None: never applies
    return PromotionRule(**common, bundle_price=bundle_price,
                         products=draw(promotion_products(roles=("both",), max_size=2, max_quantity=2)))


@st.composite
def promotion_sets(draw):
    ids = draw(st.lists(st.integers(1, 99), max_size=5, unique=True))
    return [draw(promotion(promo_id)) for promo_id in ids]


def check_identities(order, cart):
    assert len(order.lines) == len(cart)
    assert order.subtotal == sum(line.gross for line in order.lines)
    assert order.discount_amount == sum(line.discount_amount for line in order.lines)
    assert order.service_charge == sum(line.service_charge for line in order.lines)
    assert order.tax_amount == sum(line.tax_amount for line in order.lines)
    assert order.total_amount == (order.subtotal - order.discount_amount + order.service_charge
                                  + order.tax_amount + order.rounding_amount)
    assert order.discount_amount == sum(p.discount_amount for p in order.promotions)
    for line, item in zip(order.lines, cart, strict=True):
        assert line.unit_price == item.unit_base_price + sum(m.price for m in item.modifiers)
        assert line.gross == line.unit_price * item.quantity
        assert line.total_price == line.gross - line.discount_amount
        assert line.total == line.total_price + line.service_charge + line.tax_amount


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings, promos=promotion_sets())
def test_stored_line_amounts_add_up_to_the_order(cart, charges, promos):
    check_identities(price_order(cart, charges, promos), cart)


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings, promos=promotion_sets())
def test_nothing_is_negative_except_cash_rounding(cart, charges, promos):
    order = price_order(cart, charges, promos)
    for name in ("subtotal", "discount_amount", "service_charge", "tax_amount", "total_amount"):
        assert getattr(order, name) >= 0, name
    for line in order.lines:
        for name in ("unit_price", "gross", "discount_amount", "total_price", "service_charge", "tax_amount", "total"):
            assert getattr(line, name) >= 0, name
    for applied in order.promotions:
        assert applied.discount_amount > 0
        assert all(share >= 0 for share in applied.line_discounts)
    if charges.cash_rounding > 1:
        assert order.total_amount % charges.cash_rounding == 0
        assert 2 * abs(order.rounding_amount) <= charges.cash_rounding
    else:
        assert order.rounding_amount == 0


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings, promos=promotion_sets())
def test_no_promotion_takes_more_than_what_it_applied_to(cart, charges, promos):
    order = price_order(cart, charges, promos)
    by_id = {rule.id: rule for rule in promos}
    nets = [line.gross for line in order.lines]
    for applied in order.promotions:
        rule = by_id[applied.promotion_id]
        assert applied.discount_amount == sum(applied.line_discounts)
        assert len(applied.line_discounts) == len(cart)
        for index, share in enumerate(applied.line_discounts):
            assert share <= nets[index], "a promotion took more than the line had left"
        if rule.max_discount is not None:
            assert applied.discount_amount <= rule.max_discount
        if rule.promo_type == "fixed_amount":
            assert applied.discount_amount <= rule.discount_amount
        if rule.promo_type == "percentage" and not rule.products:
            assert applied.discount_amount <= apply_rate(sum(nets), rule.discount_percent_bp)
        if rule.products:
            listed = {p.product_id for p in rule.products}
            for item, share in zip(cart, applied.line_discounts, strict=True):
                assert share == 0 or item.product_id in listed, "discount on a product the promotion does not list"
        assert order.subtotal >= rule.min_purchase
        nets = [net - share for net, share in zip(nets, applied.line_discounts, strict=True)]
    assert [line.total_price for line in order.lines] == nets
    for line in order.lines:
        assert line.discount_amount <= line.gross


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings, promos=promotion_sets(), data=st.data())
def test_same_result_twice_and_whatever_order_the_promotions_come_in(cart, charges, promos, data):
    first = price_order(cart, charges, promos)
    assert price_order(cart, charges, promos) == first
    shuffled = data.draw(st.permutations(promos))
    assert price_order(cart, charges, shuffled) == first


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings, promos=promotion_sets())
def test_stacking_rules_hold(cart, charges, promos):
    order = price_order(cart, charges, promos)
    by_id = {rule.id: rule for rule in promos}
    applied = [by_id[p.promotion_id] for p in order.promotions]
    assert applied == sorted(applied, key=sort_key), "promotions apply in priority order"
    if any(not rule.is_stackable for rule in applied):
        assert len(applied) == 1, "a non-stackable promotion applies alone"
    tried = {p.promotion_id for p in order.promotions} | {s.promotion_id for s in order.skipped}
    assert tried == set(by_id)
    assert not ({p.promotion_id for p in order.promotions} & {s.promotion_id for s in order.skipped})


@PROPERTY_SETTINGS
@given(cart=carts, charges=charge_settings)
def test_without_promotions_service_and_tax_follow_the_formula(cart, charges):
    order = price_order(cart, charges)
    assert order.discount_amount == 0
    assert order.service_charge == apply_rate(order.subtotal, charges.service_charge_bp)
    base = order.subtotal + (order.service_charge if charges.tax_on_service_charge else 0)
    assert order.tax_amount == apply_rate(base, charges.tax_rate_bp)
    assert [line.service_charge for line in order.lines] == allocate(order.service_charge,
                                                                     [line.gross for line in order.lines])


@st.composite
def unit_prices(draw):
    return draw(st.lists(st.integers(0, 10_000_000), min_size=1, max_size=12))


@PROPERTY_SETTINGS
@given(prices=unit_prices(), buy=st.integers(1, 3), get=st.integers(1, 2))
def test_buy_x_get_y_alone_gives_the_cheapest_units_free(prices, buy, get):
    """Oracle: with every product 'both', the free units are the k cheapest positive ones."""
    cart = [CartLine(1, "pizza", None, price, 1) for price in prices]
    rule = PromotionRule(id=1, name="BxGy", promo_type="buy_x_get_y", buy_quantity=buy, get_quantity=get,
                         products=(PromotionProduct(1, "both"),))
    order = price_order(cart, ChargeSettings(0, 0), [rule])
    eligible = sorted(price for price in prices if price > 0)
    free = (len(eligible) // (buy + get)) * get
    assert order.discount_amount == sum(eligible[:free])


@PROPERTY_SETTINGS
@given(pizzas=st.lists(st.integers(0, 10_000_000), min_size=1, max_size=5),
       drinks=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=5),
       bundle_price=st.integers(0, 12_000_000))
def test_bundle_alone_pairs_the_dearest_units(pizzas, drinks, bundle_price):
    """Oracle: sets take the dearest pizza with the dearest drink, and so on down."""
    cart = [CartLine(1, "pizza", None, p, 1) for p in pizzas] + [CartLine(2, "drink", None, d, 1) for d in drinks]
    rule = PromotionRule(id=1, name="Combo", promo_type="bundle", bundle_price=bundle_price,
                         products=(PromotionProduct(1), PromotionProduct(2)))
    order = price_order(cart, ChargeSettings(0, 0), [rule])
    pairs = zip(sorted(pizzas, reverse=True), sorted(drinks, reverse=True), strict=False)
    assert order.discount_amount == sum(max(0, p + d - bundle_price) for p, d in pairs)


# --- eligibility ------------------------------------------------------------------------

@st.composite
def eligibility_rules(draw):
    ids = draw(st.lists(st.integers(1, 50), max_size=6, unique=True))
    rules = []
    for promo_id in ids:
        start = draw(st.none() | st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)))
        rules.append(PromotionRule(
            id=promo_id, name=f"P{promo_id}", promo_type="percentage", discount_percent_bp=1000,
            code=draw(st.none() | st.sampled_from(["A", "b", "C1"])), auto_apply=draw(st.booleans()),
            is_active=draw(st.booleans()), priority=draw(st.integers(0, 3)),
            start_at=start, end_at=None if start is None else start + timedelta(days=draw(st.integers(0, 60))),
            days_of_week=tuple(sorted(draw(st.sets(st.integers(0, 6), max_size=3)))),
            start_time=draw(st.none() | st.sampled_from(["00:00", "10:00", "22:00"])),
            end_time=draw(st.none() | st.sampled_from(["02:00", "14:00", "23:59"])),
            usage_limit=draw(st.none() | st.integers(0, 10)),
            outlet_ids=draw(st.sampled_from([(), (1,), (2, 3)])),
        ))
    return rules


@PROPERTY_SETTINGS
@given(rules=eligibility_rules(), now=st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1)),
       allowance=st.dictionaries(st.integers(1, 50), st.integers(0, 2)),
       codes=st.lists(st.sampled_from(["a", " B ", "c1", "zzz"]), max_size=3), data=st.data())
def test_selection_respects_allowance_and_ignores_input_order(rules, now, allowance, codes, data):
    kwargs = {"now_utc": now, "outlet_id": 1, "outlet_timezone": "Asia/Jakarta", "entered_codes": codes,
              "customer_id_present": False, "customer_usage": {}, "allowance_left": allowance,
              "subtotal": 10_000_000, "cart_product_ids": {1}}
    selection = select_promotions(rules, **kwargs)
    for rule in selection.rules_to_try:
        assert rule.is_active
        if rule.usage_limit is not None:
            assert allowance.get(rule.id, 0) > 0, "granted a limited promotion without allowance"
        assert rule.auto_apply or rule.code is not None
    assert list(selection.rules_to_try) == sorted(selection.rules_to_try, key=sort_key)
    assert select_promotions(data.draw(st.permutations(rules)), **kwargs) == selection


@PROPERTY_SETTINGS
@given(buy_only=st.integers(0, 12), get_only=st.integers(0, 12), both=st.integers(0, 12),
       buy=st.integers(1, 3), get=st.integers(1, 3))
def test_buy_x_get_y_makes_as_many_applications_as_the_units_allow(buy_only, get_only, both, buy, get):
    """Oracle: brute force over how the 'both' units are split between the two sides."""
    lines = [CartLine(product, "x", None, 1_000_000, count)
             for product, count in ((1, buy_only), (2, get_only), (3, both)) if count]
    if not lines:
        return
    rule = PromotionRule(id=1, name="BxGy", promo_type="buy_x_get_y", buy_quantity=buy, get_quantity=get,
                         products=(PromotionProduct(1, "buy"), PromotionProduct(2, "get"), PromotionProduct(3, "both")))
    best = max(min((buy_only + as_buy) // buy, (get_only + both - as_buy) // get) for as_buy in range(both + 1))
    order = price_order(lines, ChargeSettings(0, 0), [rule])
    assert order.discount_amount == best * get * 1_000_000
