"""Login, token issue and rotation, logout and revocation, password changes."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import PyJWTError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from cloud.models import RevokedToken, Tenant, User
from sync import passwords
from sync.timeutil import utcnow
from sync.web.errors import APIError, NotAuthenticated, ValidationFailed


def _claims(user: User) -> dict:
    return {"role": user.role, "tenant_id": user.tenant_id, "outlet_id": user.outlet_id,
            "username": user.username}


def issue_tokens(user: User) -> dict:
    identity = str(user.id)
    claims = _claims(user)
    return {
        "access": create_access_token(identity=identity, additional_claims=claims),
        "refresh": create_refresh_token(identity=identity, additional_claims=claims),
    }


def find_user_by_username(session, username: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).scalar_one_or_none()


def authenticate(session, username: str, password: str | None = None, pin: str | None = None) -> User:
    """The active user these credentials belong to; one vague error for every failure."""
    user = find_user_by_username(session, username)
    secret_hash = None
    secret = password if password is not None else pin
    if user is not None:
        secret_hash = user.password_hash if password is not None else user.pin_hash
    ok = passwords.verify_secret(secret_hash, secret)
    if user is None or not ok or not user.is_active or not _tenant_active(session, user):
        raise NotAuthenticated("The username or password is not right; try again", "INVALID_CREDENTIALS")
    user.last_login_at = utcnow()
    return user


def _tenant_active(session, user: User) -> bool:
    """Staff of a deactivated tenant are locked out with it (platform staff have none)."""
    if user.tenant_id is None:
        return True
    tenant = session.get(Tenant, user.tenant_id)
    return tenant is not None and tenant.is_active


def _as_naive_utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)


def token_is_current(session, claims: dict) -> User | None:
    """The token's user if the token is still honoured: user active, not revoked, and
    issued after the last password change."""
    if is_revoked(session, claims.get("jti", "")):
        return None
    try:
        user = session.get(User, int(claims["sub"]))
    except (KeyError, ValueError, TypeError):
        return None
    if user is None or not user.is_active or not _tenant_active(session, user):
        return None
    if user.tokens_valid_after and _as_naive_utc(claims.get("iat", 0)) < user.tokens_valid_after.replace(microsecond=0):
        return None
    return user


def is_revoked(session, jti: str) -> bool:
    return session.get(RevokedToken, jti) is not None


def revoke(session, claims: dict, reason: str) -> bool:
    """Record a token as revoked. False if it already was (a reused refresh token)."""
    jti = claims["jti"]
    if session.get(RevokedToken, jti) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(RevokedToken(
                jti=jti, token_type=claims.get("type", "access"), user_id=int(claims["sub"]),
                expires_at=_as_naive_utc(claims["exp"]), revoked_at=utcnow(), reason=reason,
            ))
    except IntegrityError:  # a concurrent request revoked it first
        return False
    return True


def decode_refresh(token: str) -> dict:
    try:
        claims = decode_token(token)
    except PyJWTError:
        raise NotAuthenticated("Refresh token is invalid or expired", "TOKEN_INVALID") from None
    except Exception:  # flask_jwt_extended's own errors (wrong type, missing claims)
        raise NotAuthenticated("Refresh token is invalid or expired", "TOKEN_INVALID") from None
    if claims.get("type") != "refresh":
        raise NotAuthenticated("A refresh token is required", "TOKEN_INVALID")
    return claims


def rotate_refresh(session, token: str) -> dict:
    """Exchange a refresh token for a new pair; the old one dies with the exchange."""
    claims = decode_refresh(token)
    user = token_is_current(session, claims)
    if user is None:
        raise NotAuthenticated("Refresh token has been revoked", "TOKEN_REVOKED")
    if not revoke(session, claims, "rotated"):
        raise NotAuthenticated("Refresh token has been revoked", "TOKEN_REVOKED")
    return issue_tokens(user)


def logout(session, access_claims: dict, refresh_token: str | None) -> None:
    revoke(session, access_claims, "logout")
    if refresh_token:
        claims = decode_refresh(refresh_token)
        if claims.get("sub") != access_claims.get("sub"):
            raise ValidationFailed("Refresh token belongs to another user", "TOKEN_MISMATCH", "refresh")
        revoke(session, claims, "logout")


def purge_expired_revocations(session) -> int:
    """Revocations of expired tokens are dead weight: the expiry already refuses them."""
    result = session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    return result.rowcount or 0


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    problem = passwords.password_problem(new_password)
    if problem:
        raise ValidationFailed(problem, "WEAK_PASSWORD", field)
    user.password_hash = passwords.hash_secret(new_password, current_app.config["PASSWORD_HASH_PROFILE"])
    # Tokens issued before this moment stop working (second precision, like JWT iat).
    user.tokens_valid_after = utcnow().replace(microsecond=0)


def set_pin(user: User, pin: str | None) -> None:
    if pin is None:
        user.pin_hash = None
        return
    problem = passwords.pin_problem(pin)
    if problem:
        raise ValidationFailed(problem, "INVALID_PIN", "pin")
    user.pin_hash = passwords.hash_secret(pin, current_app.config["PASSWORD_HASH_PROFILE"])


def change_own_password(user: User, old_password: str, new_password: str) -> None:
    if not passwords.verify_secret(user.password_hash, old_password):
        raise APIError("Current password is incorrect", "WRONG_PASSWORD", "old_password", status=400)
    if old_password == new_password:
        raise ValidationFailed("New password must differ from the current one", "PASSWORD_UNCHANGED", "new_password")
    set_password(user, new_password)
