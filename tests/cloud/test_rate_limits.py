"""Rate limits by endpoint type (brief 004, issue 21): public requests per address,
authenticated ones per user, exports and imports in a bucket of their own, webhooks and
the edges' sync unlimited; every limited answer says its limit, what is left, when it
resets and its window, and a 429 says when to retry."""
from __future__ import annotations

import math
import time
from datetime import UTC

import pytest
import requests

from cloud.extensions import db
from cloud.models import LoginThrottle
from tests.cloud.factories import PASSWORD, build_world
from tests.cloud.test_drain_ingest import Outlet_
from tests.support.processes import Cloud

A, B = {"REMOTE_ADDR": "198.51.100.1"}, {"REMOTE_ADDR": "198.51.100.2"}


@pytest.fixture
def limited(make_cloud_app):
    """An app with small limits, and its world."""

    def make(**limits):
        app = make_cloud_app(**limits)
        return app, app.test_client(), build_world(app)

    return make


def menu(client, world, address):
    return client.get("/api/categories/", headers={"X-Tenant-ID": str(world.a.tenant_id)}, environ_base=address)


def assert_refused(response, limit: int, window: int):
    assert response.status_code == 429
    assert response.json["error"] == "RateLimited" and {"error", "message", "field", "code"} <= set(response.json)
    assert response.headers["X-RateLimit-Limit"] == str(limit)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > time.time()
    assert response.headers["X-RateLimit-Window"] == str(window)
    assert 1 <= int(response.headers["Retry-After"]) <= window


def test_public_endpoints_are_limited_per_address(limited):
    app, client, world = limited(RATELIMIT_PUBLIC="3 per hour")
    remaining = []
    for _ in range(3):
        response = menu(client, world, A)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Window"] == "3600"
        assert "Retry-After" not in response.headers  # only a refusal says when to come back
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    assert_refused(menu(client, world, A), 3, 3600)
    assert menu(client, world, B).status_code == 200  # another address has its own count


def test_authenticated_endpoints_are_limited_per_user_not_per_address(limited):
    app, client, world = limited(RATELIMIT_AUTHENTICATED="2 per minute", RATELIMIT_PUBLIC="1 per minute")
    owner, cashier = world.headers("tenant_owner"), world.headers("cashier")
    for address in (A, B):  # one user from two addresses: one count
        response = client.get("/api/users/me/", headers=owner, environ_base=address)
        assert response.status_code == 200 and response.headers["X-RateLimit-Limit"] == "2"
    assert_refused(client.get("/api/users/me/", headers=owner, environ_base=A), 2, 60)
    assert client.get("/api/users/me/", headers=cashier, environ_base=A).status_code == 200  # another user
    assert menu(client, world, A).status_code == 200  # the address's public count is its own


def test_exports_have_a_bucket_of_their_own(limited):
    app, client, world = limited(RATELIMIT_EXPORT="1 per hour", RATELIMIT_AUTHENTICATED="100 per hour")
    owner = world.headers("tenant_owner")
    first = client.get("/api/products/export/?format=csv", headers=owner)
    assert first.status_code == 200 and first.headers["X-RateLimit-Limit"] == "1"
    assert_refused(client.get("/api/products/export/?format=csv", headers=owner), 1, 3600)
    after = client.get("/api/users/me/", headers=owner)
    assert after.status_code == 200 and after.headers["X-RateLimit-Limit"] == "100"


def test_webhooks_health_and_the_edges_sync_are_not_limited(limited):
    app, client, world = limited(RATELIMIT_PUBLIC="1 per hour", RATELIMIT_AUTHENTICATED="1 per hour")
    till = Outlet_(app, client, world.a.outlet_id)  # enrolment and token: two public requests
    for _ in range(3):
        for response in (client.post("/api/notifications/webhook/whatsapp/", json={"entry": []}),
                         client.post("/api/payments/webhook/xendit/", json={"event": "x"}),
                         client.get("/api/health/"),
                         client.get("/api/sync/pull/?since=0", headers=till.headers)):
            assert response.status_code != 429, response.request.path
            assert "X-RateLimit-Limit" not in response.headers, response.request.path


def test_a_locked_sign_in_keeps_its_own_retry_after(limited):
    app, client, world = limited()
    app.config["LOGIN_MAX_DELAY_S"] = 0
    for _ in range(10):
        assert client.post("/api/auth/login/", json={"username": "aa_cashier", "password": "wrong-1"}).status_code \
            == 401
    before = time.time()
    locked = client.post("/api/auth/login/", json={"username": "aa_cashier", "password": PASSWORD})
    after = time.time()
    assert locked.json["code"] == "LOGIN_LOCKED"
    with app.app_context():
        until = db.session.get(LoginThrottle, "aa_cashier").locked_until.replace(tzinfo=UTC).timestamp()
    # the lock's own wait, whole seconds rounded up, as the refusal computed it (the limiter rounded it down)
    assert math.ceil(until - after) <= int(locked.headers["Retry-After"]) <= math.ceil(until - before)


def test_with_redis_storage_the_counts_live_in_redis_and_outlast_a_restart(make_cloud_app, redis_server):
    settings = {"RATELIMIT_STORAGE_URI": redis_server.url, "RATELIMIT_PUBLIC": "3 per hour"}
    app = make_cloud_app(**settings)
    world = build_world(app)
    client = app.test_client()
    assert [menu(client, world, A).status_code for _ in range(2)] == [200, 200]
    assert [key for key in redis_server.client().keys("LIMITS*") if b"public" in key]
    restarted = make_cloud_app(**settings).test_client()  # a new process would find the same counts
    assert menu(restarted, world, A).status_code == 200
    assert_refused(menu(restarted, world, A), 3, 3600)


@pytest.mark.e2e
def test_two_gunicorn_workers_share_one_count_in_redis(tmp_path, redis_server):
    cloud = Cloud(tmp_path, env={"POS_RATELIMIT_STORAGE_URL": redis_server.url, "POS_RATELIMIT_PUBLIC": "3 per hour"})
    cloud.args += ["--workers", "2", "--threads", "2"]
    cloud.start()
    try:
        answers = [requests.get(f"{cloud.url}/api/openapi.json", timeout=10) for _ in range(6)]  # new connections
    finally:
        cloud.stop()
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0", "0"]
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[3:])
