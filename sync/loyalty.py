"""Membership tiers and points: the one rule both the edge (offline accrual) and the
cloud (reconciliation) apply. Amounts are minor units."""
from __future__ import annotations

# (tier, orders at least, or spent at least) — brief 000, CUSTOMERS module.
TIERS = (
    ("platinum", 100, 1_000_000_000),  # 100+ orders or Rp 10.000.000
    ("gold", 50, 500_000_000),         # 50+ orders or Rp 5.000.000
    ("silver", 10, 100_000_000),       # 10+ orders or Rp 1.000.000
)
MULTIPLIER_PERCENT = {"regular": 100, "silver": 125, "gold": 150, "platinum": 200}


def tier_for(total_orders: int, total_spent: int) -> str:
    for tier, orders, spent in TIERS:
        if total_orders >= orders or total_spent >= spent:
            return tier
    return "regular"


def points_for(amount: int, tier: str, points_per_amount: int) -> int:
    """Whole points for spending `amount`: one per `points_per_amount`, times the tier's
    multiplier, rounded down (a customer never gets a point they did not earn)."""
    if amount <= 0 or points_per_amount <= 0:
        return 0
    return (amount // points_per_amount) * MULTIPLIER_PERCENT.get(tier, 100) // 100
