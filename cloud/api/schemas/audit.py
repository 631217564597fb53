from apiflask import Schema
from apiflask.fields import Boolean, Dict, List, Nested, String
from apiflask.validators import Length, OneOf

from cloud.api.schemas.common import ID, ListQuery
from sync.web.fields import Day, WholeNumber


class AuditFilters(Schema):
    actor = String(validate=Length(min=1, max=80), metadata={"description": "A username (any case)"})
    action = String(validate=Length(min=1, max=40), metadata={"description": "e.g. refund, void, cash_out, "
                                                                              "login_failed, price_change"})
    outlet_id = WholeNumber(validate=ID)
    object_type = String(validate=Length(min=1, max=40))
    object_id = String(validate=Length(min=1, max=64))
    date_from = Day(metadata={"description": "UTC day, included"})
    date_to = Day(metadata={"description": "UTC day, included"})


class AuditListQuery(ListQuery, AuditFilters):
    pass


class AuditExportQuery(AuditFilters):
    format = String(load_default="csv", validate=OneOf(("csv", "xlsx")))


class AuditActorOut(Schema):
    id = WholeNumber(allow_none=True)
    username = String(required=True)
    role = String(required=True)


class AuditEntryOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    source = String(required=True, metadata={"description": "edge (a till's chained record) or cloud"})
    action = String(required=True)
    actor = Nested(AuditActorOut, required=True)
    outlet_id = WholeNumber(allow_none=True)
    device_id = WholeNumber(allow_none=True)
    seq = WholeNumber(allow_none=True)
    terminal = WholeNumber(allow_none=True)
    object_type = String(required=True)
    object_id = String(required=True)
    before = Dict(allow_none=True)
    after = Dict(allow_none=True)
    at = String(required=True, metadata={"description": "UTC, ISO 8601 with Z"})
    at_local = String(required=True, metadata={"description": "The outlet's wall clock, with its offset"})
    chain_ok = Boolean(required=True, metadata={"description": "False: it did not follow its device's record "
                                                               "before it when it arrived"})


class VerifyQuery(Schema):
    outlet = WholeNumber(required=True, validate=ID)


class ChainBreakOut(Schema):
    device_id = WholeNumber(allow_none=True)
    seq = WholeNumber(required=True)
    record_uuid = String(allow_none=True)
    problem = String(required=True, metadata={"description": "missing, prev_hash, hash or duplicate"})
    expected = String(required=True)
    found = String(required=True)


class VerifyOut(Schema):
    outlet_id = WholeNumber(required=True)
    ok = Boolean(required=True)
    records = WholeNumber(required=True)
    devices = WholeNumber(required=True)
    breaks = List(Nested(ChainBreakOut), required=True)
