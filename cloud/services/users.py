"""Staff accounts within a tenant: who may create, change and reset whom."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from cloud.models import Outlet, User
from cloud.services import audit, auth
from cloud.services.actor import Actor
from sync.errors import Conflict, Forbidden, Invalid, NotFound
from sync.timeutil import utcnow
from sync.vocab import PLATFORM_ROLES, ROLES

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")
PROFILE_FIELDS = ("email", "first_name", "last_name", "phone")


def check_username_format(username: str) -> None:
    if not USERNAME_RE.match(username):
        raise Invalid("Username is 3 to 80 letters, digits or _ . @ -", "INVALID_USERNAME", "username")


def check_username_free(session, username: str) -> None:
    check_username_format(username)
    if auth.find_user_by_username(session, username) is not None:
        raise Conflict(f"Username '{username}' is taken", "USERNAME_TAKEN", "username")


def _check_outlet(session, tenant_id: int | None, outlet_id: int | None) -> None:
    if outlet_id is None:
        return
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.tenant_id != tenant_id:
        raise Invalid("Outlet does not exist in this tenant", "INVALID_OUTLET", "outlet_id")


def _check_may_assign(actor: Actor, role: str) -> None:
    if role not in ROLES:
        raise Invalid(f"Role must be one of {', '.join(ROLES)}", "INVALID_ROLE", "role")
    if not actor.outranks(role):
        raise Forbidden(f"A {actor.role} cannot assign the {role} role", "ROLE_NOT_ALLOWED")


def create_user(session, actor: Actor, data: dict, *, tenant_id: int | None = None) -> User:
    role = data["role"]
    _check_may_assign(actor, role)
    tenant_id = None if role in PLATFORM_ROLES else tenant_id if tenant_id is not None else actor.require_tenant()
    outlet_id = data.get("outlet_id")
    if actor.outlet_id is not None:
        if outlet_id not in (None, actor.outlet_id):
            raise Forbidden("You may add staff only to your own outlet", "OUTLET_NOT_ALLOWED")
        outlet_id = actor.outlet_id
    _check_outlet(session, tenant_id, outlet_id)
    check_username_free(session, data["username"])
    user = User(
        tenant_id=tenant_id, outlet_id=outlet_id, username=data["username"], role=role,
        is_active=data.get("is_active", True),
        **{k: data[k] for k in PROFILE_FIELDS if data.get(k) is not None},
    )
    auth.set_password(user, data["password"], "password")
    if data.get("pin"):
        auth.set_pin(user, data["pin"])
    session.add(user)
    session.flush()
    if tenant_id is not None:
        audit.record(session, actor, "user_create", tenant_id=tenant_id, outlet_id=outlet_id, object_type="user",
                     object_id=user.id, after=_audited(user))
    return user


def _audited(user: User) -> dict:
    """What a user change is audited by: who they are, where, their role and profile (never a secret)."""
    return {"username": user.username, "role": user.role, "outlet_id": user.outlet_id, "is_active": user.is_active,
            **{key: getattr(user, key) for key in PROFILE_FIELDS}}


def users_query(actor: Actor):
    stmt = select(User).where(User.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(User.outlet_id == actor.outlet_id)
    return stmt


def get_user(session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if (user is None or user.tenant_id is None or user.tenant_id != actor.tenant_id
            or (actor.outlet_id is not None and user.outlet_id != actor.outlet_id)):
        raise NotFound("User")
    return user


def _check_may_manage(actor: Actor, user: User) -> None:
    if user.id == actor.user_id:
        return
    if not actor.outranks(user.role):
        raise Forbidden(f"A {actor.role} cannot manage a {user.role}", "ROLE_NOT_ALLOWED")


def update_user(session, actor: Actor, user: User, changes: dict) -> User:
    _check_may_manage(actor, user)
    before = _audited(user)
    if "role" in changes and changes["role"] != user.role:
        if user.id == actor.user_id:
            raise Forbidden("You cannot change your own role", "ROLE_NOT_ALLOWED")
        _check_may_assign(actor, changes["role"])
        if changes["role"] in PLATFORM_ROLES:
            raise Forbidden("Platform roles cannot be given to tenant staff", "ROLE_NOT_ALLOWED")
        user.role = changes["role"]
        user.tokens_valid_after = utcnow().replace(microsecond=0)
    if "outlet_id" in changes and changes["outlet_id"] != user.outlet_id:
        if actor.outlet_id is not None:
            raise Forbidden("Only tenant-wide managers can move staff between outlets", "OUTLET_NOT_ALLOWED")
        _check_outlet(session, user.tenant_id, changes["outlet_id"])
        user.outlet_id = changes["outlet_id"]
    if "is_active" in changes and changes["is_active"] != user.is_active:
        if user.id == actor.user_id:
            raise Forbidden("You cannot deactivate yourself", "ROLE_NOT_ALLOWED")
        user.is_active = changes["is_active"]
    if "username" in changes and changes["username"] != user.username:
        check_username_free(session, changes["username"])
        user.username = changes["username"]
    if "pin" in changes:
        auth.set_pin(user, changes["pin"])
    for key in PROFILE_FIELDS:
        if key in changes and changes[key] is not None:
            setattr(user, key, changes[key])
    session.flush()
    after = _audited(user)
    if user.tenant_id is not None and (after != before or "pin" in changes):
        changed = [key for key in after if after[key] != before[key]] + (["pin"] if "pin" in changes else [])
        audit.record(session, actor, "role_change" if "role" in changed else "user_change", tenant_id=user.tenant_id,
                     outlet_id=user.outlet_id, object_type="user", object_id=user.id,
                     before={k: before[k] for k in changed if k in before},
                     after={**{k: after[k] for k in changed if k in after}, **({"pin": "changed"} if "pin" in changed
                                                                               else {})})
    return user


def reset_password(session, actor: Actor, user: User, new_password: str) -> User:
    if user.id == actor.user_id:
        raise Forbidden("Use change-password for your own account", "USE_CHANGE_PASSWORD")
    _check_may_manage(actor, user)
    auth.set_password(user, new_password)
    session.flush()
    if user.tenant_id is not None:
        audit.record(session, actor, "password_reset", tenant_id=user.tenant_id, outlet_id=user.outlet_id,
                     object_type="user", object_id=user.id)
    return user


def unlock(session, actor: Actor, user: User) -> bool:
    """Lift a sign-in lock (sync/login_throttle.py) of someone the actor may manage."""
    _check_may_manage(actor, user)
    was_locked = auth.unlock(session, user.username)
    if user.tenant_id is not None:
        audit.record(session, actor, "user_unlock", tenant_id=user.tenant_id, outlet_id=user.outlet_id,
                     object_type="user", object_id=user.id, after={"was_locked": was_locked})
    return was_locked


def deactivate_user(session, actor: Actor, user: User) -> None:
    update_user(session, actor, user, {"is_active": False})


def count_by_role(session, tenant_id: int) -> dict:
    rows = session.execute(
        select(User.role, func.count()).where(User.tenant_id == tenant_id).group_by(User.role)
    ).all()
    return dict(rows)
