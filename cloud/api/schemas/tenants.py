from zoneinfo import available_timezones

from apiflask import Schema
from apiflask.fields import Boolean, Email, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import (
    COLOR,
    HHMM,
    MAX_ID,
    WEB_URL,
    ListQuery,
    Money,
    Rate,
    UTCDateTime,
)
from sync.vocab import ZERO_STOCK_RULES
from sync.web.fields import Pattern, WholeNumber

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CURRENCY = Pattern(r"^[A-Z]{3}$", error="Use an ISO 4217 code such as IDR")
URL_500 = [Length(max=500), WEB_URL]


class TenantFields(Schema):
    name = String(validate=Length(min=1, max=120))
    description = String(validate=Length(max=2000))
    logo_url = String(allow_none=True, validate=URL_500)
    primary_color = String(validate=COLOR)
    secondary_color = String(validate=COLOR)
    email = Email(validate=Length(max=254))
    phone = String(validate=Length(max=40))
    address = String(validate=Length(max=500))
    currency = String(validate=CURRENCY)
    tax_rate = Rate(attribute="tax_rate_bp", data_key="tax_rate")
    service_charge_rate = Rate(attribute="service_charge_bp", data_key="service_charge_rate")
    tax_on_service_charge = Boolean()
    cash_rounding = Money()
    points_per_amount = Money(validate=Range(max=MAX_ID, error="points_per_amount may be at most 21474836.47"),
                              metadata={"description": "Spend that earns one loyalty point (0: no points)"})
    receipt_footer = String(validate=Length(max=500))


class TenantCreateIn(TenantFields):
    name = String(required=True, validate=Length(min=1, max=120))
    slug = String(validate=[Length(min=2, max=60),
                            Pattern(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                    error="Slug may contain lowercase letters, digits and dashes")])


class TenantPatchIn(TenantFields):
    is_active = Boolean()


class TenantOut(TenantFields):
    id = WholeNumber(required=True)
    slug = String(required=True)
    email = String(metadata={"description": "Empty when not given"})
    is_active = Boolean()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


_HOURS = List(List(String(validate=HHMM), validate=Length(equal=2)), validate=Length(max=4),
              metadata={"description": "Up to four [open, close] pairs, HH:MM"})


class OpeningHoursIn(Schema):
    """Per day (mon … sun), up to four [open, close] pairs; no other keys."""

    mon, tue, wed, thu, fri, sat, sun = (_HOURS for _ in DAYS)


OpeningHours = Nested(OpeningHoursIn)
TIMEZONES = sorted(available_timezones())
CODE_PATTERN = r"^[A-Za-z0-9]{2,10}$"


class OutletFields(Schema):
    name = String(validate=Length(min=1, max=120))
    address = String(validate=Length(max=500))
    phone = String(validate=Length(max=40))
    timezone = String(validate=Length(min=1, max=64), metadata={"enum": TIMEZONES, "description": "IANA name"})
    opening_hours = OpeningHours
    tax_rate = Rate(allow_none=True, attribute="tax_rate_bp", data_key="tax_rate",
                    metadata={"description": "Overrides the tenant's rate; null inherits it"})
    service_charge_rate = Rate(allow_none=True, attribute="service_charge_bp", data_key="service_charge_rate")
    auto_print_receipt = Boolean()
    zero_stock = String(validate=OneOf(ZERO_STOCK_RULES), metadata={
        "description": "What the till does with a product whose stock items are at or below zero: allow (sell on "
                       "silently, the default), warn (sell, the kiosk warns), block (shown sold out, the sale is "
                       "refused with 409 OUT_OF_STOCK)"})
    static_qris = String(validate=Length(max=512), metadata={
        "description": "The outlet's printed merchant QR: its QRIS payload (EMVCo, starts 000201, ends with the "
                       "6304 CRC); empty for none. The tills offer static QRIS only when it is set"})


class OutletCreateIn(OutletFields):
    code = String(required=True, validate=Length(min=2, max=10), metadata={"pattern": CODE_PATTERN})
    name = String(required=True, validate=Length(min=1, max=120))


class OutletPatchIn(OutletFields):
    code = String(validate=Length(min=2, max=10), metadata={"pattern": CODE_PATTERN})
    is_active = Boolean()


class OutletOut(OutletFields):
    id = WholeNumber(required=True)
    tenant_id = WholeNumber(required=True)
    code = String(required=True)
    is_active = Boolean()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class OutletListQuery(ListQuery):
    is_active = Boolean()


class EnrollmentKeyOut(Schema):
    enrollment_key = String(required=True)
    outlet_id = WholeNumber(required=True)
    expires_at = UTCDateTime(required=True)
