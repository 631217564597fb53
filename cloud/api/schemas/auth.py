from apiflask import Schema
from apiflask.fields import Boolean, Email, Nested, String
from apiflask.validators import Length

from cloud.api.schemas.common import UTCDateTime
from cloud.api.schemas.tenants import TenantOut
from cloud.api.schemas.users import PASSWORD, PASSWORD_DOC, USERNAME, USERNAME_DOC
from sync.web.fields import Pattern, WholeNumber


class LoginIn(Schema):
    username = String(required=True, validate=Length(min=1, max=80))
    password = String(required=True, validate=Length(min=1, max=128))


class UserOut(Schema):
    id = WholeNumber(required=True)
    username = String(required=True)
    role = String(required=True)
    tenant_id = WholeNumber(allow_none=True, required=True)
    outlet_id = WholeNumber(allow_none=True, required=True)
    email = String()
    first_name = String()
    last_name = String()
    full_name = String()
    phone = String()
    is_active = Boolean()
    has_pin = Boolean()
    last_login_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class TokensOut(Schema):
    access = String(required=True)
    refresh = String(required=True)


class LoginOut(TokensOut):
    user = Nested(UserOut, required=True)


class RefreshIn(Schema):
    refresh = String(required=True, validate=Length(min=1, max=4096))


class LogoutIn(Schema):
    refresh = String(validate=Length(min=1, max=4096))


class RegisterIn(Schema):
    username = String(required=True, validate=USERNAME, metadata=USERNAME_DOC)
    password = String(required=True, validate=PASSWORD, metadata=PASSWORD_DOC)
    password_confirm = String(required=True, validate=Length(min=1, max=128))
    store_name = String(required=True, validate=Length(min=1, max=120))
    store_slug = String(validate=[Length(min=2, max=60),
                                  Pattern(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                          error="Slug may contain lowercase letters, digits and dashes")])
    store_description = String(validate=Length(max=2000))
    store_phone = String(validate=Length(max=40))
    store_email = Email(validate=Length(max=254))
    store_address = String(validate=Length(max=500))
    first_name = String(validate=Length(max=80))
    last_name = String(validate=Length(max=80))
    email = Email(validate=Length(max=254))
    owner_phone = String(validate=Length(max=40))
    currency = String(validate=Pattern(r"^[A-Z]{3}$", error="Use an ISO 4217 code such as IDR"))


class ChangePasswordIn(Schema):
    old_password = String(required=True, validate=Length(min=1, max=128))
    new_password = String(required=True, validate=PASSWORD, metadata=PASSWORD_DOC)


class ResetPasswordIn(Schema):
    new_password = String(required=True, validate=PASSWORD, metadata=PASSWORD_DOC)


class RegisterOut(Schema):
    user = Nested(UserOut, required=True)
    tenant = Nested(TenantOut, required=True)
    tokens = Nested(TokensOut, required=True)
