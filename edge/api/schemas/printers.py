from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, String
from apiflask.validators import Length, OneOf, Range

from sync.vocab import PRINT_JOB_STATES, PRINTER_KINDS, PRINTER_ROLES
from sync.web.fields import UTCDateTime, WholeNumber
from sync.web.lists import ListQuery


class PrinterIn(Schema):
    name = String(required=True, validate=Length(min=1, max=60))
    kind = String(required=True, validate=OneOf(PRINTER_KINDS))
    device = String(load_default="", validate=Length(max=300),
                    metadata={"description": "Serial path, host[:port], vvvv:pppp (USB) or a file path"})
    baudrate = WholeNumber(validate=Range(min=1200, max=115200))
    flow_control = String(validate=OneOf(("none", "rtscts", "xonxoff", "dsrdtr")))
    write_timeout_s = Float(validate=Range(min=0.1, max=300))
    host = String(validate=Length(max=200))
    port = WholeNumber(validate=Range(min=1, max=65535))
    connect_timeout_s = Float(validate=Range(min=0.1, max=300))
    profile = String(load_default="default", validate=Length(min=1, max=60))
    columns = WholeNumber(allow_none=True, validate=Range(min=20, max=80))
    code_page = String(validate=Length(min=1, max=20))
    role = String(required=True, validate=OneOf(PRINTER_ROLES))
    station = String(allow_none=True, validate=Length(max=40))
    buzzer = Boolean()
    is_active = Boolean()


class PrinterPatchIn(PrinterIn):
    name = String(validate=Length(min=1, max=60))
    kind = String(validate=OneOf(PRINTER_KINDS))
    role = String(validate=OneOf(PRINTER_ROLES))
    profile = String(validate=Length(min=1, max=60))
    device = String(validate=Length(max=300))


class PrinterOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    role = String(required=True)
    station = String(allow_none=True)
    is_active = Boolean(required=True)
    config = Dict(required=True)
    status = Dict(required=True, metadata={"description": "online (null: unknown), problem, waiting_for, checked_at"})
    queued = WholeNumber(required=True)
    failed = WholeNumber(required=True)


class PrintJobOut(Schema):
    id = WholeNumber(required=True)
    printer_id = WholeNumber(required=True)
    kind = String(required=True)
    order_id = WholeNumber(allow_none=True)
    shift_id = WholeNumber(allow_none=True)
    state = String(required=True)
    attempts = WholeNumber(required=True)
    copy = Boolean(required=True)
    copy_of = WholeNumber(allow_none=True)
    last_error = String()
    retry_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class JobListQuery(ListQuery):
    state = String(validate=OneOf(PRINT_JOB_STATES))
