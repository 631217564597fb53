"""Login, token refresh and logout, owner self-registration, password changes."""
from apiflask import APIBlueprint
from flask import current_app
from flask_jwt_extended import get_jwt

from cloud.api import security
from cloud.api.access import current_actor, public, require
from cloud.api.schemas.auth import (
    ChangePasswordIn,
    LoginIn,
    LoginOut,
    LogoutIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    TokensOut,
)
from cloud.api.schemas.common import MessageOut
from cloud.api.tx import secret_answer, writes
from cloud.extensions import db, limiter
from cloud.services import auth as auth_service
from cloud.services import registration
from sync.web.openapi import refuses

bp = APIBlueprint("auth", __name__, url_prefix="/api/auth", tag="Auth")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/login/")
@limiter.limit(_login_limit, error_message="Too many login attempts; wait a minute and try again")
@writes
@public
@secret_answer
@bp.input(LoginIn)
@bp.output(LoginOut)
@bp.doc(responses={429: "Too many tries from this address, or for this username (LOGIN_THROTTLED, LOGIN_LOCKED)"})
def login(json_data):
    """Log in with username and password; returns an access/refresh token pair. Wrong
    tries slow the username down and, after several in a row, lock it for a while."""
    user = auth_service.authenticate(db.session, json_data["username"], json_data["password"])
    security.note_caller(user.id, user.username, user.tenant_id)  # the request log's row says who signed in
    return {**auth_service.issue_tokens(user), "user": user}


@bp.post("/refresh/")
@writes
@public
@secret_answer
@bp.input(RefreshIn)
@bp.output(TokensOut)
def refresh(json_data):
    """Exchange a refresh token for a new pair; the old refresh token stops working, and
    using it again ends the whole session (every token of its family)."""
    return auth_service.rotate_refresh(db.session, json_data["refresh"])


@bp.post("/logout/")
@writes
@require("kitchen")
@bp.input(LogoutIn)
@bp.output(MessageOut)
def logout(json_data, actor):
    """End this session: the access token and every token of its family, so its refresh
    token too (sent or not); a refresh token of another session, if given, too."""
    auth_service.logout(db.session, get_jwt(), json_data.get("refresh"))
    return {"message": "Logged out"}


@bp.post("/register/")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"],
               error_message="Too many registrations from this address; try again later")
@writes
@public
@secret_answer
@bp.input(RegisterIn)
@bp.output(RegisterOut, status_code=201)
@refuses(PASSWORD_MISMATCH="password_confirm differs from password")
def register(json_data):
    """Owner self-registration: creates a tenant (store) and its owner, and logs in."""
    return registration.register_owner(db.session, json_data)


@bp.post("/change-password/")
@limiter.limit(_login_limit, error_message="Too many password changes; wait a minute and try again")
@writes
@require("kitchen")
@secret_answer
@bp.input(ChangePasswordIn)
@bp.output(TokensOut)
@bp.doc(responses={429: "Too many tries from this address, or for this username (LOGIN_THROTTLED, LOGIN_LOCKED)"})
@refuses(WRONG_PASSWORD="old_password is not the current password (counts as a failed sign-in)",
          PASSWORD_UNCHANGED="new_password equals the current one")
def change_password(json_data, actor):
    """Change your own password. Older tokens stop working; a fresh pair is returned.
    A wrong current password counts like a failed login, and is limited like one."""
    user = auth_service.token_is_current(db.session, get_jwt())
    auth_service.change_own_password(db.session, user, json_data["old_password"], json_data["new_password"])
    db.session.flush()
    return auth_service.issue_tokens(user)


__all__ = ["bp", "current_actor"]
