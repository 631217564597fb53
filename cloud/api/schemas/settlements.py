"""Static QRIS payments and settlement imports (issue 19, part 4)."""
from datetime import date

from apiflask import Schema
from apiflask.fields import Boolean, Date, File, List, Nested, String
from apiflask.validators import OneOf, Range

from cloud.api.schemas.common import MAX_ID, ListQuery, UTCDateTime
from cloud.services.static_payments import STATES
from sync.vocab import SETTLEMENT_OUTCOMES, SETTLEMENT_PROVIDERS
from sync.web.fields import Day, WholeNumber

DATES = Range(min=date(2000, 1, 1), max=date(2100, 12, 31), error="Use a date between 2000-01-01 and 2100-12-31")


class StaticPaymentQuery(ListQuery):
    outlet_id = WholeNumber(validate=Range(min=1, max=MAX_ID), metadata={"description": "One outlet"})
    date_from = Day(years=(2000, 2100), validate=DATES, metadata={"description": "First business date"})
    date_to = Day(years=(2000, 2100), validate=DATES, metadata={"description": "Last business date"})
    state = String(load_default="unverified", validate=OneOf(STATES),
                   metadata={"description": "unverified (default), verified, or all"})


class StaticPaymentOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    outlet_id = WholeNumber(required=True)
    order_uuid = String(required=True)
    order_number = String(allow_none=True)
    terminal = WholeNumber()
    amount = String(required=True, metadata={"description": "Money, two decimals"})
    reference = String(required=True, metadata={"description": "The payer's reference the cashier entered"})
    business_date = Date(allow_none=True)
    created_at = UTCDateTime()
    verified = Boolean(required=True, metadata={"description": "A settlement report's line matched it"})
    flag = String(allow_none=True, metadata={"enum": list(SETTLEMENT_OUTCOMES),
                                             "description": "Unverified: the last difference an import found"})


class SettlementImportForm(Schema):
    provider = String(required=True, validate=OneOf(SETTLEMENT_PROVIDERS),
                      metadata={"description": "Whose report: midtrans (settlement CSV) or xendit (transactions "
                                               "report CSV)"})
    date_from = Day(required=True, years=(2000, 2100), validate=DATES,
                    metadata={"description": "First business day the report covers"})
    date_to = Day(required=True, years=(2000, 2100), validate=DATES,
                  metadata={"description": "Last business day it covers: unverified payments of these days "
                                           "that the report lacks are flagged"})
    outlet_id = WholeNumber(validate=Range(min=1, max=MAX_ID),
                            metadata={"description": "The outlet whose QR the report is for (an outlet-bound manager: "
                                                     "always their own); default every outlet"})
    file = File(required=True, metadata={"description": "The provider's CSV export (UTF-8, header row)"})


class SettlementLineOut(Schema):
    row_number = WholeNumber(allow_none=True, metadata={"description": "The file's line (the header is 1); null "
                                                                       "for a payment the file lacks"})
    reference = String(required=True)
    amount = String(allow_none=True, metadata={"description": "What the report says"})
    outcome = String(required=True, metadata={"enum": list(SETTLEMENT_OUTCOMES)})
    flagged = Boolean(required=True)
    note = String()
    payment_uuid = String(allow_none=True)
    payment_amount = String(allow_none=True, metadata={"description": "What the till recorded"})
    outlet_id = WholeNumber(allow_none=True)


class SettlementImportOut(Schema):
    id = WholeNumber(required=True)
    provider = String(required=True)
    outlet_id = WholeNumber(allow_none=True)
    filename = String()
    date_from = Date(required=True)
    date_to = Date(required=True)
    lines = WholeNumber(required=True, metadata={"description": "Lines read from the file"})
    matched = WholeNumber(required=True, metadata={"description": "Payments verified by this import"})
    flagged = WholeNumber(required=True, metadata={"description": "Differences to look at"})
    created_at = UTCDateTime()
    replayed = Boolean(metadata={"description": "The same file was imported before: this is that import"})
    differences = List(Nested(SettlementLineOut), metadata={"description": "The flagged lines"})


class SettlementImportDetailOut(SettlementImportOut):
    rows = List(Nested(SettlementLineOut), metadata={"description": "Every line, and every payment the file lacks, "
                                                                   "with what it came out as"})
