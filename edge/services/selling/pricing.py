"""Pricing: a cart, the outlet's charges and the promotions to try -> every stored amount.

Pure: no Flask, no database, no I/O, no clock. Money is `int` minor units, rates are
`int` basis points, and the one rounding rule is ROUND_HALF_UP at the minor unit
(`sync.money`). The fixed points, in order:

1. promotions, tried by priority descending then id ascending; each one works on what
   the earlier ones left (the current net of each line / of the order). A line-level
   promotion is rounded per line; an order-level one is rounded once on the order and
   allocated to the lines by their current net;
2. service charge on the discounted subtotal, allocated by line net;
3. tax on the discounted subtotal plus service charge (or the discounted subtotal only
   when `tax_on_service_charge` is False), allocated by line net (+ line service);
4. cash rounding of the total to the outlet's increment, kept as its own amount and
   never allocated to lines.

Every allocation uses `sync.money.allocate`, so stored line amounts always add up to the
stored order amounts exactly; a refund by line returns exactly that line's share.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import lcm

from edge.services.selling.promotion_rules import (
    MIN_PURCHASE_NOT_MET,
    NO_ELIGIBLE_PRODUCTS,
    NOT_APPLICABLE,
    NOT_COMBINABLE,
    PromotionRule,
    sort_key,
)
from sync.money import (
    BASIS_POINTS,
    allocate,
    apply_rate,
    div_round_half_up,
    round_to_increment,
)


class PricingInvariantError(RuntimeError):
    """The engine broke one of its own guarantees: a bug in this module, never bad input.

    An explicit raise rather than `assert`, so it still stops the sale under `python -O`.
    """


def _require_int(name: str, value: object, minimum: int | None = 0) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}")


# ---------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class ModifierChoice:
    id: int
    name: str
    price: int  # price delta in minor units, >= 0

    def __post_init__(self) -> None:
        _require_int("modifier price", self.price)


@dataclass(frozen=True)
class CartLine:
    product_id: int
    name: str
    category_id: int | None
    unit_base_price: int  # the outlet's price, minor units
    quantity: int
    modifiers: tuple[ModifierChoice, ...] = ()

    def __post_init__(self) -> None:
        _require_int("product_id", self.product_id, None)
        _require_int("unit_base_price", self.unit_base_price)
        _require_int("quantity", self.quantity, 1)
        if not isinstance(self.modifiers, tuple):
            object.__setattr__(self, "modifiers", tuple(self.modifiers))
        for modifier in self.modifiers:
            if not isinstance(modifier, ModifierChoice):
                raise TypeError("modifiers must be ModifierChoice values")

    @property
    def unit_price(self) -> int:
        return self.unit_base_price + sum(m.price for m in self.modifiers)

    @property
    def gross(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class ChargeSettings:
    tax_rate_bp: int
    service_charge_bp: int
    tax_on_service_charge: bool = True
    cash_rounding: int = 0  # increment in minor units; 0 = none (10_000 = Rp 100)

    def __post_init__(self) -> None:
        _require_int("tax_rate_bp", self.tax_rate_bp)
        _require_int("service_charge_bp", self.service_charge_bp)
        _require_int("cash_rounding", self.cash_rounding)


# ---------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True)
class PricedLine:
    unit_price: int       # unit_base_price + modifiers
    gross: int            # unit_price * quantity
    discount_amount: int  # every promotion's share on this line
    total_price: int      # its net: gross - discount_amount (the wire's and the order line's name)
    service_charge: int   # this line's share of the order's service charge
    tax_amount: int       # this line's share of the order's tax
    total: int            # total_price + service_charge + tax_amount


@dataclass(frozen=True)
class AppliedPromotion:
    promotion_id: int
    name: str
    discount_amount: int
    line_discounts: tuple[int, ...]  # per cart line, same order; sums to discount_amount


@dataclass(frozen=True)
class SkippedPromotion:
    """A promotion that was tried and gave nothing, and why (for `explain_unapplied`)."""

    promotion_id: int
    reason_code: str              # NOT_COMBINABLE | MIN_PURCHASE_NOT_MET | NO_ELIGIBLE_PRODUCTS | NOT_APPLICABLE
    blocked_by: int | None = None  # for NOT_COMBINABLE: the applied promotion in the way


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[PricedLine, ...]
    promotions: tuple[AppliedPromotion, ...]  # in the order they were applied
    subtotal: int
    discount_amount: int
    service_charge: int
    tax_amount: int
    rounding_amount: int  # may be negative; its own order line, never allocated
    total_amount: int
    skipped: tuple[SkippedPromotion, ...] = ()


# ---------------------------------------------------------------------------------------
# Allocation helpers


def allocate_capped(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """`allocate(total, weights)`, but no part above its line's cap (total <= sum(caps)).

    Any excess (only possible through rounding) moves to the lines with room left, in
    proportion to that room. Deterministic and exact: the parts add up to `total`.
    """
    if total < 0 or total > sum(caps):
        raise ValueError("total must be between 0 and the sum of the caps")
    if total == 0:
        return [0] * len(weights)
    if sum(weights) <= 0:
        weights = caps
    parts = allocate(total, list(weights))
    excess = 0
    for index, cap in enumerate(caps):
        if parts[index] > cap:
            excess += parts[index] - cap
            parts[index] = cap
    if excess:
        room = [cap - part for cap, part in zip(caps, parts, strict=True)]
        for index, extra in enumerate(allocate(excess, room)):
            parts[index] += extra
    return parts


def _fraction_weights(shares: Sequence[Fraction]) -> list[int]:
    """Exact proportional integer weights for non-negative fractions."""
    denominator = 1
    for share in shares:
        denominator = lcm(denominator, share.denominator)
    return [int(share * denominator) for share in shares]


def _cap(total: int, rule: PromotionRule) -> int:
    if rule.max_discount is not None:
        return min(total, rule.max_discount)
    return total


# ---------------------------------------------------------------------------------------
# Promotion types. Each returns the per-line discount of one promotion given the current
# nets (what earlier promotions left); every share <= that line's current net.


def _percentage(rule: PromotionRule, cart: Sequence[CartLine], nets: list[int]) -> list[int]:
    bp = min(max(rule.discount_percent_bp, 0), BASIS_POINTS)
    if not rule.products:
        order_net = sum(nets)
        total = min(_cap(apply_rate(order_net, bp), rule), order_net)
        return allocate_capped(total, nets, nets)
    targets = {p.product_id for p in rule.products}
    uncapped = [apply_rate(net, bp) if line.product_id in targets else 0
                for line, net in zip(cart, nets, strict=True)]
    total = _cap(sum(uncapped), rule)
    if total == sum(uncapped):
        return uncapped
    return allocate_capped(total, uncapped, uncapped)


def _fixed_amount(rule: PromotionRule, cart: Sequence[CartLine], nets: list[int]) -> list[int]:
    if not rule.products:
        weights = list(nets)
    else:
        targets = {p.product_id for p in rule.products}
        weights = [net if line.product_id in targets else 0 for line, net in zip(cart, nets, strict=True)]
    total = min(_cap(rule.discount_amount, rule), sum(weights))
    return allocate_capped(total, weights, weights)


def _buy_x_get_y(rule: PromotionRule, cart: Sequence[CartLine], nets: list[int]) -> list[int]:
    buy_n, get_n = rule.buy_quantity, rule.get_quantity
    zero = [0] * len(cart)
    if buy_n <= 0 or get_n <= 0:
        return zero
    bp = rule.discount_percent_bp or BASIS_POINTS  # 0 means free
    bp = min(max(bp, 0), BASIS_POINTS)
    buy_set = {p.product_id for p in rule.products if p.role in ("buy", "both")}
    get_set = {p.product_id for p in rule.products if p.role in ("get", "both")}

    # Units of lines with something left to discount. A unit is in exactly one class.
    buy_only = get_only = both = 0
    get_lines: list[tuple[Fraction, int]] = []  # (unit net, line index)
    for index, (line, net) in enumerate(zip(cart, nets, strict=True)):
        if net <= 0:
            continue
        in_buy, in_get = line.product_id in buy_set, line.product_id in get_set
        if in_buy and in_get:
            both += line.quantity
        elif in_buy:
            buy_only += line.quantity
        elif in_get:
            get_only += line.quantity
        if in_get:
            get_lines.append((Fraction(net, line.quantity), index))

    # The most applications n for which the units can be split without counting one twice:
    # max(0, n*X - buy_only) + max(0, n*Y - get_only) <= both, which is the same as
    # n*X <= buy_only + both, n*Y <= get_only + both and n*(X+Y) <= all units.
    applications = min(
        (buy_only + both) // buy_n,
        (get_only + both) // get_n,
        (buy_only + get_only + both) // (buy_n + get_n),
    )
    if applications == 0:
        return zero

    # The cheapest get-eligible units are discounted, keeping enough "both" units back
    # to make up the buy side (buy units are not discounted, so which ones they are does
    # not change any amount: the most expensive remaining).
    both_as_get_max = both - max(0, applications * buy_n - buy_only)
    needed = applications * get_n
    discounted_units = [0] * len(cart)
    both_used = 0
    for _, index in sorted(get_lines):
        if needed == 0:
            break
        line = cart[index]
        take = min(needed, line.quantity)
        if line.product_id in buy_set:
            take = min(take, both_as_get_max - both_used)
            both_used += take
        discounted_units[index] = take
        needed -= take
    if needed:
        raise PricingInvariantError(f"promotion {rule.id}: {needed} get units missing after the feasibility check")

    shares = [
        div_round_half_up(nets[i] * units * bp, cart[i].quantity * BASIS_POINTS) if units else 0
        for i, units in enumerate(discounted_units)
    ]
    total = _cap(sum(shares), rule)
    if total == sum(shares):
        return shares
    return allocate_capped(total, shares, shares)


def _bundle(rule: PromotionRule, cart: Sequence[CartLine], nets: list[int]) -> list[int]:
    zero = [0] * len(cart)
    if rule.bundle_price is None or not rule.products:
        return zero
    components: dict[int, int] = {}
    for product in rule.products:
        components[product.product_id] = components.get(product.product_id, 0) + product.quantity
    component_ids = sorted(components)

    # Per component: its units as (unit net, line index), most expensive first.
    units: dict[int, list[tuple[Fraction, int, int]]] = {}  # product -> [(value, index, count)]
    for product_id in component_ids:
        rows = [(Fraction(net, line.quantity), index, line.quantity)
                for index, (line, net) in enumerate(zip(cart, nets, strict=True)) if line.product_id == product_id]
        rows.sort(key=lambda row: (-row[0], row[1]))
        units[product_id] = rows
    sets = min(sum(count for _, _, count in units[p]) // components[p] for p in component_ids)
    if sets == 0:
        return zero

    def take(product_id: int, start: int, amount: int) -> list[tuple[Fraction, int, int]]:
        """Units [start, start+amount) of a component, grouped by line."""
        picked = []
        position = 0
        for value, index, count in units[product_id]:
            low, high = max(start, position), min(start + amount, position + count)
            if low < high:
                picked.append((value, index, high - low))
            position += count
        return picked

    shares = [Fraction(0)] * len(cart)
    for set_number in range(sets):
        members = []
        for product_id in component_ids:
            quantity = components[product_id]
            members.extend(take(product_id, set_number * quantity, quantity))
        set_price = sum((value * count for value, _, count in members), Fraction(0))
        discount = set_price - rule.bundle_price
        if discount <= 0:
            continue
        for value, index, count in members:
            shares[index] += discount * value * count / set_price
    exact_total = sum(shares, Fraction(0))
    if exact_total == 0:
        return zero
    total = div_round_half_up(exact_total.numerator, exact_total.denominator)
    caps = [net if share > 0 else 0 for net, share in zip(nets, shares, strict=True)]
    total = min(_cap(total, rule), sum(caps))
    return allocate_capped(total, _fraction_weights(shares), caps)


_CALCULATORS = {
    "percentage": _percentage,
    "fixed_amount": _fixed_amount,
    "buy_x_get_y": _buy_x_get_y,
    "bundle": _bundle,
}


def promotion_discount(rule: PromotionRule, cart: Sequence[CartLine], nets: Sequence[int]) -> list[int]:
    """One promotion's per-line discount on lines whose current nets are `nets`."""
    return _CALCULATORS[rule.promo_type](rule, cart, list(nets))


# ---------------------------------------------------------------------------------------
# The order


def price_order(
    cart: Sequence[CartLine],
    settings: ChargeSettings,
    promotions: Iterable[PromotionRule] = (),
) -> PricedOrder:
    """Price a cart: promotions, service charge, tax and cash rounding, line by line.

    `promotions` are the rules to try (already filtered by `select_promotions`); their
    input order does not matter. Raises ValueError on duplicate promotion ids.
    """
    cart = tuple(cart)
    rules = sorted(promotions, key=sort_key)
    if len({rule.id for rule in rules}) != len(rules):
        raise ValueError("promotion ids must be unique")

    gross = [line.gross for line in cart]
    subtotal = sum(gross)
    discounts = [0] * len(cart)
    applied: list[AppliedPromotion] = []
    skipped: list[SkippedPromotion] = []
    exclusive: AppliedPromotion | None = None  # the non-stackable promotion that applied

    for rule in rules:
        if exclusive is not None:
            skipped.append(SkippedPromotion(rule.id, NOT_COMBINABLE, exclusive.promotion_id))
            continue
        if not rule.is_stackable and applied:
            skipped.append(SkippedPromotion(rule.id, NOT_COMBINABLE, applied[0].promotion_id))
            continue
        if subtotal < rule.min_purchase:
            skipped.append(SkippedPromotion(rule.id, MIN_PURCHASE_NOT_MET))
            continue
        if rule.products and not any(
            line.product_id in {p.product_id for p in rule.products} for line in cart
        ):
            skipped.append(SkippedPromotion(rule.id, NO_ELIGIBLE_PRODUCTS))
            continue
        nets = [g - d for g, d in zip(gross, discounts, strict=True)]
        shares = promotion_discount(rule, cart, nets)
        if any(share < 0 or share > net for share, net in zip(shares, nets, strict=True)):
            raise PricingInvariantError(f"promotion {rule.id} exceeded a line's net")  # pragma: no cover
        amount = sum(shares)
        if amount == 0:
            skipped.append(SkippedPromotion(rule.id, NOT_APPLICABLE))
            continue
        discounts = [d + s for d, s in zip(discounts, shares, strict=True)]
        promo = AppliedPromotion(rule.id, rule.name, amount, tuple(shares))
        applied.append(promo)
        if not rule.is_stackable:
            exclusive = promo

    nets = [g - d for g, d in zip(gross, discounts, strict=True)]
    discount_amount = sum(discounts)
    discounted_subtotal = subtotal - discount_amount

    service_charge = apply_rate(discounted_subtotal, settings.service_charge_bp)
    line_service = allocate(service_charge, nets)

    if settings.tax_on_service_charge:
        tax_base = discounted_subtotal + service_charge
        tax_weights = [n + s for n, s in zip(nets, line_service, strict=True)]
    else:
        tax_base = discounted_subtotal
        tax_weights = list(nets)
    tax_amount = apply_rate(tax_base, settings.tax_rate_bp)
    line_tax = allocate(tax_amount, tax_weights)

    before_rounding = discounted_subtotal + service_charge + tax_amount
    total_amount = round_to_increment(before_rounding, settings.cash_rounding)
    rounding_amount = total_amount - before_rounding

    priced_lines = tuple(
        PricedLine(
            unit_price=line.unit_price,
            gross=gross[i],
            discount_amount=discounts[i],
            total_price=nets[i],
            service_charge=line_service[i],
            tax_amount=line_tax[i],
            total=nets[i] + line_service[i] + line_tax[i],
        )
        for i, line in enumerate(cart)
    )
    return PricedOrder(
        lines=priced_lines,
        promotions=tuple(applied),
        subtotal=subtotal,
        discount_amount=discount_amount,
        service_charge=service_charge,
        tax_amount=tax_amount,
        rounding_amount=rounding_amount,
        total_amount=total_amount,
        skipped=tuple(skipped),
    )


__all__ = [
    "AppliedPromotion",
    "CartLine",
    "ChargeSettings",
    "ModifierChoice",
    "PricedLine",
    "PricedOrder",
    "SkippedPromotion",
    "allocate_capped",
    "price_order",
    "promotion_discount",
]
