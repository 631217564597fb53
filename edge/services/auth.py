"""Offline login at the outlet against the users pulled from the cloud, and the
edge's own tokens (signed with this edge's secret, bound to its outlet).

As on the cloud: wrong passwords and PINs count against the username (backoff, then a
lock a manager can lift; sync/login_throttle.py), an unknown username costs the same
time as a known one, and tokens come in families: a refresh token used twice, or a
logout, ends every token of its session.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import func, select

from edge.context import running_app
from edge.models import LoginThrottle, RevokedToken, User
from edge.services import audit
from edge.services.storage.uow import after_commit
from edge.services.syncing import mirror_cache
from sync import login_throttle, passwords
from sync.errors import NotAuthenticated, TooManyAttempts
from sync.roles import OUTLET_ROLES
from sync.timeutil import utcnow

FAMILY_PREFIX = "family:"  # a revoked family is a RevokedToken row with this jti


class LoginFailed(NotAuthenticated):
    """Wrong credentials; the caller records the failure (`record_failure`) in a write of its own."""

    def __init__(self, secret: str = "password"):
        # one vague answer for every failure: unknown user, wrong secret, inactive
        super().__init__(f"The username or {secret} is not right; try again", "INVALID_CREDENTIALS")


class RefreshReused(NotAuthenticated):
    """A traded refresh token came back: its family is revoked, and the revocation is
    committed although the request fails."""

    keeps_writes = True

    def __init__(self):
        super().__init__("Refresh token has been revoked", "TOKEN_REVOKED")


def _claims(user: User, outlet_id: int, family: str) -> dict:
    return {"role": user.role, "outlet_id": outlet_id, "username": user.username, "fam": family}


def issue_tokens(user: User, outlet_id: int, family: str | None = None) -> dict:
    """An access/refresh pair; without `family`, the first of a new session."""
    claims = _claims(user, outlet_id, family or uuid.uuid4().hex)
    return {
        "access": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh": create_refresh_token(identity=str(user.id), additional_claims=claims),
    }


def staff_list(session) -> list[dict]:
    """Names for the kiosk's tap-your-name tiles: who can sign in here, not how (whether
    someone has a PIN is not said: the sign-in form offers both)."""
    users = session.execute(select(User).where(User.is_active.is_(True), User.role.in_(OUTLET_ROLES))
                            .order_by(User.first_name, User.username)).scalars()
    return [{"username": u.username, "full_name": u.full_name, "role": u.role} for u in users]


def _policy() -> login_throttle.ThrottlePolicy:
    return login_throttle.ThrottlePolicy.from_config(running_app().config)


def record_failure(session, username: str, terminal: int | None = None) -> None:
    """Count a wrong password or PIN, audited (`login_failed`; `login_locked` too when
    this try locked the username)."""
    now = utcnow()
    login_throttle.record_failure(session, LoginThrottle, _policy(), username, now)
    user = find_user(session, username)
    name = login_throttle.key_of(username)
    audit.record(session, "login_failed", user_id=user.id if user else None, username=name, terminal=terminal,
                 object_type="user", object_id=user.id if user else "")
    locked = login_throttle.locked_until(session, LoginThrottle, username, now)
    if locked is not None:
        audit.record(session, "login_locked", user_id=user.id if user else None, username=name, terminal=terminal,
                     object_type="user", object_id=user.id if user else "",
                     after={"locked_until": locked.isoformat(timespec="seconds") + "Z"})


def record_login(session, user: User, terminal: int | None = None) -> None:
    """A successful sign-in: its failed tries forgotten, the sign-in audited (`login`)."""
    forget_failures(session, user.username)
    audit.record(session, "login", user_id=user.id, terminal=terminal, object_type="user", object_id=user.id)


def forget_failures(session, username: str) -> bool:
    """After a right answer, or a manager's unlock. True if there was anything."""
    return login_throttle.clear(session, LoginThrottle, username)


def unlock(session, username: str, *, by_user_id: int, terminal: int | None = None) -> bool:
    """A manager lifts a username's lock: audited (`user_unlock`) with who did it and whether
    there was anything to lift. True if there was."""
    was_locked = forget_failures(session, username)
    user = find_user(session, username)
    audit.record(session, "user_unlock", user_id=by_user_id, terminal=terminal, object_type="user",
                 object_id=user.id if user else username.strip().lower(), after={"was_locked": was_locked})
    return was_locked


def has_failures(session, username: str) -> bool:
    return session.get(LoginThrottle, login_throttle.key_of(username)) is not None


def find_user_by_id(session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id else None


def find_user(session, username: str) -> User | None:
    wanted = username.strip().lower()
    return session.execute(select(User).where(func.lower(User.username) == wanted)).scalar_one_or_none()


def authenticate(session, username: str, *, password: str | None = None, pin: str | None = None) -> User:
    """The user these credentials belong to. Reads only: the caller writes the failure
    count (`record_failure`, `forget_failures`), outside the slow hash check."""
    refusal = login_throttle.check(session, LoginThrottle, _policy(), username, utcnow())
    if refusal is not None:
        raise TooManyAttempts(refusal.message, refusal.code, "username", retry_after_s=refusal.retry_after_s)
    user = find_user(session, username)
    stored = None if user is None else (user.password_hash if password is not None else user.pin_hash)
    ok = passwords.check_secret(stored, password if password is not None else pin,
                                running_app().config["PASSWORD_HASH_PROFILE"])
    if user is None or not ok or not user.is_active or user.role not in OUTLET_ROLES:
        raise LoginFailed("password" if password is not None else "PIN")
    return user


def _naive(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


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
    cache = running_app().extensions.setdefault("pos_revoked_jti", {})
    if "jtis" not in cache:
        cache["jtis"] = set(session.execute(select(RevokedToken.jti).where(RevokedToken.expires_at > utcnow()))
                            .scalars())
    return cache["jtis"]


def current_user(session, claims: dict, outlet_id: int) -> StaffMember | None:
    """The token's user if the token is still honoured here (neither it nor its family revoked)."""
    revoked = _revoked(session)
    if (claims.get("outlet_id") != outlet_id or claims.get("jti", "") in revoked
            or FAMILY_PREFIX + str(claims.get("fam")) in revoked):
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


def decode_refresh(token: str) -> dict:
    try:
        claims = decode_token(token)
    except Exception:  # any malformed, expired or foreign token
        raise NotAuthenticated("Refresh token is invalid or expired", "TOKEN_INVALID") from None
    if claims.get("type") != "refresh":
        raise NotAuthenticated("A refresh token is required", "TOKEN_INVALID")
    return claims


def rotate_refresh(session, token: str, outlet_id: int) -> dict:
    """A new pair of the same family; the old refresh token dies. A dead one used again
    revokes its whole family."""
    claims = decode_refresh(token)
    if claims.get("jti", "") in _revoked(session) or session.get(RevokedToken, claims.get("jti", "")) is not None:
        revoke_family(session, claims)
        raise RefreshReused()
    user = current_user(session, claims, outlet_id)
    if user is None:
        raise NotAuthenticated("Refresh token has been revoked", "TOKEN_REVOKED")
    _record_revocation(session, claims["jti"], _naive(claims["exp"]))
    return issue_tokens(session.get(User, user.id), outlet_id, claims.get("fam"))


def _record_revocation(session, jti: str, expires_at: datetime) -> None:
    session.add(RevokedToken(jti=jti, expires_at=expires_at))
    session.flush()
    revoked = _revoked(session)
    after_commit(lambda: revoked.add(jti))


def revoke(session, claims: dict) -> None:
    if session.get(RevokedToken, claims["jti"]) is None:
        _record_revocation(session, claims["jti"], _naive(claims["exp"]))


def revoke_family(session, claims: dict) -> None:
    """End every token of the claims' session (kept until the longest-lived one expires)."""
    family = claims.get("fam")
    if not family or session.get(RevokedToken, FAMILY_PREFIX + family) is not None:
        return
    config = running_app().config
    lifetime = max(config["JWT_REFRESH_TOKEN_EXPIRES"], config["JWT_ACCESS_TOKEN_EXPIRES"])
    _record_revocation(session, FAMILY_PREFIX + family, utcnow() + lifetime)
