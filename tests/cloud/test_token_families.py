"""Sessions as token families at the cloud: a refresh token traded twice ends every token
of its session (the thief's and the owner's copies alike), and logging out ends the
session's refresh token even when the client does not send it. Other sessions of the
same user go on."""
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
