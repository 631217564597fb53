from apiflask import Schema
from apiflask.fields import Boolean, Email, String
from apiflask.validators import Length, OneOf

from cloud.api.schemas.common import ID, ListQuery
from sync.vocab import ROLES
from sync.web.fields import PASSWORD_PATTERN, PIN_PATTERN, USERNAME_PATTERN, WholeNumber

# The services check these (codes WEAK_PASSWORD, INVALID_USERNAME, INVALID_PIN); the
# document states the same rules as patterns, so it says exactly what is taken.
PIN = Length(min=4, max=6)
PIN_DOC = {"pattern": PIN_PATTERN, "description": "4 to 6 digits, not one digit repeated"}
USERNAME = Length(min=3, max=80)
USERNAME_DOC = {"pattern": USERNAME_PATTERN}
PASSWORD = Length(min=1, max=128)
PASSWORD_DOC = {"pattern": PASSWORD_PATTERN, "description": "8 to 128 characters, not only digits"}


class UserCreateIn(Schema):
    username = String(required=True, validate=USERNAME, metadata=USERNAME_DOC)
    password = String(required=True, validate=PASSWORD, metadata=PASSWORD_DOC)
    role = String(required=True, validate=OneOf(ROLES))
    outlet_id = WholeNumber(allow_none=True, validate=ID)
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(validate=PIN, metadata=PIN_DOC)
    is_active = Boolean()


class UserPatchIn(Schema):
    username = String(validate=USERNAME, metadata=USERNAME_DOC)
    role = String(validate=OneOf(ROLES))
    outlet_id = WholeNumber(allow_none=True, validate=ID)
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(allow_none=True, validate=PIN, metadata=PIN_DOC)
    is_active = Boolean()


class MePatchIn(Schema):
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(allow_none=True, validate=PIN, metadata=PIN_DOC)


class UserListQuery(ListQuery):
    role = String(validate=OneOf(ROLES))
    outlet_id = WholeNumber(validate=ID)
    is_active = Boolean()
