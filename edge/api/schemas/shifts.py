from apiflask import Schema
from apiflask.fields import Dict, List, Nested, String
from apiflask.validators import Length, OneOf

from sync.web.fields import Money, UTCDateTime, WholeNumber


class OpenShiftIn(Schema):
    opening_cash = Money(required=True)


class MovementIn(Schema):
    kind = String(required=True, validate=OneOf(("in", "out")))
    amount = Money(required=True, positive=True, min_message="Amount must be more than zero")
    reason = String(required=True, validate=Length(min=1, max=500))


class DrawerOpenIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=200),
                    metadata={"description": "Why the drawer is opened without a sale (audited)"})


class MovementOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    kind = String(required=True)
    amount = Money(required=True)
    reason = String(required=True)
    created_by = WholeNumber()
    created_at = UTCDateTime()


class ShiftOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    terminal = WholeNumber(required=True)
    status = String(required=True)
    opened_by = WholeNumber(required=True)
    opened_at = UTCDateTime(required=True)
    opening_cash = Money(required=True)
    closed_by = WholeNumber(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    movements = List(Nested(MovementOut), required=True)


class CloseShiftIn(Schema):
    counted_cash = Money(required=True)
    counted_card = Money(allow_none=True, metadata={"description": "The card slips' total, if counted; left out "
                                                                   "(or null), card stays 'not counted'"})
    expected_cash = Money(metadata={"description": "The expected cash the cashier was shown and confirmed; a "
                                                   "different figure now is a 409 EXPECTED_CHANGED"})


class ReportOut(Schema):
    """Money in the report is in decimal strings like everywhere else."""

    report = Dict(required=True)
