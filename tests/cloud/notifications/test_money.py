"""Money in messages reads exactly as on the printed receipt (the edge's currency_format
and printers' format_money), which the cloud may not import: both are run side by side."""
from __future__ import annotations

import pytest

from cloud.notifications.money import Money, format_money, format_number
from edge.services.printing.documents import currency_format
from printers.money_format import format_money as receipt_money

AMOUNTS = [0, 1, 49, 50, 99, 100, 150, 2_080_000, 20_849, 20_850, 123_456_789_01, -500_000, -49, -50, 10**17]


@pytest.mark.parametrize("currency", ["IDR", "JPY", "KRW", "VND", "USD", "SGD", "EUR"])
@pytest.mark.parametrize("minor", AMOUNTS)
def test_money_reads_as_the_receipt_prints_it(currency, minor):
    assert format_money(minor, currency) == receipt_money(minor, currency_format(currency))


def test_rupiah_has_dots_for_thousands_and_no_decimals():
    assert format_money(2_080_000) == "Rp 20.800"
    assert format_number(2_080_000) == "20.800"


def test_other_currencies_show_their_code_and_two_decimals():
    assert format_money(123_456, "USD") == "USD 1,234.56"


@pytest.mark.parametrize("value", [20.8, "20800", True, None])
def test_money_must_be_integer_minor_units(value):
    with pytest.raises(TypeError):
        Money(value)


def test_money_compares_with_amounts_written_in_major_units():
    amount = Money(10_000_000)  # Rp 100.000
    assert amount > 99_999 and amount == 100_000 and amount < 100_001
    assert not Money(0) and Money(1)
