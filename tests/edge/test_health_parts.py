"""`GET /api/health/` at the edge reports each part (database, storage, scheduler, print
workers, sync breaker); only a part that stops the sale makes it 503."""
from __future__ import annotations

import subprocess
from datetime import timedelta

from edge.extensions import db
from edge.models import SyncState
from edge.services.loops import Loop
from sync.timeutil import utcnow


class Services:
    """What `pos edge run` registers: its loops (edge.services.runtime.BackgroundServices)."""

    def __init__(self, **loops):
        self.loops = loops


def test_outside_pos_edge_run_the_background_parts_are_off(client):
    response = client.get("/api/health/")
    assert response.status_code == 200
    body = response.json
    assert (body["status"], body["database"], body["service"]) == ("ok", "ok", "edge")
    assert "sync" in body and "storage" in body  # what CONTRACT.md and the status bar read
    checks = body["checks"]
    assert checks["database"] == {"status": "ok"} and checks["storage"]["status"] == "ok"
    assert checks["scheduler"] == {"status": "off"} and checks["print_workers"] == {"status": "off"}
    assert checks["sync_breaker"] == {"status": "closed", "consecutive_failures": 0}
    assert "warnings" not in body


def test_a_stopped_loop_and_a_dead_print_worker_are_warnings_not_a_503(edge_app, client):
    push, pull = Loop("push", lambda: None, 3600).start(), Loop("pull", lambda: None, 3600).start()
    printer_process = subprocess.Popen(["sleep", "30"])
    edge_app.extensions["pos_background"] = Services(push=push, pull=pull)
    edge_app.extensions["pos_print_process"] = printer_process
    edge_app.config["PRINTING_ENABLED"] = True
    try:
        running = client.get("/api/health/").json["checks"]
        assert running["scheduler"] == {"status": "ok", "loops": {"push": "running", "pull": "running"}}
        assert running["print_workers"]["status"] == "ok"
        pull.stop()
        printer_process.kill()
        printer_process.wait(timeout=10)
        response = client.get("/api/health/")
        assert response.status_code == 200 and response.json["status"] == "ok"
        checks = response.json["checks"]
        assert checks["scheduler"] == {"status": "stopped", "loops": {"push": "running", "pull": "stopped"}}
        assert checks["print_workers"]["status"] == "stopped"
        assert response.json["warnings"] == ["scheduler: stopped", "print_workers: stopped"]
    finally:
        push.stop()
        pull.stop()
        if printer_process.poll() is None:
            printer_process.kill()


def test_an_open_sync_breaker_is_reported(edge_app, client):
    with edge_app.app_context():
        row = db.session.get(SyncState, 1) or SyncState(id=1, pull_cursor=0)
        row.consecutive_failures = edge_app.config["BREAKER_THRESHOLD"]
        row.next_attempt_at = utcnow() + timedelta(minutes=5)
        db.session.add(row)
        db.session.commit()
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json["checks"]["sync_breaker"]["status"] == "open"
    assert any(w.startswith("sync_breaker: open") for w in response.json["warnings"])
