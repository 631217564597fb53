"""Money on paper: int minor units in, the outlet's way of writing it out."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printers.money_format import IDR, CurrencyFormat, format_money, format_number

EUR = CurrencyFormat(symbol="€", thousands_separator=".", decimal_separator=",", decimals=2)
USD = CurrencyFormat(symbol="$", thousands_separator=",", decimal_separator=".", decimals=2, symbol_space=False)


def test_rupiah_show_whole_units_with_dot_thousands():
    assert format_money(9_500_000, IDR) == "Rp 95.000"
    assert format_money(123_456_789_000, IDR) == "Rp 1.234.567.890"


def test_two_decimal_currencies():
    assert format_money(123_456, EUR) == "€ 1.234,56"
    assert format_money(5, USD) == "$0.05"


def test_symbol_after_the_number():
    sek = CurrencyFormat(symbol="kr", thousands_separator=" ", decimal_separator=",", decimals=2, symbol_first=False)
    assert format_money(1_234_500, sek) == "12 345,00 kr"


def test_negative_amounts_carry_a_leading_minus():
    assert format_money(-1_900_000, IDR) == "-Rp 19.000"
    assert format_money(-5, USD) == "-$0.05"


def test_hidden_decimals_round_half_up_on_the_magnitude():
    assert format_money(9_500_050, IDR) == "Rp 95.001"
    assert format_money(9_500_049, IDR) == "Rp 95.000"
    assert format_money(-50, IDR) == "-Rp 1"
    assert format_money(-49, IDR) == "Rp 0"  # rounds to zero: no "-0"


@pytest.mark.parametrize("bad", [12.5, True, "100"])
def test_only_int_minor_units_are_accepted(bad):
    with pytest.raises(TypeError):
        format_money(bad, IDR)


def test_more_than_two_decimals_would_invent_digits():
    with pytest.raises(ValueError):
        CurrencyFormat(decimals=3)


@given(st.integers(min_value=-10**17, max_value=10**17))
def test_two_decimal_text_is_exactly_the_minor_units(minor):
    plain = CurrencyFormat(symbol="", thousands_separator=",", decimal_separator=".", decimals=2)
    text = format_number(minor, plain).replace(",", "")
    sign = "-" if minor < 0 else ""
    assert text == f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"
