"""ViewLimiter: limits on views hold, and the per-request check runs only when a
request-wide limit exists for it to enforce."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter.util import get_remote_address

from sync.web.limits import ViewLimiter


def make_app(**limiter_options):
    app = Flask(__name__)
    limiter = ViewLimiter(key_func=get_remote_address, storage_uri="memory://", **limiter_options)
    limiter.init_app(app)

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited():
        return "ok"

    @app.get("/open")
    def open_view():
        return "ok"

    return app, limiter


def codes(client, path, times):
    return [client.get(path).status_code for _ in range(times)]


def test_a_limit_on_a_view_is_enforced():
    app, _ = make_app()
    assert codes(app.test_client(), "/limited", 3) == [200, 200, 429]


def test_a_view_without_a_limit_is_never_limited():
    app, _ = make_app()
    assert set(codes(app.test_client(), "/open", 20)) == {200}


def test_requests_without_request_wide_limits_resolve_no_limits(monkeypatch):
    app, limiter = make_app()
    resolved = []
    original = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *a, **k: resolved.append(a) or original(*a, **k))
    codes(app.test_client(), "/open", 3)
    assert resolved == []


def test_a_default_limit_still_applies_to_every_view():
    app, _ = make_app(default_limits=["3 per minute"])
    assert codes(app.test_client(), "/open", 4) == [200, 200, 200, 429]


def test_an_application_limit_still_applies_across_views():
    app, _ = make_app(application_limits=["3 per minute"])
    client = app.test_client()
    assert codes(client, "/open", 2) + codes(client, "/limited", 2) == [200, 200, 200, 429]


def test_a_blueprint_limit_added_after_init_applies():
    app, limiter = make_app()
    shop = Blueprint("shop", __name__)

    @shop.get("/shop")
    def shop_view():
        return "ok"

    limiter.limit("2 per minute")(shop)
    app.register_blueprint(shop)
    assert codes(app.test_client(), "/shop", 3) == [200, 200, 429]


def test_the_check_runs_when_the_library_keeps_its_limits_elsewhere(monkeypatch):
    app, limiter = make_app()
    resolved = []
    original = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *a, **k: resolved.append(a) or original(*a, **k))
    monkeypatch.delattr(limiter.limit_manager, "_blueprint_limits")
    codes(app.test_client(), "/open", 1)
    assert resolved
