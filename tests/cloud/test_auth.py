"""Login, token rotation and revocation, registration, passwords."""
from datetime import timedelta

import pytest

from cloud import create_app
from cloud.extensions import db
from cloud.models import User
from tests.cloud.factories import PASSWORD
from tests.support.tokens import past_its_expiry


def login(client, username, password=PASSWORD):
    return client.post("/api/auth/login/", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_tokens_and_the_user(client, world):
    response = login(client, "aa_cashier")
    assert response.status_code == 200
    body = response.json
    assert body["access"] and body["refresh"]
    assert body["user"]["username"] == "aa_cashier"
    assert body["user"]["role"] == "cashier"
    assert body["user"]["tenant_id"] == world.a.tenant_id
    assert body["user"]["outlet_id"] == world.a.outlet_id


def test_wrong_password_is_refused_in_the_contract_error_format(client, world):
    response = login(client, "aa_cashier", "nope-nope")
    assert response.status_code == 401
    assert response.json == {"error": "AuthenticationError",
                             "message": "The username or password is not right; try again",
                             "field": None, "code": "INVALID_CREDENTIALS"}


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, world):
    assert login(client, "ghost", "whatever1").json["code"] == "INVALID_CREDENTIALS"


def test_inactive_user_cannot_log_in(app, client, world):
    with app.app_context():
        db.session.get(User, world.a.users["cashier"]).is_active = False
        db.session.commit()
    assert login(client, "aa_cashier").status_code == 401


def test_deactivated_user_token_stops_working(app, client, world):
    headers = world.headers("cashier")
    assert client.get("/api/users/me/", headers=headers).status_code == 200
    with app.app_context():
        db.session.get(User, world.a.users["cashier"]).is_active = False
        db.session.commit()
    assert client.get("/api/users/me/", headers=headers).status_code == 401


def test_refresh_rotates_and_a_used_refresh_token_is_dead(client, world):
    tokens = login(client, "aa_manager").json
    first = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json["refresh"] != tokens["refresh"]
    again = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert again.status_code == 401
    assert again.json["code"] == "TOKEN_REVOKED"
    # the reuse ended the whole session, the pair it was traded for included (test_token_families.py)
    assert client.post("/api/auth/refresh/", json={"refresh": first.json["refresh"]}).status_code == 401


def test_an_expired_refresh_token_is_refused(app, client, world):
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(seconds=1)
    tokens = login(client, "aa_manager").json
    past_its_expiry(tokens["refresh"])
    refused = client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]})
    assert (refused.status_code, refused.json["code"]) == (401, "TOKEN_INVALID")
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(hours=1)
    current = login(client, "aa_manager").json  # the same request with a live token is taken
    assert client.post("/api/auth/refresh/", json={"refresh": current["refresh"]}).status_code == 200


def test_an_access_token_cannot_be_used_to_refresh(client, world):
    tokens = login(client, "aa_manager").json
    response = client.post("/api/auth/refresh/", json={"refresh": tokens["access"]})
    assert response.status_code == 401


def test_logout_revokes_access_and_refresh(client, world):
    tokens = login(client, "aa_manager").json
    out = client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens["access"]))
    assert out.status_code == 200
    assert client.get("/api/users/me/", headers=bearer(tokens["access"])).status_code == 401
    assert client.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}).status_code == 401


def test_revocations_survive_a_restart(make_cloud_app, world):
    first = make_cloud_app()
    client = first.test_client()
    tokens = login(client, "aa_manager").json
    client.post("/api/auth/logout/", json={"refresh": tokens["refresh"]}, headers=bearer(tokens["access"]))
    restarted = make_cloud_app().test_client()
    assert restarted.get("/api/users/me/", headers=bearer(tokens["access"])).status_code == 401
    assert restarted.post("/api/auth/refresh/", json={"refresh": tokens["refresh"]}).status_code == 401


def test_me_shows_tenant_and_outlet(client, world):
    body = client.get("/api/users/me/", headers=world.headers("kitchen")).json
    assert body["role"] == "kitchen"
    assert body["tenant_id"] == world.a.tenant_id
    assert body["outlet_id"] == world.a.outlet_id


def test_missing_token_is_401_in_contract_format(client, world):
    response = client.get("/api/users/me/")
    assert response.status_code == 401
    assert set(response.json) >= {"error", "message", "field", "code"}


def test_garbage_token_is_401(client, world):
    assert client.get("/api/users/me/", headers=bearer("not.a.token")).status_code == 401


def test_change_password_kills_old_tokens_and_returns_new_ones(client, world):
    tokens = login(client, "aa_cashier").json
    changed = client.post("/api/auth/change-password/", headers=bearer(tokens["access"]),
                          json={"old_password": PASSWORD, "new_password": "brand-new-pass"})
    assert changed.status_code == 200
    assert client.get("/api/users/me/", headers=bearer(changed.json["access"])).status_code == 200
    assert login(client, "aa_cashier", "brand-new-pass").status_code == 200
    assert login(client, "aa_cashier").status_code == 401


def test_change_password_needs_the_current_password(client, world):
    response = client.post("/api/auth/change-password/", headers=world.headers("cashier"),
                           json={"old_password": "wrong-one", "new_password": "brand-new-pass"})
    assert response.status_code == 400
    assert response.json["code"] == "WRONG_PASSWORD"


def test_weak_new_password_is_refused(client, world):
    response = client.post("/api/auth/change-password/", headers=world.headers("cashier"),
                           json={"old_password": PASSWORD, "new_password": "short"})
    assert response.status_code == 400
    assert response.json["code"] == "WEAK_PASSWORD"


def test_manager_resets_a_cashier_password(client, world):
    response = client.post(f"/api/users/{world.a.users['cashier']}/reset-password/",
                           headers=world.headers("manager"), json={"new_password": "reset-by-boss"})
    assert response.status_code == 200
    assert login(client, "aa_cashier", "reset-by-boss").status_code == 200


def test_manager_cannot_reset_the_owner(client, world):
    response = client.post(f"/api/users/{world.a.users['tenant_owner']}/reset-password/",
                           headers=world.headers("manager"), json={"new_password": "reset-by-boss"})
    assert response.status_code == 403


def test_cashier_cannot_reset_passwords(client, world):
    response = client.post(f"/api/users/{world.a.users['kitchen']}/reset-password/",
                           headers=world.headers("cashier"), json={"new_password": "reset-by-boss"})
    assert response.status_code == 403


def test_login_is_rate_limited(make_cloud_app, world):
    client = make_cloud_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    codes = [login(client, "aa_cashier", "wrong-pass").status_code for _ in range(4)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429
    limited = login(client, "aa_cashier")
    assert limited.status_code == 429
    assert limited.json["code"] == "RATE_LIMITED"
    assert limited.json["error"] == "RateLimited"
    assert limited.json["message"] == "Too many login attempts; wait a minute and try again"


def test_owner_self_registration_creates_tenant_owner_and_tokens(client):
    response = client.post("/api/auth/register/", json={
        "username": "owner1", "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        "first_name": "Ivan", "store_name": "My Store", "store_slug": "my-store",
    })
    assert response.status_code == 201
    body = response.json
    assert body["user"]["role"] == "tenant_owner"
    assert body["tenant"]["slug"] == "my-store"
    assert body["user"]["tenant_id"] == body["tenant"]["id"]
    me = client.get("/api/users/me/", headers=bearer(body["tokens"]["access"]))
    assert me.json["username"] == "owner1"


def test_registration_checks_password_confirmation(client):
    response = client.post("/api/auth/register/", json={
        "username": "owner1", "password": "SecurePass123!", "password_confirm": "Different123!",
        "store_name": "My Store"})
    assert response.status_code == 400
    assert response.json["field"] == "password_confirm"


def test_registration_refuses_a_taken_username_or_slug(client, world):
    taken = client.post("/api/auth/register/", json={
        "username": "aa_cashier", "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        "store_name": "Another"})
    assert taken.status_code == 409
    slug = client.post("/api/auth/register/", json={
        "username": "fresh_owner", "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        "store_name": "Another", "store_slug": "aa-foods"})
    assert slug.status_code == 409
    assert slug.json["code"] == "SLUG_TAKEN"


def test_registration_without_slug_makes_one(client):
    body = client.post("/api/auth/register/", json={
        "username": "owner2", "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        "store_name": "Warung Bu Sri"}).json
    assert body["tenant"]["slug"] == "warung-bu-sri"


def test_passwords_are_stored_as_argon2id_hashes(app, world):
    with app.app_context():
        user = db.session.get(User, world.a.users["cashier"])
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize("secret", ["", "short", "changeme"])
def test_cloud_refuses_to_start_without_a_strong_secret(secret, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        create_app({"JWT_SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "DEBUG": False, "DEMO": False, "TESTING": False})
    assert "POS_JWT_SECRET" in str(stopped.value)


def test_demo_mode_starts_with_a_generated_secret(tmp_path):
    app = create_app({"JWT_SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "DEMO": True})
    assert len(app.config["JWT_SECRET_KEY"]) >= 32
