"""Login, token issue and rotation, logout and revocation, password changes.

Tokens come in families: a login starts one, and every pair a refresh token is traded
for stays in it. A refresh token used a second time means a copy is in someone else's
hands, so the whole family is revoked (both holders must sign in again); logging out
ends the family too, so the session's refresh token dies even if the client forgets to
send it. Wrong passwords count against the username (sync/login_throttle.py).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import PyJWTError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from cloud.context import running_app
from cloud.models import LoginThrottle, RevokedToken, Tenant, User
from cloud.services import audit
from cloud.services.actor import Actor
from sync import login_throttle, passwords
from sync.errors import Invalid, NotAuthenticated, TooManyAttempts
from sync.timeutil import utcnow

FAMILY_PREFIX = "family:"  # a revoked family is a RevokedToken row with this jti


class LoginFailed(NotAuthenticated):
    """Wrong credentials: counted against the username, and the count is committed
    although the request fails."""

    keeps_writes = True

    def __init__(self):
        super().__init__("The username or password is not right; try again", "INVALID_CREDENTIALS")


def _claims(user: User, family: str) -> dict:
    return {"role": user.role, "tenant_id": user.tenant_id, "outlet_id": user.outlet_id,
            "username": user.username, "fam": family}


def issue_tokens(user: User, family: str | None = None) -> dict:
    """An access/refresh pair; without `family`, the first of a new session."""
    identity = str(user.id)
    claims = _claims(user, family or uuid.uuid4().hex)
    return {
        "access": create_access_token(identity=identity, additional_claims=claims),
        "refresh": create_refresh_token(identity=identity, additional_claims=claims),
    }


def _policy() -> login_throttle.ThrottlePolicy:
    return login_throttle.ThrottlePolicy.from_config(running_app().config)


def refuse_if_throttled(session, username: str) -> None:
    """429 while the username waits after failures or is locked; its secret is not checked."""
    refusal = login_throttle.check(session, LoginThrottle, _policy(), username, utcnow())
    if refusal is not None:
        raise TooManyAttempts(refusal.message, refusal.code, "username", retry_after_s=refusal.retry_after_s)


def record_failure(session, username: str) -> None:
    login_throttle.record_failure(session, LoginThrottle, _policy(), username, utcnow())


def unlock(session, username: str) -> bool:
    """A manager lifts a lock (and forgets the failures). True if there was anything."""
    return login_throttle.clear(session, LoginThrottle, username)


def locked_until(session, username: str) -> datetime | None:
    return login_throttle.locked_until(session, LoginThrottle, username, utcnow())


def find_user_by_username(session, username: str) -> User | None:
    return session.execute(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).scalar_one_or_none()


def authenticate(session, username: str, password: str | None = None, pin: str | None = None) -> User:
    """The active user these credentials belong to; one vague error for every failure,
    in the same time whether the username exists or not (a dummy hash is checked)."""
    refuse_if_throttled(session, username)
    user = find_user_by_username(session, username)
    secret_hash = None
    secret = password if password is not None else pin
    if user is not None:
        secret_hash = user.password_hash if password is not None else user.pin_hash
    ok = passwords.check_secret(secret_hash, secret, running_app().config["PASSWORD_HASH_PROFILE"])
    if user is None or not ok or not user.is_active or not _tenant_active(session, user):
        record_failure(session, username)
        if user is not None and user.tenant_id is not None:  # a name no one has belongs to no tenant's trail
            audit.record(session, None, "login_failed", tenant_id=user.tenant_id, outlet_id=user.outlet_id,
                         object_type="user", object_id=user.id, username=user.username)
            locked = locked_until(session, username)
            if locked is not None:  # this try locked the username: audited once, with until when
                audit.record(session, None, "login_locked", tenant_id=user.tenant_id, outlet_id=user.outlet_id,
                             object_type="user", object_id=user.id, username=user.username,
                             after={"locked_until": locked.isoformat(timespec="seconds") + "Z"})
        raise LoginFailed()
    login_throttle.clear(session, LoginThrottle, username)
    user.last_login_at = utcnow()
    if user.tenant_id is not None:
        who = Actor(user.id, user.username, user.role, user.tenant_id, user.outlet_id)  # the one who just logged in
        audit.record(session, who, "login", tenant_id=user.tenant_id, outlet_id=user.outlet_id, object_type="user",
                     object_id=user.id)
    return user


def _tenant_active(session, user: User) -> bool:
    """Staff of a deactivated tenant are locked out with it (platform staff have none)."""
    if user.tenant_id is None:
        return True
    tenant = session.get(Tenant, user.tenant_id)
    return tenant is not None and tenant.is_active


def _as_naive_utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)


def token_is_current(session, claims: dict) -> User | None:
    """The token's user if the token is still honoured: user active, neither the token
    nor its family revoked, and issued after the last password change."""
    if is_revoked(session, claims.get("jti", ""), claims.get("fam")):
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


def is_revoked(session, jti: str, family: str | None = None) -> bool:
    ids = [jti, FAMILY_PREFIX + family] if family else [jti]
    return session.execute(select(RevokedToken.jti).where(RevokedToken.jti.in_(ids)).limit(1)).first() is not None


def _add_revocation(session, jti: str, kind: str, user_id: int, expires_at: datetime, reason: str) -> bool:
    if session.get(RevokedToken, jti) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(RevokedToken(jti=jti, token_type=kind, user_id=user_id, expires_at=expires_at,
                                     revoked_at=utcnow(), reason=reason))
    except IntegrityError:  # a concurrent request revoked it first
        return False
    return True


def revoke(session, claims: dict, reason: str) -> bool:
    """Record a token as revoked. False if it already was (a reused refresh token)."""
    return _add_revocation(session, claims["jti"], claims.get("type", "access"), int(claims["sub"]),
                           _as_naive_utc(claims["exp"]), reason)


def revoke_family(session, claims: dict, reason: str) -> None:
    """End every token of the claims' session (kept until the longest-lived one expires)."""
    family = claims.get("fam")
    if not family:
        return
    config = running_app().config
    lifetime = max(config["JWT_REFRESH_TOKEN_EXPIRES"], config["JWT_ACCESS_TOKEN_EXPIRES"])
    _add_revocation(session, FAMILY_PREFIX + family, "family", int(claims["sub"]), utcnow() + lifetime, reason)


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


class RefreshReused(NotAuthenticated):
    """A refresh token came back after it was traded: its family is revoked, and the
    revocation is committed although the request fails."""

    keeps_writes = True

    def __init__(self):
        super().__init__("Refresh token has been revoked", "TOKEN_REVOKED")


def rotate_refresh(session, token: str) -> dict:
    """Exchange a refresh token for a new pair of the same family; the old one dies with
    the exchange. A dead one used again revokes its whole family."""
    claims = decode_refresh(token)
    if is_revoked(session, claims["jti"]):
        revoke_family(session, claims, "reuse")
        raise RefreshReused()
    user = token_is_current(session, claims)
    if user is None:
        raise NotAuthenticated("Refresh token has been revoked", "TOKEN_REVOKED")
    if not revoke(session, claims, "rotated"):  # a concurrent exchange of the same token won
        revoke_family(session, claims, "reuse")
        raise RefreshReused()
    return issue_tokens(user, claims.get("fam"))


def logout(session, access_claims: dict, refresh_token: str | None) -> None:
    """End this session: its access token and its family (so its refresh token too,
    sent or not); a refresh token of another session of the same user, if sent, too."""
    revoke(session, access_claims, "logout")
    revoke_family(session, access_claims, "logout")
    if refresh_token:
        claims = decode_refresh(refresh_token)
        if claims.get("sub") != access_claims.get("sub"):
            raise Invalid("Refresh token belongs to another user", "TOKEN_MISMATCH", "refresh")
        revoke(session, claims, "logout")
        if claims.get("fam") != access_claims.get("fam"):
            revoke_family(session, claims, "logout")


def purge_expired_revocations(session) -> int:
    """Revocations of expired tokens are dead weight: the expiry already refuses them."""
    result = session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    return result.rowcount or 0


def set_password(user: User, new_password: str, field: str = "new_password") -> None:
    problem = passwords.password_problem(new_password)
    if problem:
        raise Invalid(problem, "WEAK_PASSWORD", field)
    user.password_hash = passwords.hash_secret(new_password, running_app().config["PASSWORD_HASH_PROFILE"])
    # Tokens issued before this moment stop working (second precision, like JWT iat).
    user.tokens_valid_after = utcnow().replace(microsecond=0)


def set_pin(user: User, pin: str | None) -> None:
    if pin is None:
        user.pin_hash = None
        return
    problem = passwords.pin_problem(pin)
    if problem:
        raise Invalid(problem, "INVALID_PIN", "pin")
    user.pin_hash = passwords.hash_secret(pin, running_app().config["PASSWORD_HASH_PROFILE"])


class WrongPassword(Invalid):
    """The current password was wrong: counted against the username like a failed login."""

    keeps_writes = True

    def __init__(self):
        super().__init__("Current password is incorrect", "WRONG_PASSWORD", "old_password")


def change_own_password(session, user: User, old_password: str, new_password: str) -> None:
    refuse_if_throttled(session, user.username)
    if not passwords.verify_secret(user.password_hash, old_password):
        record_failure(session, user.username)
        raise WrongPassword()
    if old_password == new_password:
        raise Invalid("New password must differ from the current one", "PASSWORD_UNCHANGED", "new_password")
    set_password(user, new_password)
    if user.tenant_id is not None:  # audited (`password_change`), never the password itself
        audit.record(session, Actor(user.id, user.username, user.role, user.tenant_id, user.outlet_id),
                     "password_change", tenant_id=user.tenant_id, outlet_id=user.outlet_id, object_type="user",
                     object_id=user.id)
