"""Guessing a PIN at the till: per username (known or not) the first wrong tries are
free, each one after that makes the next wait longer, ten in a row lock the name until
a manager at the outlet unlocks it or the lock runs out; an unknown username costs a
hash check like a known one, and a user without a PIN one too. The sign-in screen's
staff list says who works here, not who has a PIN."""
from datetime import timedelta

import pytest

from edge.extensions import db
from edge.models import LoginThrottle
from sync import passwords
from sync.timeutil import utcnow


def pin_login(client, pin, username="cashier"):
    return client.post("/api/auth/login/", json={"username": username, "pin": pin})


@pytest.fixture
def no_waiting(edge_app):
    edge_app.config["LOGIN_MAX_DELAY_S"] = 0
    return edge_app


def test_after_the_free_tries_the_next_must_wait_even_with_the_right_pin(client):
    for pin in ("1111", "2222", "3333", "4444"):
        assert pin_login(client, pin).status_code == 401
    waiting = pin_login(client, "1234")
    assert (waiting.status_code, waiting.json["code"]) == (429, "LOGIN_THROTTLED")
    assert int(waiting.headers["Retry-After"]) >= 1


def test_ten_wrong_pins_lock_the_name_until_a_manager_unlocks_it(client, cashier, manager, no_waiting):
    for n in range(10):
        assert pin_login(client, f"{5000 + n}").status_code == 401
    locked = pin_login(client, "1234")
    assert (locked.status_code, locked.json["code"]) == (429, "LOGIN_LOCKED")
    assert cashier.post("/api/auth/unlock/", {"username": "cashier"}).status_code == 403
    unlocked = manager.post("/api/auth/unlock/", {"username": "CASHIER"})
    assert unlocked.status_code == 200 and unlocked.json == {"username": "CASHIER", "was_locked": True}
    assert pin_login(client, "1234").status_code == 200


def test_a_lock_is_recorded_and_runs_out(edge_app, client, no_waiting):
    for n in range(10):
        pin_login(client, f"{6000 + n}")
    with edge_app.app_context():
        row = db.session.get(LoginThrottle, "cashier")
        assert row.locked_at is not None and row.locks == 1
        row.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert pin_login(client, "1234").status_code == 200


def test_an_unknown_username_answers_exactly_like_a_known_one(client, no_waiting):
    answers = {name: [(r.status_code, r.json["code"]) for r in (pin_login(client, f"{7000 + n}", name)
                                                                  for n in range(11))]
               for name in ("cashier", "nobody")}
    assert answers["cashier"] == answers["nobody"] and answers["nobody"][-1] == (429, "LOGIN_LOCKED")


def test_unknown_names_and_users_without_a_pin_cost_one_hash_check(client, monkeypatch):
    checks = []
    real = passwords.verify_secret
    monkeypatch.setattr(passwords, "verify_secret",
                        lambda hashed, secret: checks.append(hashed) or real(hashed, secret))
    pin_login(client, "9999", "nobody")
    pin_login(client, "9999", "kitchen")  # the cook has a password, no PIN
    assert checks == [passwords.dummy_hash("fast")] * 2


def test_the_staff_list_does_not_say_who_has_a_pin(client):
    assert all(set(member) == {"username", "full_name", "role"} for member in client.get("/api/auth/users/").json)
