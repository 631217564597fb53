"""Request and response schemas of the edge API (marshmallow, via APIFlask)."""
from apiflask.validators import Range

from sync import sqlite

# An id in a request: positive and within SQLite's integers (a larger one names no row,
# and binding it would fail in the driver: a 500 where a 400 is due).
ROW_ID = Range(min=1, max=sqlite.MAX_INT)
