from apiflask import Schema
from apiflask.fields import Boolean, Email, String
from apiflask.validators import Length

from sync.phones import CHARACTERS
from sync.web.fields import Money, UTCDateTime, WholeNumber

PHONE_DOC = {"pattern": CHARACTERS, "description": "8 to 15 digits once spaces, dots, dashes, slashes and "
                                                   "brackets are dropped; stored normalised"}


class CustomerIn(Schema):
    name = String(required=True, validate=Length(min=1, max=120))
    phone = String(required=True, validate=Length(min=4, max=30), metadata=PHONE_DOC)
    email = Email(validate=Length(max=254))
    marketing_consent = Boolean()


class CustomerPatchIn(Schema):
    name = String(validate=Length(min=1, max=120))
    phone = String(validate=Length(min=4, max=30), metadata=PHONE_DOC)
    email = Email(validate=Length(max=254))
    marketing_consent = Boolean()


class CustomerOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    name = String(required=True)
    phone = String(required=True)
    email = String()
    marketing_consent = Boolean()
    membership_tier = String(required=True)
    points = WholeNumber(required=True)
    total_orders = WholeNumber(required=True)
    total_spent = Money(required=True)
    synced = Boolean(metadata={"description": "The cloud knows this customer"})
    created_at = UTCDateTime()


class PhoneIn(Schema):
    phone = String(required=True, validate=Length(min=4, max=30), metadata=PHONE_DOC)
