"""Sessions as token families at the cloud: a refresh token traded twice ends every token
of its session (the thief's and the owner's copies alike), and logging out ends the
session's refresh token even when the client does not send it. Other sessions of the
same user go on."""
from datetime import timedelta

from flask_jwt_extended import decode_token
from sqlalchemy import select

from cloud.extensions import db
from cloud.models import RevokedToken
from cloud.services import auth
from sync.timeutil import utcnow
from tests.cloud.factories import PASSWORD


def login(client, username="aa_manager"):
    return client.post("/api/auth/login/", json={"username": username, "password": PASSWORD}).json


def refresh(client, token):
    return client.post("/api/auth/refresh/", json={"refresh": token})


def me(client, access):
    return client.get("/api/users/me/", headers={"Authorization": f"Bearer {access}"}).status_code


def test_reusing_a_traded_refresh_token_ends_the_whole_session(client, world):
    first = login(client)
    second = refresh(client, first["refresh"]).json
    third = refresh(client, second["refresh"]).json
    reused = refresh(client, first["refresh"])
    assert (reused.status_code, reused.json["code"]) == (401, "TOKEN_REVOKED")
    assert refresh(client, third["refresh"]).status_code == 401
    assert me(client, third["access"]) == 401


def test_another_session_of_the_same_user_goes_on(client, world):
    stolen, other = login(client), login(client)
    refresh(client, stolen["refresh"])
    refresh(client, stolen["refresh"])  # reuse: the first session ends
    assert me(client, other["access"]) == 200 and refresh(client, other["refresh"]).status_code == 200


def test_logout_without_the_refresh_token_still_ends_it(client, world):
    session = login(client)
    out = client.post("/api/auth/logout/", json={}, headers={"Authorization": f"Bearer {session['access']}"})
    assert out.status_code == 200
    assert refresh(client, session["refresh"]).status_code == 401
    assert me(client, session["access"]) == 401


def test_logout_with_another_sessions_refresh_token_ends_that_session_too(client, world):
    here, there = login(client), login(client)
    out = client.post("/api/auth/logout/", json={"refresh": there["refresh"]},
                      headers={"Authorization": f"Bearer {here['access']}"})
    assert out.status_code == 200
    assert me(client, there["access"]) == 401 and refresh(client, there["refresh"]).status_code == 401


def test_revoking_a_token_that_already_is_says_so(app, client, world):
    """`revoke` answers False the second time: a refresh exchange that loses a race to
    another exchange of the same token learns it is a reuse (and revokes the family)."""
    token = login(client)["refresh"]
    with app.app_context():
        claims = decode_token(token)
        assert auth.revoke(db.session, claims, "rotated") is True
        assert auth.revoke(db.session, claims, "rotated") is False
        db.session.rollback()


def test_purging_removes_only_the_revocations_of_expired_tokens_and_counts_them(app):
    with app.app_context():
        now = utcnow()
        for jti, expires in (("dead", now - timedelta(minutes=1)), ("live", now + timedelta(hours=1))):
            db.session.add(RevokedToken(jti=jti, token_type="refresh", user_id=None, expires_at=expires,
                                        revoked_at=now, reason="logout"))
        db.session.flush()
        assert auth.purge_expired_revocations(db.session) == 1
        assert auth.purge_expired_revocations(db.session) == 0  # nothing left to purge
        assert db.session.execute(select(RevokedToken.jti)).scalars().all() == ["live"]
        db.session.rollback()
