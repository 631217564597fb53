from apiflask import Schema
from apiflask.fields import Boolean, Email, Integer, String
from apiflask.validators import Length, OneOf, Regexp

from cloud.api.schemas.common import ID, ListQuery
from cloud.models.user import ROLES

PIN = Regexp(r"^\d{4,6}$", error="PIN must be 4 to 6 digits")


class UserCreateIn(Schema):
    username = String(required=True, validate=Length(min=3, max=80))
    password = String(required=True, validate=Length(min=1, max=128))
    role = String(required=True, validate=OneOf(ROLES))
    outlet_id = Integer(allow_none=True, validate=ID)
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(validate=PIN)
    is_active = Boolean()


class UserPatchIn(Schema):
    username = String(validate=Length(min=3, max=80))
    role = String(validate=OneOf(ROLES))
    outlet_id = Integer(allow_none=True, validate=ID)
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(allow_none=True, validate=PIN)
    is_active = Boolean()


class MePatchIn(Schema):
    email = Email(validate=Length(max=254))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    phone = String(validate=Length(max=40))
    pin = String(allow_none=True, validate=PIN)


class UserListQuery(ListQuery):
    role = String(validate=OneOf(ROLES))
    outlet_id = Integer(validate=ID)
    is_active = Boolean()
