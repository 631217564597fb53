"""Money as people read it on paper: "Rp 95.000", "-€ 12,50", "$1,234.56".

Amounts arrive as `int` minor units (1/100 of the currency unit), exactly as the rest
of the product stores them. This module only turns them into text; it never computes
money. Rounding for display (IDR shows no decimals) is ROUND_HALF_UP on the magnitude,
done with integers, so no float ever touches an amount.
"""
from __future__ import annotations

from dataclasses import dataclass

MINOR_PER_MAJOR = 100
_MAX_DECIMALS = 2  # minor units are hundredths: a third decimal would invent digits


@dataclass(frozen=True)
class CurrencyFormat:
    """How one currency is written: symbol, separators and decimals shown.

    The default is Indonesian rupiah as printed on receipts: "Rp 95.000".
    """

    symbol: str = "Rp"
    thousands_separator: str = "."
    decimal_separator: str = ","
    decimals: int = 0
    symbol_first: bool = True
    symbol_space: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.decimals, bool) or not isinstance(self.decimals, int):
            raise TypeError("decimals must be an int")
        if not 0 <= self.decimals <= _MAX_DECIMALS:
            raise ValueError("decimals must be 0, 1 or 2 (amounts are in hundredths)")
        for name in ("symbol", "thousands_separator", "decimal_separator"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str")

    def to_dict(self) -> dict:
        return {
            "symbol": self.symbol,
            "thousands_separator": self.thousands_separator,
            "decimal_separator": self.decimal_separator,
            "decimals": self.decimals,
            "symbol_first": self.symbol_first,
            "symbol_space": self.symbol_space,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CurrencyFormat:
        return cls(**data)


IDR = CurrencyFormat()


def _group(digits: str, separator: str) -> str:
    """'1234567' -> '1.234.567' (groups of three from the right)."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def format_number(minor: int, fmt: CurrencyFormat = IDR) -> str:
    """Minor units -> '95.000' / '12,50' without the symbol (sign kept)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"money must be int minor units, got {type(minor).__name__}")
    scale = 10 ** (_MAX_DECIMALS - fmt.decimals)  # minor units per displayed unit
    quotient, remainder = divmod(abs(minor), scale)
    if remainder * 2 >= scale > 1:
        quotient += 1  # ROUND_HALF_UP on the magnitude
    whole, fraction = divmod(quotient, 10**fmt.decimals)
    text = _group(str(whole), fmt.thousands_separator)
    if fmt.decimals:
        text += fmt.decimal_separator + str(fraction).rjust(fmt.decimals, "0")
    if minor < 0 and quotient != 0:
        text = "-" + text
    return text


def format_money(minor: int, fmt: CurrencyFormat = IDR) -> str:
    """Minor units -> 'Rp 95.000'; negatives as '-Rp 95.000' (refunds, discounts)."""
    number = format_number(minor, fmt)
    negative = number.startswith("-")
    magnitude = number[1:] if negative else number
    space = " " if fmt.symbol_space and fmt.symbol else ""
    text = f"{fmt.symbol}{space}{magnitude}" if fmt.symbol_first else f"{magnitude}{space}{fmt.symbol}"
    return "-" + text if negative else text
