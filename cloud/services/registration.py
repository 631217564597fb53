"""Owner self-registration (brief 002): a new store (tenant) and its owner, logged in.

Registration is public, so it tells a stranger no more than it must: whether a username
is taken is checked last, after everything else about the request has passed and the
password has been hashed, so only a registration that would otherwise succeed learns
it, in the same time either way (and the per-address limit caps how often).
"""
from __future__ import annotations

from cloud.models import User
from cloud.services import auth, tenants, users
from sync import passwords
from sync.errors import Invalid


def register_owner(session, data: dict) -> dict:
    if data["password"] != data["password_confirm"]:
        raise Invalid("Passwords do not match", "PASSWORD_MISMATCH", "password_confirm")
    problem = passwords.password_problem(data["password"])
    if problem:
        raise Invalid(problem, "WEAK_PASSWORD", "password")
    users.check_username_format(data["username"])
    tenant = tenants.create_tenant(session, {
        "name": data["store_name"], "slug": data.get("store_slug"),
        "description": data.get("store_description", ""), "phone": data.get("store_phone", ""),
        "email": data.get("store_email", ""), "address": data.get("store_address", ""),
        **({"currency": data["currency"]} if data.get("currency") else {}),
    })
    owner = User(
        tenant_id=tenant.id, role="tenant_owner", username=data["username"],
        first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
        email=data.get("email", ""), phone=data.get("owner_phone", ""),
    )
    auth.set_password(owner, data["password"], "password")
    users.check_username_free(session, data["username"])
    session.add(owner)
    session.flush()
    return {"user": owner, "tenant": tenant, "tokens": auth.issue_tokens(owner)}
