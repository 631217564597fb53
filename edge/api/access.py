"""Authentication at the edge: tokens this edge issued, for users pulled from the cloud,
bound to this outlet. `require("cashier")` passes an `Actor` to the view."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import request
from flask_jwt_extended import get_jwt, verify_jwt_in_request

from edge.extensions import db, jwt
from edge.services import auth as auth_service
from edge.services.syncing import outlet as outlet_settings
from sync.roles import allows, at_least
from sync.web.access import public  # noqa: F401  (the edge's views import it from here)
from sync.web.errors import (
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
    error_body,
)

TERMINAL_HEADER = "X-Terminal-ID"


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: str
    outlet_id: int
    terminal: int

    def at_least(self, role: str) -> bool:
        return at_least(self.role, role)


def terminal_number() -> int:
    raw = request.headers.get(TERMINAL_HEADER, "1")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 99:
        raise ValidationFailed(f"{TERMINAL_HEADER} must be a terminal number from 1 to 99", "INVALID_TERMINAL",
                               TERMINAL_HEADER)
    return int(raw)


def current_actor() -> Actor:
    verify_jwt_in_request()
    claims = get_jwt()
    outlet_id = outlet_settings.outlet(db.session).id
    user = auth_service.current_user(db.session, claims, outlet_id)
    if user is None:
        raise NotAuthenticated("Token has been revoked or the account is inactive", "TOKEN_REVOKED")
    return Actor(user.id, user.username, user.role, outlet_id, terminal_number())


def authorize(min_role: str, also: tuple[str, ...] = ()) -> Actor:
    """The caller, if authenticated with `min_role` or above, or with one of the roles in
    `also` (401 or 403 otherwise)."""
    actor = current_actor()
    if not allows(actor.role, min_role, also):
        granted = f" (or {', '.join(also)})" if also else ""
        raise PermissionDenied(f"This action needs the {min_role} role or above{granted}")
    return actor


def require(min_role: str = "kitchen", also: tuple[str, ...] = ()):
    """`also`: roles granted the route beside the rank (STOCK_ROLES on the stock routes)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            kwargs["actor"] = authorize(min_role, also)
            return view(*args, **kwargs)

        wrapper._access = min_role
        wrapper._also = tuple(also)
        return wrapper

    return decorator




def install_jwt_handlers() -> None:
    def reply(message, code):
        return error_body(401, message, code), 401

    jwt.unauthorized_loader(lambda reason: reply("Authentication credentials were not provided", "NOT_AUTHENTICATED"))
    jwt.invalid_token_loader(lambda reason: reply("Token is invalid", "TOKEN_INVALID"))
    jwt.expired_token_loader(lambda header, data: reply("Token has expired", "TOKEN_EXPIRED"))
    jwt.revoked_token_loader(lambda header, data: reply("Token has been revoked", "TOKEN_REVOKED"))
    jwt.token_verification_failed_loader(lambda header, data: reply("Token is invalid", "TOKEN_INVALID"))
