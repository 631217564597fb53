"""Loyalty: membership tiers from a customer's counters, and points earned on spend.

Tiers (brief 000, CUSTOMERS): a customer reaches a tier with EITHER its order count OR
its lifetime spend (minor units; Rp 1.000.000 = 100_000_000):

    regular   default
    silver    10+ orders  or Rp  1.000.000 spent
    gold      50+ orders  or Rp  5.000.000 spent
    platinum  100+ orders or Rp 10.000.000 spent

The tier is a pure function of the counters (`tier_for`), so refunds that lower
`total_spent` can lower it again; there is no separate "earned once, kept forever" state.

Points: one whole point per full `points_per_amount` (a tenant setting, minor units) of
spend, times the tier's multiplier (an integer percent: regular 100, silver 125, gold 150,
platinum 200), rounded down: floor(floor(amount / points_per_amount) x percent / 100).
So Rp 25.000 at one point per Rp 10.000 is 2 base points: 2 regular, 2 silver (2.5),
3 gold, 4 platinum. Integer arithmetic only; no floats.

The thresholds, multipliers, `tier_for` and the points formula are `sync.loyalty`'s, the
rule the edge accrues offline with: this module adds the cloud's checks and the writes.

Who earns points where (DESIGN.md, sync conflict policy): the outlet computes the points
of a sale and sends a delta; the cloud applies sale counters with `apply_sale` and the
outlet's points delta with `apply_points_delta`. `apply_sale` therefore never adds points
itself (that would count them twice). The expected earning of a sale is
`points_for(amount, <tier before the sale>, tenant.points_per_amount)`: a sale earns at the
tier the customer held when buying, and only later sales benefit from a promotion it causes.
"""
from __future__ import annotations

from datetime import datetime

from cloud.models.customer import MEMBERSHIP_TIERS as TIERS
from sync import loyalty as rules
from sync.timeutil import utcnow

REGULAR = "regular"

# (tier, minimum orders, minimum lifetime spend in minor units), highest first.
TIER_THRESHOLDS = rules.TIERS
TIER_MULTIPLIER_PERCENT = rules.MULTIPLIER_PERCENT

tier_for = rules.tier_for  # (total_orders, total_spent) -> the tier earned by either


def next_tier(total_orders: int, total_spent: int) -> tuple[str, int, int] | None:
    """(the next tier up, orders still needed, spend still needed), or None at the top.

    Either of the two "still needed" figures is enough to get there."""
    current = TIERS.index(tier_for(total_orders, total_spent))
    if current == len(TIERS) - 1:
        return None
    tier = TIERS[current + 1]
    _, min_orders, min_spent = next(row for row in TIER_THRESHOLDS if row[0] == tier)
    return tier, max(0, min_orders - total_orders), max(0, min_spent - total_spent)


def points_for(amount: int, tier: str, points_per_amount: int) -> int:
    """Points earned by spending `amount` minor units at `tier`; never negative.

    A `points_per_amount` of 0 (or less) means the tenant runs no points scheme."""
    if tier not in TIER_MULTIPLIER_PERCENT:
        raise ValueError(f"unknown membership tier {tier!r}")
    return rules.points_for(amount, tier, points_per_amount)


def apply_sale(customer, amount: int, delta_orders: int = 1, *, at: datetime | None = None) -> str:
    """Record a sale (or, with a negative `amount` and `delta_orders=0`, a refund) on the
    customer's counters and re-evaluate the tier; returns the new tier.

    Counters never go below zero. `last_order_at` only moves forward (a replayed or late
    event cannot move it back); `at` is the sale's time, now when not given. Points are
    not touched: see the module docstring and `apply_points_delta`."""
    customer.total_orders = max(0, (customer.total_orders or 0) + delta_orders)
    customer.total_spent = max(0, (customer.total_spent or 0) + amount)
    if delta_orders > 0:
        when = at or utcnow()
        if customer.last_order_at is None or when > customer.last_order_at:
            customer.last_order_at = when
    customer.membership_tier = tier_for(customer.total_orders, customer.total_spent)
    return customer.membership_tier


def apply_points_delta(customer, delta: int) -> int:
    """Add `delta` points (negative to redeem or reverse); returns the delta applied.

    The balance never goes negative: a deduction larger than the balance is clamped to
    the balance (the outlet may have spent points the cloud already took back), and the
    return value tells the caller how much was really applied so it can flag the rest."""
    before = customer.points or 0
    customer.points = max(0, before + delta)
    return customer.points - before
