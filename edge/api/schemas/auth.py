from apiflask import Schema
from apiflask.fields import Boolean, Nested, String
from apiflask.validators import Length
from marshmallow import ValidationError, validates_schema

from sync.web.fields import Pattern, WholeNumber


class LoginIn(Schema):
    username = String(required=True, validate=Length(min=1, max=80))
    password = String(validate=Length(min=1, max=128))
    pin = String(validate=Pattern(r"^[0-9]{4,6}$", error="PIN must be 4 to 6 digits"))

    # the document's words for "either a password or a PIN" (install_spec_processor reads it)
    json_schema_extra = {"oneOf": [{"required": ["password"]}, {"required": ["pin"]}]}

    @validates_schema
    def _one_secret(self, data, **kwargs):
        if ("password" in data) == ("pin" in data):
            raise ValidationError("Give either a password or a PIN", "password")


class UserOut(Schema):
    id = WholeNumber(required=True)
    username = String(required=True)
    role = String(required=True)
    first_name = String()
    last_name = String()
    full_name = String()
    outlet_id = WholeNumber(required=True)
    tenant_id = WholeNumber(required=True)
    has_pin = Boolean()


class TokensOut(Schema):
    access = String(required=True)
    refresh = String(required=True)


class LoginOut(TokensOut):
    user = Nested(UserOut, required=True)


class RefreshIn(Schema):
    refresh = String(required=True, validate=Length(min=1, max=4096))


class LogoutIn(Schema):
    refresh = String(validate=Length(min=1, max=4096))


class StaffOut(Schema):
    username = String(required=True)
    full_name = String(required=True)
    role = String(required=True)


class UnlockIn(Schema):
    username = String(required=True, validate=Length(min=1, max=80))


class UnlockOut(Schema):
    username = String(required=True)
    was_locked = Boolean(required=True, metadata={"description": "Whether failed tries had slowed or locked it"})
