"""Paginated lists: {"count", "next", "previous", "results"} with page, page_size,
search, ordering and each list's own filters."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlencode

from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Length, Range
from flask import request
from sqlalchemy import func, or_, select

from sync.patterns import LIKE_ESCAPE, like_pattern  # noqa: F401  (re-exported)
from sync.web.errors import ValidationFailed
from sync.web.fields import Pattern, WholeNumber

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ListQuery(Schema):
    """The query parameters every list takes. Lists extend it with their filters."""

    page = WholeNumber(load_default=1, validate=Range(min=1, max=100000))
    page_size = WholeNumber(load_default=DEFAULT_PAGE_SIZE, validate=Range(min=1, max=MAX_PAGE_SIZE))
    search = String(load_default=None, validate=Length(max=100))
    ordering = String(load_default=None, validate=Length(max=50))


def _page_url(page: int | None) -> str | None:
    if page is None:
        return None
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def ordered_by(query_schema: type, allowed: Iterable[str]) -> type:
    """`query_schema` whose `ordering` takes exactly the names in `allowed` (each with an
    optional leading `-`, commas between, at most as many keys as names), as its documented
    pattern says. The pattern's bound on the keys is the length limit: a `maxLength` beside a
    pattern costs schemathesis' coverage phase seconds per list to satisfy (or prove it cannot)."""
    names = sorted(allowed)
    choice = "|".join(re.escape(name) for name in names)
    pattern = rf"^-?({choice})(,-?({choice})){{0,{len(names) - 1}}}$"
    field = String(load_default=None, validate=[Pattern(pattern, error=(
        f"Cannot order by that; choose from: {', '.join(names)} (a leading - for descending, commas between, "
        f"at most {len(names)} keys)"))])
    return type(query_schema.__name__, (query_schema,), {"ordering": field})


def order_by(stmt, ordering: str | None, allowed: Mapping[str, object], default: Iterable):
    """Apply `?ordering=-created_at` against an allow-list of sortable columns."""
    if not ordering:
        return stmt.order_by(*default)
    clauses = []
    for part in ordering.split(","):
        descending = part.startswith("-")
        name = part[1:] if descending else part
        column = allowed.get(name)
        if column is None:
            raise ValidationFailed(
                f"Cannot order by '{name}'; choose from: {', '.join(sorted(allowed))}",
                "INVALID_ORDERING", "ordering",
            )
        clauses.append(column.desc() if descending else column.asc())
    return stmt.order_by(*clauses, *default)




def search_filter(stmt, search: str | None, columns: Iterable):
    """Case-insensitive substring search over the given columns."""
    if not search:
        return stmt
    pattern = like_pattern(search.strip().lower())
    return stmt.where(or_(*[func.lower(column).like(pattern, escape=LIKE_ESCAPE) for column in columns]))


def paginate(session, stmt, query: Mapping, serialize: Callable[[object], object] | None = None,
             scalars: bool = True) -> dict:
    """Count and slice one page of `stmt`; results stay objects unless `serialize` is given
    (the view's @output schema usually does the dumping)."""
    page = query.get("page", 1)
    page_size = query.get("page_size", DEFAULT_PAGE_SIZE)
    count = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    page_stmt = stmt.limit(page_size).offset((page - 1) * page_size)
    rows = session.execute(page_stmt)
    items = rows.scalars().all() if scalars else rows.all()
    has_next = page * page_size < count
    return {
        "count": count,
        "next": _page_url(page + 1) if has_next else None,
        "previous": _page_url(page - 1) if page > 1 else None,
        "results": [serialize(item) for item in items] if serialize else list(items),
    }


def list_schema(item_schema, name: str):
    """The OpenAPI schema of a paginated list of `item_schema` (for @output)."""
    from apiflask.fields import List, Nested

    return Schema.from_dict(
        {
            "count": WholeNumber(required=True),
            "next": String(allow_none=True, required=True),
            "previous": String(allow_none=True, required=True),
            "results": List(Nested(item_schema), required=True),
        },
        name=name,
    )


def paginate_rows(rows: list, query: Mapping) -> dict:
    """One page of an already-built list (for lists computed in Python)."""
    page = query.get("page", 1)
    page_size = query.get("page_size", DEFAULT_PAGE_SIZE)
    count = len(rows)
    return {
        "count": count,
        "next": _page_url(page + 1) if page * page_size < count else None,
        "previous": _page_url(page - 1) if page > 1 else None,
        "results": rows[(page - 1) * page_size: page * page_size],
    }
