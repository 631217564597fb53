"""`GET /api/health/` at the cloud reports each part: the database, Redis when the rate
limits count there, and the notification worker; 503 only when this process cannot serve."""
from __future__ import annotations

from datetime import timedelta

from cloud.extensions import db
from cloud.models import WorkerHeartbeat
from cloud.services import heartbeats
from cloud.worker import run_pass
from sync.timeutil import utcnow


def test_health_keeps_the_contract_fields_and_reports_each_part(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    body = response.json
    assert (body["status"], body["database"], body["service"]) == ("ok", "ok", "cloud")
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["database"]["latency_ms"] >= 0
    assert "redis" not in body["checks"]  # counters in memory: nothing to check
    assert body["checks"]["scheduler"]["status"] == "none"
    assert any("pos cloud worker" in warning for warning in body["warnings"])
    assert body["uptime_s"] >= 0 and body["started_at"].endswith("Z")


def test_a_worker_pass_shows_as_a_running_scheduler_and_a_silent_one_as_late(app, client):
    run_pass(app, {})
    fresh = client.get("/api/health/").json
    assert fresh["checks"]["scheduler"]["status"] == "ok" and fresh["checks"]["scheduler"]["workers"] == 1
    assert "warnings" not in fresh
    with app.app_context():
        db.session.execute(db.update(WorkerHeartbeat).values(beat_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    late = client.get("/api/health/")
    assert late.status_code == 200 and late.json["status"] == "ok"  # the API still serves
    assert late.json["checks"]["scheduler"]["status"] == "late"
    assert late.json["warnings"] and "no notification worker pass since" in late.json["warnings"][0]


def test_a_worker_gone_a_day_is_forgotten(app):
    with app.app_context():
        db.session.add(WorkerHeartbeat(worker="old:1", beat_at=utcnow() - timedelta(days=2)))
        db.session.commit()
        heartbeats.beat(db.session, "new:2")
        db.session.commit()
        assert [w.worker for w in db.session.query(WorkerHeartbeat)] == ["new:2"]


def test_redis_down_makes_the_cloud_degraded(make_cloud_app, redis_server):
    client = make_cloud_app(RATELIMIT_STORAGE_URI=redis_server.url).test_client()
    up = client.get("/api/health/")
    assert up.status_code == 200 and up.json["checks"]["redis"] == {"status": "ok"}
    redis_server.stop()
    down = client.get("/api/health/")
    assert down.status_code == 503
    assert (down.json["status"], down.json["database"], down.json["checks"]["redis"]["status"]) == \
        ("degraded", "ok", "error")
