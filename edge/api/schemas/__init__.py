"""Request and response schemas of the edge API (marshmallow, via APIFlask)."""
from __future__ import annotations

import numbers
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from apiflask.fields import Integer
from apiflask.validators import Range

from sync import sqlite

# An id in a request: positive and within SQLite's integers (a larger one names no row,
# and binding it would fail in the driver: a 500 where a 400 is due).
ROW_ID = Range(min=1, max=sqlite.MAX_INT)
MAX_QUANTITY = 999  # units on one line


class WholeNumber(Integer):
    """An integer that is never truncated: marshmallow's Integer turns 1.5 into 1 and
    2.9 into 2, which on a till sells the wrong quantity without a word. 2 and 2.0 are
    2; 1.5, "1.5" and true are refused."""

    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Not a whole number."}

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if not isinstance(value, numbers.Integral):
            try:
                number = Decimal(str(value).strip())
            except (InvalidOperation, ValueError):
                raise self.make_error("invalid", input=value) from None
            if not number.is_finite() or number != number.to_integral_value():
                raise self.make_error("invalid", input=value)
            value = int(number)
        return super()._validated(value)


def Quantity(**kwargs) -> WholeNumber:
    """A line's units: a whole number from 1 to 999."""
    return WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY), **kwargs)
