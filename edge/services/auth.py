"""Offline login at the outlet against the users pulled from the cloud, and the
edge's own tokens (signed with this edge's secret, bound to its outlet)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import func, select

from edge.models import RevokedToken, User
from sync import passwords
from sync.roles import OUTLET_ROLES
from sync.web.errors import NotAuthenticated


def _claims(user: User, outlet_id: int) -> dict:
    return {"role": user.role, "outlet_id": outlet_id, "username": user.username}


def issue_tokens(user: User, outlet_id: int) -> dict:
    return {
        "access": create_access_token(identity=str(user.id), additional_claims=_claims(user, outlet_id)),
        "refresh": create_refresh_token(identity=str(user.id), additional_claims=_claims(user, outlet_id)),
    }


def find_user(session, username: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.username) == username.strip().lower())).scalar_one_or_none()


def authenticate(session, username: str, *, password: str | None = None, pin: str | None = None) -> User:
    user = find_user(session, username)
    stored = None if user is None else (user.password_hash if password is not None else user.pin_hash)
    ok = passwords.verify_secret(stored, password if password is not None else pin)
    if user is None or not ok or not user.is_active or user.role not in OUTLET_ROLES:
        raise NotAuthenticated("Invalid username or credentials", "INVALID_CREDENTIALS")
    return user


def _naive(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)


def current_user(session, claims: dict, outlet_id: int) -> User | None:
    """The token's user if the token is still honoured here."""
    if claims.get("outlet_id") != outlet_id or session.get(RevokedToken, claims.get("jti", "")) is not None:
        return None
    try:
        user = session.get(User, int(claims["sub"]))
    except (KeyError, TypeError, ValueError):
        return None
    if user is None or not user.is_active or user.role not in OUTLET_ROLES:
        return None
    if user.tokens_valid_after and _naive(claims.get("iat", 0)) < user.tokens_valid_after.replace(microsecond=0):
        return None
    return user


def rotate_refresh(session, token: str, outlet_id: int) -> dict:
    try:
        claims = decode_token(token)
    except Exception:  # any malformed, expired or foreign token
        raise NotAuthenticated("Refresh token is invalid or expired", "TOKEN_INVALID") from None
    if claims.get("type") != "refresh":
        raise NotAuthenticated("A refresh token is required", "TOKEN_INVALID")
    user = current_user(session, claims, outlet_id)
    if user is None:
        raise NotAuthenticated("Refresh token has been revoked", "TOKEN_REVOKED")
    session.add(RevokedToken(jti=claims["jti"], expires_at=_naive(claims["exp"])))
    session.flush()
    return issue_tokens(user, outlet_id)


def revoke(session, claims: dict) -> None:
    if session.get(RevokedToken, claims["jti"]) is None:
        session.add(RevokedToken(jti=claims["jti"], expires_at=_naive(claims["exp"])))
        session.flush()
