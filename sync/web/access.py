"""The access mark every view carries (`_access`): what `writes`, the OpenAPI document and
the role x route matrix tests read. Shared so pages can be marked without importing an
app's API layer."""
from __future__ import annotations

PUBLIC = "public"


def mark(view, access: str):
    view._access = access
    return view


def public(view):
    """No authentication needed."""
    return mark(view, PUBLIC)
