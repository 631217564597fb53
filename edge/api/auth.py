"""Login at the outlet (password or PIN), offline; refresh and logout; who am I."""
from apiflask import APIBlueprint
from flask import current_app
from flask_jwt_extended import get_jwt

from edge.api.access import public, require, terminal_number
from edge.api.schemas.auth import (
    LoginIn,
    LoginOut,
    LogoutIn,
    RefreshIn,
    StaffOut,
    TokensOut,
    UnlockIn,
    UnlockOut,
    UserOut,
)
from edge.api.tx import secret_answer, writes
from edge.extensions import db, limiter
from edge.models import User
from edge.services import auth as auth_service
from edge.services.storage.uow import write_transaction
from edge.services.syncing import outlet as outlet_settings
from sync.web.errors import NotAuthenticated, ValidationFailed

bp = APIBlueprint("auth", __name__, url_prefix="/api", tag="Auth")


def user_out(user) -> dict:
    outlet = outlet_settings.outlet(db.session)
    return {"id": user.id, "username": user.username, "role": user.role, "first_name": user.first_name,
            "last_name": user.last_name, "full_name": user.full_name, "outlet_id": outlet.id,
            "tenant_id": outlet.tenant_id, "has_pin": bool(user.pin_hash)}


def _terminal_or_none() -> int | None:
    """The terminal a sign-in came from, for its audit record (a bad header does not
    stop a sign-in)."""
    try:
        return terminal_number()
    except ValidationFailed:
        return None


@bp.post("/auth/login/")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               error_message="Too many login attempts; wait a minute and try again")
@public
@bp.input(LoginIn)
@bp.output(LoginOut)
@bp.doc(responses={429: "Too many tries from this address, or for this username (LOGIN_THROTTLED, LOGIN_LOCKED)"})
def login(json_data):
    """Log in with username and password, or username and PIN. Works offline. Wrong tries
    slow the username down and, after several in a row, lock it until a manager unlocks
    it or the lock runs out."""
    username = json_data["username"]
    try:
        user = auth_service.authenticate(db.session, username, password=json_data.get("password"),
                                         pin=json_data.get("pin"))
    except auth_service.LoginFailed:
        db.session.rollback()
        with write_transaction() as session:  # the hash check ran outside the write gate
            auth_service.record_failure(session, username, _terminal_or_none())
        raise
    db.session.rollback()
    with write_transaction() as session:
        auth_service.record_login(session, user, _terminal_or_none())
    outlet = outlet_settings.outlet(db.session)
    return {**auth_service.issue_tokens(user, outlet.id), "user": user_out(user)}


@bp.post("/auth/refresh/")
@writes
@public
@secret_answer
@bp.input(RefreshIn)
@bp.output(TokensOut)
def refresh(json_data):
    """A new token pair for a refresh token, which then stops working; using it again
    ends its whole session (every token of its family)."""
    return auth_service.rotate_refresh(db.session, json_data["refresh"], outlet_settings.outlet(db.session).id)


@bp.post("/auth/logout/")
@writes
@require("kitchen")
@bp.input(LogoutIn)
@bp.output({}, status_code=204)
def logout(json_data, actor):
    """End this session: the access token and every token of its family, so its refresh
    token too (sent or not); a refresh token of another session, if given, too."""
    claims = get_jwt()
    auth_service.revoke(db.session, claims)
    auth_service.revoke_family(db.session, claims)
    if json_data.get("refresh"):
        try:
            other = auth_service.decode_refresh(json_data["refresh"])
        except NotAuthenticated:  # an unusable refresh token is dead already
            other = None
        if other is not None and other.get("sub") == str(actor.user_id):
            auth_service.revoke(db.session, other)
            auth_service.revoke_family(db.session, other)
    return ""


@bp.post("/auth/unlock/")
@writes
@require("manager")
@bp.input(UnlockIn)
@bp.output(UnlockOut)
def unlock(json_data, actor):
    """Lift the lock (and forget the failed tries) that wrong passwords or PINs put on a
    username at this outlet."""
    return {"username": json_data["username"],
            "was_locked": auth_service.unlock(db.session, json_data["username"], by_user_id=actor.user_id,
                                              terminal=actor.terminal)}


@bp.get("/auth/users/")
@public
@bp.output(StaffOut(many=True))
def staff():
    """Who can sign in at this outlet: names and roles for the kiosk's tap-your-name
    screen, nothing about how (no secrets, not who has a PIN). Open on the LAN like the
    sign-in screen that shows them."""
    return auth_service.staff_list(db.session)


@bp.get("/users/me/")
@require("kitchen")
@bp.output(UserOut)
def me(actor):
    return user_out(db.session.get(User, actor.user_id))
