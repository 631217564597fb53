"""Path ids bounded by what the database's integer columns hold.

An id past that names no row, but looking it up fails in the driver (SQLite cannot bind
it; PostgreSQL rejects it for an `integer` column): a 500 for a request for something
that does not exist. With the bound such a path matches no route, and answers 404 like
any other unknown id."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter


def bound_path_ids(app, max_id: int) -> None:
    """`<int:...>` in `app`'s routes accepts 0..max_id. Call before the routes are added."""

    class BoundedInteger(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", max_id)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInteger
