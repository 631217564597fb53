"""Offline login at the outlet against the users pulled from the cloud, and the
edge's own tokens (signed with this edge's secret, bound to its outlet)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import func, select

from edge.models import RevokedToken, User
from edge.services import mirror_cache
from edge.services.uow import after_commit
from sync import passwords
from sync.timeutil import utcnow
from sync.roles import OUTLET_ROLES
from sync.web.errors import NotAuthenticated


def _claims(user: User, outlet_id: int) -> dict:
    return {"role": user.role, "outlet_id": outlet_id, "username": user.username}


def issue_tokens(user: User, outlet_id: int) -> dict:
    return {
        "access": create_access_token(identity=str(user.id), additional_claims=_claims(user, outlet_id)),
        "refresh": create_refresh_token(identity=str(user.id), additional_claims=_claims(user, outlet_id)),
    }


def staff_list(session) -> list[dict]:
    users = session.execute(select(User).where(User.is_active.is_(True), User.role.in_(OUTLET_ROLES))
                            .order_by(User.first_name, User.username)).scalars()
    return [{"username": u.username, "full_name": u.full_name, "role": u.role, "has_pin": bool(u.pin_hash)}
            for u in users]


def find_user_by_id(session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id else None


def find_user(session, username: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.username) == username.strip().lower())).scalar_one_or_none()


def authenticate(session, username: str, *, password: str | None = None, pin: str | None = None) -> User:
    user = find_user(session, username)
    stored = None if user is None else (user.password_hash if password is not None else user.pin_hash)
    ok = passwords.verify_secret(stored, password if password is not None else pin)
    if user is None or not ok or not user.is_active or user.role not in OUTLET_ROLES:
        secret = "password" if password is not None else "PIN"  # one vague answer for every failure
        raise NotAuthenticated(f"The username or {secret} is not right; try again", "INVALID_CREDENTIALS")
    return user


def _naive(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class StaffMember:
    """What every request needs to know about its user, kept in memory between pulls."""

    id: int
    username: str
    role: str
    is_active: bool
    tokens_valid_after: datetime | None


def _staff(session) -> dict[int, StaffMember]:
    return mirror_cache.get("staff", lambda: {
        u.id: StaffMember(u.id, u.username, u.role, u.is_active, u.tokens_valid_after)
        for u in session.execute(select(User)).scalars()})


def _revoked(session) -> set[str]:
    """Revoked token ids of this edge (only this process revokes them)."""
    cache = current_app.extensions.setdefault("pos_revoked_jti", {})
    if "jtis" not in cache:
        cache["jtis"] = set(session.execute(select(RevokedToken.jti).where(RevokedToken.expires_at > utcnow()))
                            .scalars())
    return cache["jtis"]


def current_user(session, claims: dict, outlet_id: int) -> StaffMember | None:
    """The token's user if the token is still honoured here."""
    if claims.get("outlet_id") != outlet_id or claims.get("jti", "") in _revoked(session):
        return None
    try:
        user = _staff(session).get(int(claims["sub"]))
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
    _record_revocation(session, claims)
    return issue_tokens(session.get(User, user.id), outlet_id)


def _record_revocation(session, claims: dict) -> None:
    session.add(RevokedToken(jti=claims["jti"], expires_at=_naive(claims["exp"])))
    session.flush()
    revoked = _revoked(session)
    after_commit(lambda: revoked.add(claims["jti"]))


def revoke(session, claims: dict) -> None:
    if session.get(RevokedToken, claims["jti"]) is None:
        _record_revocation(session, claims)
