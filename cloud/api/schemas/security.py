"""Shapes of the security endpoints (brief 004's request log)."""
from apiflask import Schema
from apiflask.fields import Boolean, Dict, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from sync.vocab import SECURITY_ALERT_KINDS
from sync.web.fields import Day, WholeNumber

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class RequestLogQuery(ListQuery):
    date_from = Day(years=(2000, 2100), load_default=None, metadata={"description": "First UTC day (inclusive)"})
    date_to = Day(years=(2000, 2100), load_default=None, metadata={"description": "Last UTC day (inclusive)"})
    user_id = WholeNumber(load_default=None, validate=ID)
    ip_address = String(load_default=None, validate=Length(min=1, max=45))
    status_code = WholeNumber(load_default=None, validate=Range(min=100, max=599))
    method = String(load_default=None, validate=OneOf(METHODS))
    endpoint = String(load_default=None, validate=Length(min=1, max=200),
                      metadata={"description": "The route's rule, e.g. /api/users/<int:user_id>/"})


class RequestLogOut(Schema):
    id = WholeNumber(required=True)
    timestamp = UTCDateTime(required=True, attribute="at")
    ip_address = String(required=True, attribute="address")
    user_agent = String(required=True)
    endpoint = String(required=True, metadata={"description": "The route's rule, never the raw path"})
    method = String(required=True)
    status_code = WholeNumber(required=True, attribute="status")
    response_time = WholeNumber(required=True, attribute="duration_ms", metadata={"description": "Milliseconds"})
    user = String(required=True, attribute="username", metadata={"description": "Empty for anonymous callers"})
    user_id = WholeNumber(allow_none=True)
    tenant_id = WholeNumber(allow_none=True)


class AlertQuery(ListQuery):
    acknowledged = Boolean(load_default=None, metadata={"description": "true: acknowledged only; false: open only"})
    kind = String(load_default=None, validate=OneOf(SECURITY_ALERT_KINDS))


class AlertOut(Schema):
    id = WholeNumber(required=True)
    kind = String(required=True, validate=OneOf(SECURITY_ALERT_KINDS))
    tenant_id = WholeNumber(allow_none=True, metadata={"description": "None: the platform's (an address)"})
    outlet_id = WholeNumber(allow_none=True)
    subject = String(required=True, metadata={"description": "The username, address, outlet id or outlet:day"})
    message = String(required=True)
    count = WholeNumber(required=True)
    detail = Dict()
    first_seen_at = UTCDateTime(required=True)
    last_seen_at = UTCDateTime(required=True)
    acknowledged_at = UTCDateTime(allow_none=True)
    acknowledged_by = WholeNumber(allow_none=True)
    acknowledged_by_username = String()
