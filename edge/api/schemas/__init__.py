"""Request and response schemas of the edge API (marshmallow, via APIFlask)."""
from __future__ import annotations

from apiflask.validators import Range

from sync import sqlite
from sync.web.fields import WholeNumber

# An id in a request: positive and within SQLite's integers (a larger one names no row,
# and binding it would fail in the driver: a 500 where a 400 is due).
ROW_ID = Range(min=1, max=sqlite.MAX_INT)
MAX_QUANTITY = 999  # units on one line


def Quantity(**kwargs) -> WholeNumber:
    """A line's units: a whole number from 1 to 999."""
    return WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY), **kwargs)
