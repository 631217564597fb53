"""Money as integer minor units inside, two-decimal strings on the wire.

Every amount in code and storage is an `int` of minor units (1/100 of the currency
unit). Rates (tax, service charge, percentage discounts) are integer basis points
(1000 = 10.00 %). The one rounding rule is ROUND_HALF_UP at the minor unit, applied
with integer arithmetic so that no float ever touches a money path.
"""
from __future__ import annotations

import re
from decimal import Decimal

MINOR_PER_MAJOR = 100
BASIS_POINTS = 10_000
MAX_AMOUNT = 10**15  # 10 trillion major units: far beyond any till, far inside int64
# ASCII digits only: `\d` alone would take "١٢٣" (Arabic-Indic digits) for 123
_AMOUNT_RE = re.compile(r"^(-)?(\d{1,16})(?:\.(\d{1,2}))?$", re.ASCII)
_RATE_RE = re.compile(r"^(\d{1,3})(?:\.(\d{1,2}))?$", re.ASCII)


class MoneyFormatError(ValueError):
    """A value that is not a well-formed amount or rate."""


def parse_amount(value: object) -> int:
    """'95000.00', '95000', '12.5', 95000 (major units) -> minor units.

    Floats are refused: a float has already lost the amount it was meant to carry.
    """
    if isinstance(value, (bool, float)):
        raise MoneyFormatError("Amounts must be decimal strings such as '95000.00'")
    if isinstance(value, int):
        minor = value * MINOR_PER_MAJOR
    elif isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise MoneyFormatError("Amounts have at most two decimal places")
        minor = int(value * MINOR_PER_MAJOR)
    elif isinstance(value, str):
        match = _AMOUNT_RE.match(value.strip())
        if not match:
            raise MoneyFormatError("Amounts must be decimal strings such as '95000.00'")
        sign, whole, frac = match.groups()
        minor = int(whole) * MINOR_PER_MAJOR + int((frac or "0").ljust(2, "0"))
        if sign:
            minor = -minor
    else:
        raise MoneyFormatError("Amounts must be decimal strings such as '95000.00'")
    if abs(minor) > MAX_AMOUNT * MINOR_PER_MAJOR:
        raise MoneyFormatError("Amount is too large")
    return minor


def format_amount(minor: int) -> str:
    """Minor units -> '95000.00'."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(int(minor)), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{frac:02d}"


def parse_rate(value: object) -> int:
    """'10', '10.5', '10.00' (percent) -> basis points, 0..100 %."""
    if isinstance(value, (bool, float)):
        raise MoneyFormatError("Rates must be decimal strings such as '10.00'")
    if isinstance(value, int):
        bp = value * 100
    elif isinstance(value, (str, Decimal)):
        match = _RATE_RE.match(str(value).strip())
        if not match:
            raise MoneyFormatError("Rates must be percentages such as '10.00'")
        whole, frac = match.groups()
        bp = int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    else:
        raise MoneyFormatError("Rates must be decimal strings such as '10.00'")
    if not 0 <= bp <= BASIS_POINTS:
        raise MoneyFormatError("Rates must be between 0 and 100 percent")
    return bp


def format_rate(bp: int) -> str:
    """Basis points -> '10.00' (percent)."""
    whole, frac = divmod(int(bp), 100)
    return f"{whole}.{frac:02d}"


def div_round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (ROUND_HALF_UP on magnitudes)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def apply_rate(amount: int, rate_bp: int) -> int:
    """`amount` x `rate_bp` basis points, rounded half up at the minor unit."""
    return div_round_half_up(amount * rate_bp, BASIS_POINTS)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` so the parts add up exactly (largest remainder).

    Used to spread an order-level amount (discount, service charge, tax) over the lines
    it came from, so that stored line amounts always sum to the stored order amounts.
    Ties go to the earlier line, which keeps the split deterministic.
    """
    if total == 0 or not weights:
        return [0] * len(weights)
    weight_sum = sum(weights)
    if weight_sum <= 0:
        parts = [0] * len(weights)
        parts[0] = total
        return parts
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = []
    remainders = []
    for index, weight in enumerate(weights):
        share, rest = divmod(magnitude * weight, weight_sum)
        floors.append(share)
        remainders.append((-rest, index))
    leftover = magnitude - sum(floors)
    for _, index in sorted(remainders)[:leftover]:
        floors[index] += 1
    return [sign * part for part in floors]


def round_to_increment(amount: int, increment: int) -> int:
    """Cash rounding: `amount` to the nearest multiple of `increment`, half up."""
    if increment <= 1:
        return amount
    return div_round_half_up(amount, increment) * increment
