"""Sold out at the till ("86") on the wire."""
from apiflask import Schema
from apiflask.fields import Boolean, String
from apiflask.validators import OneOf, Range

from sync.vocab import SOLD_OUT_TARGETS
from sync.web.fields import JsonBoolean, UTCDateTime, WholeNumber

MAX_ID = 2**31 - 1


class SoldOutIn(Schema):
    target = String(required=True, validate=OneOf(SOLD_OUT_TARGETS), metadata={"description": "product or modifier"})
    id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID), metadata={"description": "Its catalog id"})
    sold_out = JsonBoolean(required=True, metadata={"description": "true marks it sold out, false puts it back"})


class SoldOutChangeOut(Schema):
    target = String(required=True)
    id = WholeNumber(required=True)
    name = String(required=True)
    sold_out = Boolean(required=True)
    changed = Boolean(required=True, metadata={"description": "false: it already was so; nothing was written"})
    changed_by = WholeNumber(allow_none=True)
    changed_at = UTCDateTime(required=True)


class SoldOutMarkOut(Schema):
    target = String(required=True)
    id = WholeNumber(required=True, attribute="target_id")
    name = String(required=True)
    marked_by = WholeNumber(allow_none=True)
    marked_at = UTCDateTime(required=True)
