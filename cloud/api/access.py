"""Authentication and role checks for cloud views.

`require("manager")` authenticates the bearer token, refuses lower roles, resolves the
tenant acted on (`X-Tenant-ID` for platform roles) and passes an `Actor` to the view.
Every view carries an `_access` mark, which the role x route matrix test reads.
"""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from cloud.api.schemas.common import MAX_ID
from cloud.extensions import db, jwt
from cloud.models import Tenant
from cloud.services import auth as auth_service
from cloud.services.actor import Actor
from sync.roles import allows
from sync.web.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    error_body,
)

TENANT_HEADER = "X-Tenant-ID"


def _tenant_header() -> int | None:
    raw = request.headers.get(TENANT_HEADER)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit():  # an empty header names no tenant either
        raise ValidationFailed(f"{TENANT_HEADER} must be a tenant id", "INVALID_TENANT_ID", TENANT_HEADER)
    value = int(raw)
    if value < 1 or value > MAX_ID:
        raise ValidationFailed(f"{TENANT_HEADER} must be a tenant id", "INVALID_TENANT_ID", TENANT_HEADER)
    return value


def current_actor(optional: bool = False) -> Actor | None:
    """The authenticated caller, or None when optional and no token was sent."""
    verify_jwt_in_request(optional=optional)
    claims = get_jwt()
    if not claims:
        return None
    user = auth_service.token_is_current(db.session, claims)
    if user is None:
        raise NotAuthenticated("Token has been revoked or the account is inactive", "TOKEN_REVOKED")
    header_tenant = _tenant_header()
    if user.role in ("super_admin", "admin"):
        tenant_id = header_tenant
        if tenant_id is not None and db.session.get(Tenant, tenant_id) is None:
            raise NotFound("Tenant", "TENANT_NOT_FOUND")
    else:
        tenant_id = user.tenant_id
        if header_tenant is not None and header_tenant != tenant_id:
            raise PermissionDenied("You may act only on your own tenant", "TENANT_MISMATCH")
    g.pos_actor = Actor(user.id, user.username, user.role, tenant_id, user.outlet_id)
    return g.pos_actor


def authorize(min_role: str, also: tuple[str, ...] = ()) -> Actor:
    """The caller, if authenticated with `min_role` or above, or with one of the roles in
    `also` (401 or 403 otherwise)."""
    actor = current_actor()
    if not allows(actor.role, min_role, also):
        granted = f" (or {', '.join(also)})" if also else ""
        raise PermissionDenied(f"This action needs the {min_role} role or above{granted}")
    return actor


def require(min_role: str = "kitchen", also: tuple[str, ...] = ()):
    """Authenticated callers of `min_role` or above, or of a role in `also` (granted the
    route by name: STOCK_ROLES on the stock routes); the view receives `actor=`."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            kwargs["actor"] = authorize(min_role, also)
            return view(*args, **kwargs)

        wrapper._access = min_role
        wrapper._also = tuple(also)
        return wrapper

    return decorator


def public(view=None, *, identifies: bool = False):
    """No authentication needed. With `identifies`, a token (if sent) is still read and
    the view receives `actor=` (None for anonymous callers)."""

    def decorator(view):
        if identifies:
            @wraps(view)
            def wrapper(*args, **kwargs):
                kwargs["actor"] = current_actor(optional=True)
                return view(*args, **kwargs)

            wrapper._identifies = True  # the document adds the tenant header and TENANT_REQUIRED
        else:
            wrapper = view
        wrapper._access = "public"
        return wrapper

    return decorator(view) if view is not None else decorator


def sees_reviews() -> bool:
    """Whether this request's caller sees what awaits approval (managers and above);
    anonymous callers, cashiers and cooks see what the outlets sell."""
    actor = g.get("pos_actor")
    return actor is not None and actor.at_least("manager")


def install_jwt_handlers() -> None:
    """flask-jwt-extended's failures, in the contract's error body."""

    def reply(message, code):
        return error_body(401, message, code), 401

    jwt.unauthorized_loader(lambda reason: reply("Authentication credentials were not provided", "NOT_AUTHENTICATED"))
    jwt.invalid_token_loader(lambda reason: reply("Token is invalid", "TOKEN_INVALID"))
    jwt.expired_token_loader(lambda header, data: reply("Token has expired", "TOKEN_EXPIRED"))
    jwt.revoked_token_loader(lambda header, data: reply("Token has been revoked", "TOKEN_REVOKED"))
    jwt.needs_fresh_token_loader(lambda header, data: reply("A fresh login is required", "FRESH_TOKEN_REQUIRED"))
    jwt.user_lookup_error_loader(lambda header, data: reply("Account not found", "TOKEN_REVOKED"))
    jwt.token_verification_failed_loader(lambda header, data: reply("Token is invalid", "TOKEN_INVALID"))
    jwt.token_in_blocklist_loader(lambda header, data: auth_service.is_revoked(db.session, data["jti"],
                                                                               data.get("fam")))


def read_tenant(actor) -> int:
    """The tenant a catalog read is about: the caller's, or (anonymous) the one named."""
    if actor is not None and actor.tenant_id is not None:
        return actor.tenant_id
    raw = request.headers.get(TENANT_HEADER) or request.args.get("tenant_id")
    if not raw or not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise ValidationFailed("Name the tenant with X-Tenant-ID or ?tenant_id=", "TENANT_REQUIRED", "tenant_id")
    tenant = db.session.get(Tenant, int(raw))
    if tenant is None or not tenant.is_active:
        raise NotFound("Tenant", "TENANT_NOT_FOUND")
    return tenant.id
