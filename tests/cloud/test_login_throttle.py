"""Guessing a password or PIN at the cloud: per username (known or not) the first wrong
tries are free, each one after that makes the next wait longer, and ten in a row lock
the name until a manager unlocks it or the lock runs out; a lock is recorded. Unknown
usernames cost a hash check like known ones and get the same answers. Changing one's
password is limited like a login, and a wrong current password counts as a failure.
Registration says a username is taken only to a registration that would otherwise work."""
import logging
from datetime import timedelta

import pytest

from cloud.extensions import db
from cloud.models import LoginThrottle
from sync import passwords
from sync.timeutil import utcnow
from tests.cloud.factories import PASSWORD, build_world

WRONG = "wrong-password-1"


def login(client, username, password=PASSWORD):
    return client.post("/api/auth/login/", json={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def no_waiting(app):
    """Failures lock after ten but cost no delay in between, so a test needs no clock."""
    app.config["LOGIN_MAX_DELAY_S"] = 0
    return app


def test_after_the_free_tries_the_next_must_wait_even_with_the_right_password(client, world):
    for _ in range(3):
        assert login(client, "aa_cashier", WRONG).status_code == 401
    assert login(client, "aa_cashier", WRONG).status_code == 401  # the fourth failure: now a delay applies
    waiting = login(client, "aa_cashier")
    assert (waiting.status_code, waiting.json["code"], waiting.json["field"]) == (429, "LOGIN_THROTTLED", "username")
    assert int(waiting.headers["Retry-After"]) >= 1


def test_ten_failures_in_a_row_lock_the_name_until_a_manager_unlocks_it(client, world, no_waiting, caplog):
    caplog.set_level(logging.WARNING, logger="sync.login_throttle")
    for _ in range(10):
        assert login(client, "aa_cashier", WRONG).status_code == 401
    locked = login(client, "aa_cashier")
    assert (locked.status_code, locked.json["code"]) == (429, "LOGIN_LOCKED")
    assert "aa_cashier" in caplog.text and "locked" in caplog.text
    cashier_id = world.a.users["cashier"]
    assert client.post(f"/api/users/{cashier_id}/unlock/", headers=world.headers("cashier")).status_code == 403
    unlocked = client.post(f"/api/users/{cashier_id}/unlock/", headers=world.headers("manager"))
    assert unlocked.status_code == 200 and "unlocked" in unlocked.json["message"]
    assert login(client, "aa_cashier").status_code == 200


def test_the_lockout_is_recorded_and_runs_out(app, client, world, no_waiting):
    for _ in range(10):
        login(client, "aa_cashier", WRONG)
    with app.app_context():
        row = db.session.get(LoginThrottle, "aa_cashier")
        assert row.locked_at is not None and row.locks == 1 and row.locked_until > utcnow()
        row.locked_until = utcnow() - timedelta(seconds=1)  # the lock's time has passed
        db.session.commit()
    assert login(client, "aa_cashier").status_code == 200
    with app.app_context():
        assert db.session.get(LoginThrottle, "aa_cashier") is None  # a right answer forgets it all


def test_an_unknown_username_locks_and_answers_exactly_like_a_known_one(client, world, no_waiting):
    answers = {}
    for name in ("aa_cashier", "nobody_here"):
        answers[name] = [(r.status_code, r.json["code"], r.json["message"]) for r in
                         (login(client, name, WRONG) for _ in range(11))]
    assert answers["aa_cashier"] == answers["nobody_here"]
    assert answers["nobody_here"][-1][:2] == (429, "LOGIN_LOCKED")


def test_an_unknown_username_costs_one_hash_check_like_a_known_one(client, world, monkeypatch):
    checks = []
    real = passwords.verify_secret
    monkeypatch.setattr(passwords, "verify_secret",
                        lambda hashed, secret: checks.append(hashed) or real(hashed, secret))
    login(client, "nobody_here", WRONG)
    login(client, "aa_cashier", WRONG)
    assert len(checks) == 2 and checks[0] == passwords.dummy_hash("fast") and checks[1].startswith("$argon2")


def test_a_wrong_current_password_counts_against_the_name(client, world, no_waiting):
    token = login(client, "aa_manager").json["access"]
    for _ in range(10):
        response = client.post("/api/auth/change-password/", headers=bearer(token),
                               json={"old_password": WRONG, "new_password": "An0ther-password"})
        assert response.status_code == 400 and response.json["code"] == "WRONG_PASSWORD"
    locked = client.post("/api/auth/change-password/", headers=bearer(token),
                         json={"old_password": PASSWORD, "new_password": "An0ther-password"})
    assert (locked.status_code, locked.json["code"]) == (429, "LOGIN_LOCKED")


def test_changing_the_password_is_rate_limited_like_login(make_cloud_app):
    app = make_cloud_app(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    world = build_world(app)
    token = world.headers("manager")
    codes = [client.post("/api/auth/change-password/", headers=token,
                         json={"old_password": WRONG, "new_password": "An0ther-password"}).status_code
             for _ in range(4)]
    assert codes[-1] == 429 and 429 not in codes[:3]


NEW_OWNER = {"password": "Str0ng-password", "password_confirm": "Str0ng-password", "store_name": "Probe Store"}


@pytest.mark.parametrize("change, code", [({"password": "x", "password_confirm": "x"}, "WEAK_PASSWORD"),
                                          ({"password_confirm": "Other-password1"}, "PASSWORD_MISMATCH"),
                                          ({"store_slug": "aa-foods"}, None)])
def test_registration_checks_everything_else_before_saying_a_name_is_taken(client, world, change, code):
    response = client.post("/api/auth/register/", json={**NEW_OWNER, "username": "aa_manager", **change})
    assert response.json["code"] != "USERNAME_TAKEN"
    if code:
        assert (response.status_code, response.json["code"]) == (400, code)


def test_only_a_registration_that_would_succeed_learns_the_name_is_taken(client, world):
    response = client.post("/api/auth/register/", json={**NEW_OWNER, "username": "aa_manager"})
    assert (response.status_code, response.json["code"]) == (409, "USERNAME_TAKEN")
