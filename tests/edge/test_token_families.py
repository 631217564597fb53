"""Sessions as token families at the edge: a refresh token traded twice ends every token
of its session, logging out ends the session's refresh token even when the body leaves
it out, and a kitchen screen's sign-out is such a logout (tests/e2e covers the page).
An expired refresh token is refused."""
from datetime import UTC, datetime, timedelta

from flask_jwt_extended import decode_token
from sqlalchemy import update

from edge.extensions import db
from edge.models import User
from edge.services.syncing import mirror_cache
from tests.support.tokens import past_its_expiry


def login(client, **secret):
    return client.post("/api/auth/login/", json={"username": "kitchen", "password": "kitchen123", **secret}).json


def refresh(client, token):
    return client.post("/api/auth/refresh/", json={"refresh": token})


def me(client, access):
    return client.get("/api/users/me/", headers={"Authorization": f"Bearer {access}"}).status_code


def test_reusing_a_traded_refresh_token_ends_the_whole_session(client):
    first = login(client)
    second = refresh(client, first["refresh"]).json
    reused = refresh(client, first["refresh"])
    assert (reused.status_code, reused.json["code"]) == (401, "TOKEN_REVOKED")
    assert refresh(client, second["refresh"]).status_code == 401
    assert me(client, second["access"]) == 401


def test_another_session_goes_on(client):
    stolen, other = login(client), login(client)
    refresh(client, stolen["refresh"])
    refresh(client, stolen["refresh"])
    assert me(client, other["access"]) == 200 and refresh(client, other["refresh"]).status_code == 200


def test_an_expired_refresh_token_is_refused(edge_app, client):
    """The edge checks expiry with no leeway (its decode leeway is for clock steps back,
    sync/web/tokens.py): a refresh token past its `exp` by this clock is dead."""
    edge_app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(seconds=1)
    expired = login(client)
    past_its_expiry(expired["refresh"])
    refused = refresh(client, expired["refresh"])
    assert (refused.status_code, refused.json["code"]) == (401, "TOKEN_INVALID")
    edge_app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(hours=1)
    assert refresh(client, login(client)["refresh"]).status_code == 200  # a live one is taken


def test_logout_without_the_refresh_token_still_ends_it(client):
    session = login(client)
    out = client.post("/api/auth/logout/", json={}, headers={"Authorization": f"Bearer {session['access']}"})
    assert out.status_code == 204
    assert refresh(client, session["refresh"]).status_code == 401 and me(client, session["access"]) == 401


def test_an_access_token_is_refused_where_a_refresh_token_is_required(client):
    """An access token is the short-lived one: traded at the refresh endpoint it would
    outlive its own expiry, so it is refused there."""
    session = login(client)
    refused = refresh(client, session["access"])
    assert (refused.status_code, refused.json["code"]) == (401, "TOKEN_INVALID")


def test_a_traded_refresh_token_sent_again_and_again_is_refused_the_same_way_each_time(client):
    first = login(client)
    assert refresh(client, first["refresh"]).status_code == 200
    for _ in range(2):  # the second reuse finds its family already revoked
        reused = refresh(client, first["refresh"])
        assert (reused.status_code, reused.json["code"]) == (401, "TOKEN_REVOKED")


def test_a_token_issued_in_the_very_second_of_a_password_change_is_still_honoured(edge_app, client):
    """Token times are whole seconds (iat), so the cut-off is too: only tokens issued
    before the second of the change are refused, not one issued within it."""
    session = login(client)
    with edge_app.app_context():
        issued = datetime.fromtimestamp(decode_token(session["access"])["iat"], UTC).replace(tzinfo=None)
        db.session.execute(update(User).where(User.username == "kitchen").values(tokens_valid_after=issued))
        db.session.commit()
        mirror_cache.clear()
    assert me(client, session["access"]) == 200
