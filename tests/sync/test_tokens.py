"""sync.web.tokens: a token is verified once per key, its expiry on every use."""
import time
from datetime import timedelta

import flask_jwt_extended.jwt_manager as jwt_manager
from flask import Flask, jsonify
from flask_jwt_extended import create_access_token, get_jwt, jwt_required

from sync.web.tokens import VerifyOnceJWTManager


def _app(manager: VerifyOnceJWTManager, secret: str) -> Flask:
    app = Flask(__name__)
    app.config.update(JWT_SECRET_KEY=secret, JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=5))
    manager.init_app(app)

    @app.get("/me")
    @jwt_required()
    def me():
        return jsonify(sub=get_jwt()["sub"], outlet=get_jwt()["outlet_id"])

    return app


def _token(app: Flask, expires=None) -> str:
    with app.app_context():
        return create_access_token("7", additional_claims={"outlet_id": 3}, expires_delta=expires or False)


def _get(app: Flask, token: str):
    return app.test_client().get("/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_is_verified_once_and_its_claims_reused(monkeypatch):
    manager = VerifyOnceJWTManager()
    app = _app(manager, "k" * 32)
    token = _token(app, timedelta(minutes=5))
    real, calls = jwt_manager._decode_jwt, []
    monkeypatch.setattr(jwt_manager, "_decode_jwt", lambda **kw: calls.append(1) or real(**kw))
    first, second = _get(app, token), _get(app, token)
    assert first.status_code == second.status_code == 200
    assert second.get_json() == {"sub": "7", "outlet": 3}
    assert len(calls) == 1


def test_a_kept_token_is_refused_once_it_expires():
    manager = VerifyOnceJWTManager()
    app = _app(manager, "k" * 32)
    token = _token(app, timedelta(seconds=1))
    assert _get(app, token).status_code == 200
    time.sleep(1.2)
    answer = _get(app, token)
    assert answer.status_code == 401
    assert "expired" in answer.get_json()["msg"].lower()


def test_a_token_kept_under_one_key_is_not_accepted_under_another():
    manager = VerifyOnceJWTManager()  # one manager, two apps: as the tests' many edges share one
    first, second = _app(manager, "a" * 32), _app(manager, "b" * 32)
    token = _token(first, timedelta(minutes=5))
    assert _get(first, token).status_code == 200
    assert _get(second, token).status_code == 422  # the library's answer to a bad signature


def test_a_kept_token_is_not_read_again(monkeypatch):
    import jwt as pyjwt
    manager = VerifyOnceJWTManager()
    app = _app(manager, "k" * 32)
    token = _token(app, timedelta(minutes=5))
    real, reads = pyjwt.get_unverified_header, []
    monkeypatch.setattr(pyjwt, "get_unverified_header", lambda t: reads.append(t) or real(t))
    assert _get(app, token).status_code == 200
    reads.clear()
    assert _get(app, token).status_code == 200
    assert reads == []
