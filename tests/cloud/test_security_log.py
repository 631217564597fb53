"""The security request log (brief 004): each API call by a person or an anonymous
caller, with time, address, user agent, endpoint (the route), method, status, time taken
and user; read by the tenant's owner for the tenant and by a platform admin for all;
never a body, token, password or query string; pruned after its days."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cloud.extensions import db
from cloud.models import RequestLogEntry
from cloud.worker import prune_security_log
from sync.timeutil import utcnow
from tests.cloud.factories import PASSWORD
from tests.cloud.test_drain_ingest import Outlet_

AGENT = {"User-Agent": "Mozilla/5.0 (security-log test)"}


def logs(client, headers, **query):
    response = client.get("/api/security/logs/", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def test_a_call_is_logged_with_who_what_where_and_how_it_went(app, client, world):
    owner = {**world.headers("tenant_owner"), **AGENT}
    user_id = world.a.users["manager"]
    assert client.get(f"/api/users/{user_id}/", headers=owner, environ_base={"REMOTE_ADDR": "203.0.113.5"}) \
        .status_code == 200
    page = logs(client, owner, endpoint="/api/users/<int:user_id>/")
    assert page["count"] == 1
    row = page["results"][0]
    assert set(row) >= {"timestamp", "ip_address", "user_agent", "endpoint", "method", "status_code",
                        "response_time", "user"}
    assert (row["ip_address"], row["user_agent"], row["method"], row["status_code"]) == \
        ("203.0.113.5", AGENT["User-Agent"], "GET", 200)
    assert row["user"] == "aa_tenant_owner" and row["user_id"] == world.a.users["tenant_owner"]
    assert row["tenant_id"] == world.a.tenant_id and row["response_time"] >= 0
    assert row["timestamp"].endswith("Z")


def test_no_body_token_password_or_query_string_is_stored(app, client, world):
    secret_query = "q-secret-7f3a9c"
    answered = client.post("/api/auth/login/", json={"username": "aa_manager", "password": PASSWORD})
    token = answered.json["access"]
    client.get(f"/api/users/me/?note={secret_query}", headers={"Authorization": f"Bearer {token}"})
    client.post("/api/auth/login/", json={"username": "aa_manager", "password": "wrong-password-9"})
    with app.app_context():
        rows = db.session.execute(select(RequestLogEntry)).scalars().all()
        stored = " ".join(str(getattr(r, c.name)) for r in rows for c in RequestLogEntry.__table__.columns)
    assert len(rows) == 3
    for secret in (PASSWORD, "wrong-password-9", token, token.split(".")[2], secret_query):
        assert secret not in stored
    assert {r.status for r in rows if r.endpoint == "/api/auth/login/"} == {200, 401}


def test_an_owner_reads_the_tenants_rows_and_a_platform_admin_reads_all(app, client, world):
    client.get("/api/users/me/", headers=world.headers("cashier", "a"))
    client.get("/api/users/me/", headers=world.headers("cashier", "b"))
    mine = logs(client, world.headers("tenant_owner", "a"), endpoint="/api/users/me/")
    assert {r["tenant_id"] for r in mine["results"]} == {world.a.tenant_id} and mine["count"] == 1
    admin = {"Authorization": world.headers("super_admin")["Authorization"]}  # no X-Tenant-ID: every tenant
    everyone = logs(client, admin, endpoint="/api/users/me/")
    assert {r["tenant_id"] for r in everyone["results"]} == {world.a.tenant_id, world.b.tenant_id}
    named = logs(client, world.headers("admin", "b"), endpoint="/api/users/me/")
    assert {r["tenant_id"] for r in named["results"]} == {world.b.tenant_id}
    refused = client.get("/api/security/logs/", headers=world.headers("manager", "a"))
    assert refused.status_code == 403


def test_filters_narrow_the_log(app, client, world):
    owner = world.headers("tenant_owner")
    client.get("/api/users/me/", headers=owner)
    client.get("/api/users/987654/", headers=owner)
    assert {r["status_code"] for r in logs(client, owner, status_code=404)["results"]} == {404}
    assert logs(client, owner, method="DELETE")["count"] == 0
    today = utcnow().date()
    assert logs(client, owner, date_from=str(today), date_to=str(today))["count"] >= 2
    assert logs(client, owner, date_to=str(today - timedelta(days=1)))["count"] == 0
    bad = client.get("/api/security/logs/?status_code=700", headers=owner)
    assert bad.status_code == 400 and bad.json["field"] == "status_code"


def test_sync_health_and_docs_are_not_logged(app, client, world):
    till = Outlet_(app, client, world.a.outlet_id)
    client.get("/api/sync/pull/?since=0", headers=till.headers)
    client.get("/api/health/")
    with app.app_context():
        endpoints = set(db.session.execute(select(RequestLogEntry.endpoint)).scalars())
    assert endpoints == {"/api/sync/enroll/", "/api/sync/token/"}  # the device's own routes stay out


def test_rows_past_their_days_are_pruned_by_the_worker(app, world):
    now = utcnow()
    with app.app_context():
        for days in (1, 89, 91, 400):
            db.session.add(RequestLogEntry(at=now - timedelta(days=days), method="GET", endpoint="/api/x/",
                                           status=200, duration_ms=1))
        db.session.commit()
    prune_security_log(app)
    with app.app_context():
        kept = sorted((now - r.at).days for r in db.session.execute(select(RequestLogEntry)).scalars())
    assert kept == [1, 89]


def test_the_log_can_be_turned_off(make_cloud_app):
    app = make_cloud_app(SECURITY_LOG_ENABLED=False)
    app.test_client().get("/api/health/?x=1")
    app.test_client().get("/api/users/me/")
    with app.app_context():
        assert db.session.execute(select(RequestLogEntry)).first() is None


def test_a_successful_sign_in_is_logged_as_its_user_and_a_failed_one_as_anonymous(app, client, world):
    assert client.post("/api/auth/login/", json={"username": "aa_manager", "password": PASSWORD}).status_code == 200
    assert client.post("/api/auth/login/", json={"username": "aa_manager", "password": "nope-nope-1"}).status_code \
        == 401
    rows = logs(client, world.headers("tenant_owner"), endpoint="/api/auth/login/")["results"]
    assert [(r["status_code"], r["user"], r["tenant_id"]) for r in rows] == [(200, "aa_manager", world.a.tenant_id)]
    everyone = logs(client, {"Authorization": world.headers("super_admin")["Authorization"]},
                    endpoint="/api/auth/login/")["results"]
    assert sorted((r["status_code"], r["user"]) for r in everyone) == [(200, "aa_manager"), (401, "")]


def test_a_refused_write_is_logged_at_once(app, client, world):
    """A write refused for its body (checked after the role, inside the write's
    transaction) still gets its row, and promptly (no wait on a lock's timeout)."""
    import time

    started = time.monotonic()
    refused = client.post("/api/users/", json={"username": 5}, headers=world.headers("manager"))
    assert refused.status_code == 400
    assert time.monotonic() - started < 5
    rows = logs(client, world.headers("tenant_owner"), endpoint="/api/users/", method="POST")["results"]
    assert [r["status_code"] for r in rows] == [400]
