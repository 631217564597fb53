from apiflask import Schema
from apiflask.fields import Boolean, String

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from sync.web.fields import WholeNumber


class DeviceListQuery(ListQuery):
    outlet_id = WholeNumber(validate=ID)
    is_active = Boolean()


class DeviceOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    outlet_id = WholeNumber(required=True)
    is_active = Boolean(required=True)
    created_at = UTCDateTime(required=True)
    last_seen_at = UTCDateTime(allow_none=True, required=True)
    last_pushed_seq = WholeNumber(required=True)
    revoked_at = UTCDateTime(allow_none=True, required=True)
    revoked_reason = String(required=True)


class EnrollmentKeyIn(Schema):
    keep_other_devices = Boolean(load_default=False, metadata={
        "description": "The device this key enrolls joins the outlet's others instead of replacing them"})
