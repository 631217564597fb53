"""The idempotency store holds no secrets and replays nothing to a caller the view would
refuse: answers carrying tokens or device credentials are kept sealed (only the same
request opens them), fingerprints are keyed by the app's secret, and a revoked token or
a demoted user gets a 401 or 403, not the stored answer."""
import hashlib

from sqlalchemy import select

from cloud.extensions import db
from cloud.models import IdempotencyRecord, Outlet, User
from cloud.services import auth, enrollment
from tests.cloud.factories import PASSWORD


def stored(app) -> list[IdempotencyRecord]:
    with app.app_context():
        rows = db.session.execute(select(IdempotencyRecord)).scalars().all()
        db.session.expunge_all()
        return rows


def test_a_login_answer_is_stored_sealed_and_replays_to_the_same_request(app, client, world):
    body = {"username": "aa_manager", "password": PASSWORD}
    first = client.post("/api/auth/login/", json=body, headers={"Idempotency-Key": "login-1"})
    (row,) = stored(app)
    assert row.response_body.startswith("sealed:v1:") and first.json["access"] not in row.response_body
    assert "eyJhbGciOiJIUzI1NiIs" not in row.response_body and "aa_manager" not in row.response_body
    material = f'POST /api/auth/login/\n{{"password":"{PASSWORD}","username":"aa_manager"}}'
    assert row.fingerprint != hashlib.sha256(material.encode()).hexdigest()  # not a plain hash of the password
    again = client.post("/api/auth/login/", json=body, headers={"Idempotency-Key": "login-1"})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["access"] == first.json["access"]
    guess = client.post("/api/auth/login/", json={**body, "password": "guess"}, headers={"Idempotency-Key": "login-1"})
    assert guess.status_code == 422


def test_refresh_registration_and_enrollment_answers_are_sealed(app, client, world):
    login = client.post("/api/auth/login/", json={"username": "aa_manager", "password": PASSWORD})
    refresh_token = login.json["refresh"]
    client.post("/api/auth/refresh/", json={"refresh": refresh_token}, headers={"Idempotency-Key": "r-1"})
    client.post("/api/auth/register/", headers={"Idempotency-Key": "reg-1"}, json={
        "username": "new_owner", "password": "Str0ng-password", "password_confirm": "Str0ng-password",
        "store_name": "New Store"})
    with app.app_context():
        key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, world.a.outlet_id), None)
        db.session.commit()
    enrolled = client.post("/api/sync/enroll/", json={"enrollment_key": key, "device_name": "till"},
                           headers={"Idempotency-Key": "enr-1"})
    assert enrolled.status_code == 201
    rows = stored(app)
    assert len(rows) == 3
    for row in rows:
        assert row.response_body.startswith("sealed:v1:")
        assert "eyJhbGciOiJIUzI1NiIs" not in row.response_body and "dev_" not in row.response_body


def test_a_revoked_token_replays_nothing(client, world):
    headers = {**world.headers("cashier"), "Idempotency-Key": "cust-1"}
    body = {"name": "Walk In", "phone": "0813 0000 1111"}
    assert client.post("/api/customers/", json=body, headers=headers).status_code == 201
    assert client.post("/api/auth/logout/", json={}, headers=world.headers("cashier")).status_code == 200
    replay = client.post("/api/customers/", json=body, headers=headers)
    assert replay.status_code == 401 and "Idempotent-Replayed" not in replay.headers


def test_a_demoted_user_replays_nothing_of_what_their_old_role_did(app, client, world):
    body = {"name": "Drinks"}
    first = client.post("/api/categories/", json=body, headers={**world.headers("manager"), "Idempotency-Key": "c-1"})
    assert first.status_code == 201
    with app.app_context():
        user = db.session.get(User, world.a.users["manager"])
        user.role = "cashier"
        db.session.commit()
        token = auth.issue_tokens(user)["access"]
    replay = client.post("/api/categories/", json=body,
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "c-1"})
    assert replay.status_code == 403 and "Idempotent-Replayed" not in replay.headers
