"""Login at the outlet (password or PIN), offline; refresh and logout; who am I."""
from apiflask import APIBlueprint
from flask import current_app
from flask_jwt_extended import decode_token, get_jwt

from edge.api.access import public, require
from edge.api.schemas.auth import LoginIn, LoginOut, LogoutIn, RefreshIn, StaffOut, TokensOut, UserOut
from edge.api.tx import writes
from edge.extensions import db, limiter
from edge.models import User
from edge.services import auth as auth_service
from edge.services import outlet as outlet_settings

bp = APIBlueprint("auth", __name__, url_prefix="/api", tag="Auth")


def user_out(user) -> dict:
    outlet = outlet_settings.outlet(db.session)
    return {"id": user.id, "username": user.username, "role": user.role, "first_name": user.first_name,
            "last_name": user.last_name, "full_name": user.full_name, "outlet_id": outlet.id,
            "tenant_id": outlet.tenant_id, "has_pin": bool(user.pin_hash)}


@bp.post("/auth/login/")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               error_message="Too many login attempts; wait a minute and try again")
@public
@bp.input(LoginIn)
@bp.output(LoginOut)
def login(json_data):
    """Log in with username and password, or username and PIN. Works offline."""
    user = auth_service.authenticate(db.session, json_data["username"], password=json_data.get("password"),
                                     pin=json_data.get("pin"))
    outlet = outlet_settings.outlet(db.session)
    return {**auth_service.issue_tokens(user, outlet.id), "user": user_out(user)}


@bp.post("/auth/refresh/")
@writes
@public
@bp.input(RefreshIn)
@bp.output(TokensOut)
def refresh(json_data):
    """A new token pair for a refresh token, which then stops working."""
    return auth_service.rotate_refresh(db.session, json_data["refresh"], outlet_settings.outlet(db.session).id)


@bp.post("/auth/logout/")
@writes
@require("kitchen")
@bp.input(LogoutIn)
@bp.output({}, status_code=204)
def logout(json_data, actor):
    auth_service.revoke(db.session, get_jwt())
    if json_data.get("refresh"):
        try:
            claims = decode_token(json_data["refresh"])
        except Exception:  # an unusable refresh token is dead already
            claims = None
        if claims is not None and claims.get("sub") == str(actor.user_id):
            auth_service.revoke(db.session, claims)
    return ""


@bp.get("/auth/users/")
@public
@bp.output(StaffOut(many=True))
def staff():
    """Who can sign in at this outlet (names for the kiosk's tap-your-name screen; no
    secrets). Open on the LAN like the sign-in screen that shows them."""
    return auth_service.staff_list(db.session)


@bp.get("/users/me/")
@require("kitchen")
@bp.output(UserOut)
def me(actor):
    return user_out(db.session.get(User, actor.user_id))
