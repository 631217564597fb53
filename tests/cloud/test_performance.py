"""`GET /api/performance/` (brief 004): the last hour from the request log — average time
taken, requests per minute, the share of 5xx answers, SQL statements per request and the
slow ones; the host's memory and CPU for a platform admin only."""
from __future__ import annotations

from datetime import timedelta

from cloud.extensions import db
from cloud.models import RequestLogEntry
from sync.timeutil import utcnow


def add(app, tenant_id, *, minutes_ago=1, status=200, duration_ms=100, db_queries=3, slow_queries=0):
    with app.app_context():
        db.session.add(RequestLogEntry(at=utcnow() - timedelta(minutes=minutes_ago), tenant_id=tenant_id,
                                       method="GET", endpoint="/api/orders/", status=status, duration_ms=duration_ms,
                                       db_queries=db_queries, slow_queries=slow_queries))
        db.session.commit()


def test_the_last_hour_of_the_owners_tenant(app, client, world):
    a, b = world.a.tenant_id, world.b.tenant_id
    add(app, a, duration_ms=100, db_queries=2)
    add(app, a, duration_ms=300, db_queries=4, slow_queries=1)
    add(app, a, status=500, duration_ms=200, db_queries=3)
    add(app, a, minutes_ago=61, duration_ms=9999)  # older than the hour
    add(app, b, duration_ms=5000)  # another tenant's
    response = client.get("/api/performance/", headers=world.headers("tenant_owner"))
    assert response.status_code == 200
    body = response.json
    assert body["requests"] == 3 and body["avg_response_time"] == 200.0
    assert body["requests_per_minute"] == 0.1 and body["error_rate"] == 33.33
    assert body["database_queries"] == {"avg_per_request": 3.0, "slow_queries": 1}
    assert body["memory_usage"] is None and body["cpu_usage"] is None  # the host is the platform's business


def test_a_platform_admin_sees_every_tenant_and_the_host(app, client, world):
    add(app, world.a.tenant_id)
    add(app, world.b.tenant_id)
    root = {"Authorization": world.headers("super_admin")["Authorization"]}
    body = client.get("/api/performance/", headers=root).json
    assert body["requests"] >= 2  # and the admin's own calls, once logged
    assert body["memory_usage"].endswith("%") and body["cpu_usage"].endswith("%")


def test_requests_record_their_sql_statements(app, client, world):
    client.get("/api/users/me/", headers=world.headers("manager"))
    with app.app_context():
        row = db.session.query(RequestLogEntry).filter_by(endpoint="/api/users/me/").one()
        assert row.db_queries >= 1 and row.slow_queries == 0
