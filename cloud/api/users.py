"""Staff accounts: me, the tenant's users, password resets."""
from apiflask import APIBlueprint
from flask_jwt_extended import get_jwt

from cloud.api.access import require
from cloud.api.schemas.auth import ResetPasswordIn, UserOut
from cloud.api.schemas.common import MessageOut, list_schema
from cloud.api.schemas.users import MePatchIn, UserCreateIn, UserListQuery, UserPatchIn
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import User
from cloud.services import auth as auth_service
from cloud.services import users as user_service
from sync.web.lists import order_by, ordered_by, paginate, search_filter
from sync.web.openapi import refuses

bp = APIBlueprint("users", __name__, url_prefix="/api/users", tag="Users")

ORDERING = {"username": User.username, "created_at": User.created_at, "role": User.role,
            "last_login_at": User.last_login_at}


def _me():
    return auth_service.token_is_current(db.session, get_jwt())


@bp.get("/me/")
@require("kitchen")
@bp.output(UserOut)
def me(actor):
    """The logged-in user."""
    return _me()


@bp.patch("/me/")
@writes
@require("kitchen")
@bp.input(MePatchIn)
@bp.output(UserOut)
def update_me(json_data, actor):
    """Edit your own profile and PIN (not your role, tenant or outlet)."""
    user = _me()
    return user_service.update_user(db.session, actor, user, json_data)


@bp.get("/")
@require("manager")
@bp.input(ordered_by(UserListQuery, ORDERING), location="query")
@bp.output(list_schema(UserOut, "UserList"))
def list_users(query_data, actor):
    """Staff of the tenant (of your outlet, for outlet managers)."""
    stmt = user_service.users_query(actor)
    for name in ("role", "outlet_id", "is_active"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(User, name) == query_data[name])
    stmt = search_filter(stmt, query_data.get("search"), [User.username, User.first_name, User.last_name, User.email])
    stmt = order_by(stmt, query_data.get("ordering"), ORDERING, [User.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/")
@writes
@require("manager")
@bp.input(UserCreateIn)
@bp.output(UserOut, status_code=201)
@refuses(INVALID_OUTLET="outlet_id names no outlet of this tenant")
def create_user(json_data, actor):
    """Add a staff member with a role below your own."""
    return user_service.create_user(db.session, actor, json_data)


@bp.get("/<int:user_id>/")
@require("manager")
@bp.output(UserOut)
def get_user(user_id, actor):
    return user_service.get_user(db.session, actor, user_id)


@bp.patch("/<int:user_id>/")
@writes
@require("manager")
@bp.input(UserPatchIn)
@bp.output(UserOut)
@refuses(INVALID_OUTLET="outlet_id names no outlet of this tenant")
def update_user(user_id, json_data, actor):
    """Change a staff member's profile, role (below your own), outlet, PIN or status."""
    user = user_service.get_user(db.session, actor, user_id)
    return user_service.update_user(db.session, actor, user, json_data)


@bp.delete("/<int:user_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def deactivate_user(user_id, actor):
    """Deactivate a staff member (kept for the history of what they sold)."""
    user = user_service.get_user(db.session, actor, user_id)
    user_service.deactivate_user(db.session, actor, user)
    return ""


@bp.post("/<int:user_id>/unlock/")
@writes
@require("manager")
@bp.output(MessageOut)
def unlock(user_id, actor):
    """Lift the sign-in lock that failed tries put on a staff member (and forget them)."""
    user = user_service.get_user(db.session, actor, user_id)
    if user_service.unlock(db.session, actor, user):
        return {"message": f"Sign-in of {user.username} is unlocked"}
    return {"message": f"Sign-in of {user.username} was not locked"}


@bp.post("/<int:user_id>/reset-password/")
@writes
@require("manager")
@bp.input(ResetPasswordIn)
@bp.output(MessageOut)
def reset_password(user_id, json_data, actor):
    """Set a new password for a staff member; their sessions end."""
    user = user_service.get_user(db.session, actor, user_id)
    user_service.reset_password(db.session, actor, user, json_data["new_password"])
    return {"message": f"Password of {user.username} was reset"}
