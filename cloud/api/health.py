"""Liveness and readiness, and the offline API docs' assets.

`status` and the status code say whether this process can serve (the database, and Redis
when the rate-limit counters live there): 200 `ok` or 503 `degraded`, what a load balancer
acts on. `checks` reports each part; a part that does not stop this process from serving
(the notification worker, a separate process) shows in `warnings` and leaves it 200."""
import time
from datetime import timedelta

from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, Integer, List, String
from flask import current_app, send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from cloud.api.access import public
from cloud.extensions import db, limiter
from cloud.services import heartbeats
from sync.timeutil import isoformat, utcnow

bp = APIBlueprint("health", __name__, url_prefix="/api", tag="Health")
VERSION = "0.1.0"
STARTED = "pos_started"


class HealthOut(Schema):
    status = String(required=True, metadata={"description": "ok (200) or degraded (503)"})
    database = String(required=True)
    version = String()
    service = String()
    started_at = String(metadata={"description": "When this process started (ISO 8601 UTC)"})
    uptime_s = Integer()
    checks = Dict(metadata={"description": "Each part: database, redis (when configured), scheduler"})
    warnings = List(String(), metadata={"description": "Parts that need a look but do not stop serving"})


def mark_started(app) -> None:
    app.extensions[STARTED] = (time.monotonic(), utcnow())


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the point is to report it, not to raise it
        db.session.rollback()
        return {"status": "error"}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _redis() -> dict | None:
    if not str(current_app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis", "rediss")):
        return None
    try:
        return {"status": "ok" if limiter.storage.check() else "error"}
    except Exception:  # noqa: BLE001 - reported, not raised
        return {"status": "error"}


def _scheduler() -> dict:
    """The notification worker's last pass (`pos cloud worker`)."""
    try:
        newest, workers = heartbeats.latest(db.session)
    except Exception:  # noqa: BLE001 - the database check reports the cause
        db.session.rollback()
        return {"status": "unknown"}
    late_after = timedelta(seconds=max(60, 5 * current_app.config["NOTIFY_POLL_S"]))
    state = "none" if newest is None else "ok" if utcnow() - newest <= late_after else "late"
    return {"status": state, "last_beat_at": isoformat(newest), "workers": workers,
            "late_after_s": int(late_after.total_seconds())}


@bp.get("/health/")
@public
@bp.output(HealthOut)
@bp.doc(responses={503: {"description": "The database (or Redis, when configured) does not answer"}})
def health():
    """Is the cloud up, do its database (and Redis) answer, and does a worker run?"""
    checks = {"database": _database()}
    redis = _redis()
    if redis is not None:
        checks["redis"] = redis
    checks["scheduler"] = _scheduler()
    serving = all(checks[part]["status"] == "ok" for part in ("database", "redis") if part in checks)
    body = {"status": "ok" if serving else "degraded", "database": checks["database"]["status"],
            "version": VERSION, "service": "cloud"}
    started = current_app.extensions.get(STARTED)
    if started is not None:
        body["started_at"] = isoformat(started[1])
        body["uptime_s"] = int(time.monotonic() - started[0])
    body["checks"] = checks
    warnings = []
    if checks["scheduler"]["status"] == "late":
        warnings.append(f"no notification worker pass since {checks['scheduler']['last_beat_at']}")
    elif checks["scheduler"]["status"] == "none":
        warnings.append("no notification worker has run (`pos cloud worker`)")
    if warnings:
        body["warnings"] = warnings
    return body, 200 if serving else 503


@bp.get("/docs/assets/<path:filename>")
@public
@bp.doc(hide=True)
def docs_asset(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
