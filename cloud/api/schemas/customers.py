from apiflask import Schema
from apiflask.fields import Boolean, Email, List, Nested, String
from apiflask.validators import Length, OneOf

from cloud.api.schemas.common import ID, ListQuery, Money, UTCDateTime
from cloud.models.customer import MEMBERSHIP_TIERS as TIERS
from sync.phones import CHARACTERS
from sync.web.fields import UUID_PATTERN, Day, WholeNumber

PHONE_DOC = {"description": "Any common form (\"+62 812-3456-789\"); stored normalised (\"08123456789\"); "
                            "8 to 15 digits once spaces, dots, dashes, slashes and brackets are dropped",
             "example": "0812-3456-789", "pattern": CHARACTERS}


class CustomerFields(Schema):
    name = String(validate=Length(min=1, max=120))
    phone = String(validate=Length(min=1, max=40), metadata=PHONE_DOC)
    email = Email(allow_none=True, validate=Length(max=254))
    birth_date = Day(years=(1900, 2100), allow_none=True, metadata={"description": "A past date from 1900"})
    notes = String(allow_none=True, validate=Length(max=2000))
    marketing_consent = Boolean(metadata={"description": "Agreed to receive promotions"})
    preferred_outlet_id = WholeNumber(allow_none=True, validate=ID)


class CustomerCreateIn(CustomerFields):
    uuid = String(validate=Length(equal=36), metadata={
        "description": "Made by the cloud when absent (outlets send the one they made)", "pattern": UUID_PATTERN})
    name = String(required=True, validate=Length(min=1, max=120))
    phone = String(required=True, validate=Length(min=1, max=40), metadata=PHONE_DOC)


class CustomerPatchIn(CustomerFields):
    """Profile fields only: tier, points and order counters come from synced sales."""


class CustomerOut(CustomerFields):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    email = String(metadata={"description": "Empty when not given"})
    tenant_id = WholeNumber(required=True)
    membership_tier = String(required=True, metadata={"enum": list(TIERS)})
    points = WholeNumber(required=True)
    total_orders = WholeNumber(required=True)
    total_spent = Money(required=True)
    last_order_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class CustomerListQuery(ListQuery):
    membership_tier = String(validate=OneOf(TIERS))
    marketing_consent = Boolean()
    preferred_outlet_id = WholeNumber(validate=ID)


class PhoneSearchIn(Schema):
    phone = String(required=True, validate=Length(min=1, max=40), metadata=PHONE_DOC)


class CustomerOrderOut(Schema):
    """A synced order, as the customer's history shows it."""

    id = WholeNumber(required=True)
    uuid = String(required=True)
    order_number = String(required=True)
    outlet_id = WholeNumber(required=True)
    status = String(required=True)
    total_amount = Money(required=True)
    created_at = UTCDateTime()


class FavouriteProductOut(Schema):
    product_id = WholeNumber(required=True)
    name = String(required=True)
    quantity = WholeNumber(required=True)


class CustomerStatsOut(Schema):
    total_orders = WholeNumber(required=True)
    total_spent = Money(required=True)
    average_order_value = Money(required=True)
    points = WholeNumber(required=True)
    membership_tier = String(required=True, metadata={"enum": list(TIERS)})
    next_tier = String(allow_none=True, metadata={"description": "null at platinum"})
    orders_to_next_tier = WholeNumber(allow_none=True,
                                      metadata={"description": "These many more orders reach next_tier"})
    spend_to_next_tier = Money(allow_none=True, metadata={"description": "…or this much more spend does"})
    last_order_at = UTCDateTime(allow_none=True)
    favourite_products = List(Nested(FavouriteProductOut), required=True)
