"""Owner self-registration (brief 002): a new store (tenant) and its owner, logged in."""
from __future__ import annotations

from cloud.models import User
from cloud.services import auth, tenants, users
from sync.web.errors import ValidationFailed


def register_owner(session, data: dict) -> dict:
    if data["password"] != data["password_confirm"]:
        raise ValidationFailed("Passwords do not match", "PASSWORD_MISMATCH", "password_confirm")
    users.check_username_free(session, data["username"])
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
    session.add(owner)
    session.flush()
    return {"user": owner, "tenant": tenant, "tokens": auth.issue_tokens(owner)}
