from apiflask import Schema
from apiflask.fields import Boolean, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import ID
from sync.schemas.pull import ENTITIES, OutletData, TenantData


class EnrollIn(Schema):
    enrollment_key = String(required=True, validate=Length(min=1, max=200))
    device_name = String(required=True, validate=Length(min=1, max=120))


class EnrollOut(Schema):
    device_id = Integer(required=True)
    device_token = String(required=True)
    outlet = Nested(OutletData, required=True)
    tenant = Nested(TenantData, required=True)


class PullQuery(Schema):
    since = Integer(load_default=0, validate=Range(min=0))
    limit = Integer(load_default=500, validate=Range(min=1, max=1000))


class ChangeOut(Schema):
    entity = String(required=True, validate=OneOf(ENTITIES))
    op = String(required=True, validate=OneOf(("upsert", "delete")))
    id = Integer(required=True)
    version = Integer(required=True)
    data = Dict(allow_none=True, required=True)


class PullOut(Schema):
    changes = List(Nested(ChangeOut), required=True)
    cursor = Integer(required=True)
    has_more = Boolean(required=True)


class AllowanceOut(Schema):
    promotion_id = Integer(required=True)
    granted = Integer(required=True)
    used = Integer(required=True)


class AllowancesOut(Schema):
    allowances = List(Nested(AllowanceOut), required=True)


class DeviceTokenIn(Schema):
    device_id = Integer(required=True, validate=ID)
    device_token = String(required=True, validate=Length(min=1, max=200))


class DeviceTokenOut(Schema):
    access_token = String(required=True)
    expires_in = Integer(required=True)


class PushIn(Schema):
    events = List(Dict(), required=True, metadata={"description": "Outbox events in seq order"})


class EventResultOut(Schema):
    event_id = String(required=True)
    status = String(required=True, validate=OneOf(("applied", "duplicate", "conflict", "rejected")))
    reason = String(allow_none=True, required=True)


class PushOut(Schema):
    results = List(Nested(EventResultOut), required=True)
    last_seq = Integer(allow_none=True, required=True)
