"""Money in messages, written as the printed receipt writes it: "Rp 20.800".

The cloud may not import `printers` (import-linter), so the receipt's rules are
restated here: the edge's `print_documents.currency_format` (IDR, JPY, KRW, VND with
their symbol, "." for thousands and no decimals; other currencies by their code with
"," and two decimals) and `printers.money_format.format_money` (ROUND_HALF_UP on the
magnitude, integers only). tests/cloud/notifications/test_money.py holds both
side by side, so they cannot drift apart unnoticed.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sync.money import MINOR_PER_MAJOR

ZERO_DECIMAL_CURRENCIES = {"IDR": "Rp", "JPY": "¥", "KRW": "₩", "VND": "₫"}


@dataclass(frozen=True)
class CurrencyStyle:
    symbol: str
    thousands: str
    decimal: str
    decimals: int


def currency_style(code: str) -> CurrencyStyle:
    if code in ZERO_DECIMAL_CURRENCIES:
        return CurrencyStyle(ZERO_DECIMAL_CURRENCIES[code], ".", ",", 0)
    return CurrencyStyle(code, ",", ".", 2)


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    return separator.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def format_number(minor: int, currency: str = "IDR") -> str:
    """Minor units -> '20.800' (no symbol; sign kept)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"money must be int minor units, got {type(minor).__name__}")
    style = currency_style(currency)
    scale = 10 ** (2 - style.decimals)
    quotient, remainder = divmod(abs(minor), scale)
    if remainder * 2 >= scale > 1:
        quotient += 1
    whole, fraction = divmod(quotient, 10 ** style.decimals)
    text = _group(str(whole), style.thousands)
    if style.decimals:
        text += style.decimal + str(fraction).rjust(style.decimals, "0")
    return "-" + text if minor < 0 and quotient else text


def format_money(minor: int, currency: str = "IDR") -> str:
    """Minor units -> 'Rp 20.800'; negatives '-Rp 5.000' (as on receipts)."""
    number = format_number(minor, currency)
    negative = number.startswith("-")
    text = f"{currency_style(currency).symbol} {number.lstrip('-')}"
    return "-" + text if negative else text


class Money:
    """A money variable in a template: `{{ amount }}` reads 'Rp 20.800', `{{ amount.number }}`
    '20.800'. It is true when not zero and compares with amounts written in the template
    in major units (`{% if amount > 100000 %}` is more than Rp 100.000)."""

    __slots__ = ("minor", "currency")

    def __init__(self, minor: int, currency: str = "IDR"):
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError(f"money must be int minor units, got {type(minor).__name__}")
        self.minor = minor
        self.currency = currency

    @property
    def number(self) -> str:
        return format_number(self.minor, self.currency)

    def __str__(self) -> str:
        return format_money(self.minor, self.currency)

    def __repr__(self) -> str:
        return f"Money({self.minor}, {self.currency!r})"

    def __bool__(self) -> bool:
        return self.minor != 0

    def _other(self, other) -> int:
        if isinstance(other, Money):
            return other.minor
        if isinstance(other, bool):
            raise TypeError("cannot compare money with true/false")
        if isinstance(other, int):
            return other * MINOR_PER_MAJOR
        if isinstance(other, float | Decimal):
            # a number written in the template, compared only: never stored or summed
            return int(Decimal(str(other)) * MINOR_PER_MAJOR)
        raise TypeError(f"cannot compare money with {type(other).__name__}")

    def __eq__(self, other):
        try:
            return self.minor == self._other(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash((self.minor, self.currency))

    def __lt__(self, other):
        return self.minor < self._other(other)

    def __le__(self, other):
        return self.minor <= self._other(other)

    def __gt__(self, other):
        return self.minor > self._other(other)

    def __ge__(self, other):
        return self.minor >= self._other(other)
