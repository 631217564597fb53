"""Shared pieces of the cloud's schemas."""
from apiflask import Schema
from apiflask.fields import String
from apiflask.validators import Range

from sync.web.fields import (  # noqa: F401  (re-exported for schema modules)
    WEB_URL_MESSAGE,
    WEB_URL_PATTERN,
    Money,
    Pattern,
    Rate,
    UTCDateTime,
)
from sync.web.lists import ListQuery, list_schema  # noqa: F401

MAX_ID = 2**31 - 1  # ids are PostgreSQL integers
ID = Range(min=1, max=MAX_ID)
HHMM = Pattern(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Use HH:MM (24-hour)")
COLOR = Pattern(r"^#[0-9A-Fa-f]{6}$", error="Use a #RRGGBB colour")
WEB_URL = Pattern(WEB_URL_PATTERN, error=WEB_URL_MESSAGE)


class MessageOut(Schema):
    message = String(required=True)
