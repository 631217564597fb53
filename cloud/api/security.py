"""The security request log (brief 004): every API call a person or an anonymous caller
makes is written after its answer (`install_request_log`), and read back by the tenant's
owner, or a platform admin, at `GET /api/security/logs/`.

Not logged: the edges' device routes (sync, every few seconds; their last contact is a
metric), health, metrics and the docs' assets. Never logged: bodies, tokens, passwords,
query strings (the endpoint is the route's rule). A row that cannot be written is
logged as a warning and never fails the answer."""
from __future__ import annotations

import logging
import time
from types import SimpleNamespace

from apiflask import APIBlueprint
from flask import current_app, g, has_request_context, request
from sqlalchemy import event

from cloud.api.access import require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.security import AlertOut, AlertQuery, RequestLogOut, RequestLogQuery
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.services import security_alerts, security_log
from sync.timeutil import utcnow
from sync.web.lists import paginate
from sync.web.metrics import request_started

log = logging.getLogger(__name__)
bp = APIBlueprint("security", __name__, url_prefix="/api/security", tag="Security")
NOT_LOGGED = ("/api/health/", "/api/docs/assets/<path:filename>")


@bp.get("/logs/")
@require("tenant_owner")
@bp.input(RequestLogQuery, location="query")
@bp.output(list_schema(RequestLogOut, "RequestLogList"))
def request_logs(query_data, actor):
    """Newest first: time, address, user agent, endpoint (the route), method, status, time
    taken (ms) and user. A tenant's owner sees the tenant's; a platform admin sees all (or
    the tenant named by X-Tenant-ID). Filter by `date_from`/`date_to` (UTC days),
    `user_id`, `ip_address`, `status_code`, `method`, `endpoint`."""
    stmt = security_log.filtered(
        security_log.visible_to(actor), date_from=query_data["date_from"], date_to=query_data["date_to"],
        user_id=query_data["user_id"], address=query_data["ip_address"], status=query_data["status_code"],
        method=query_data["method"], endpoint=query_data["endpoint"])
    return paginate(db.session, stmt, query_data)


@bp.get("/alerts/")
@require("tenant_owner")
@bp.input(AlertQuery, location="query")
@bp.output(list_schema(AlertOut, "SecurityAlertList"))
def alerts(query_data, actor):
    """Newest first: failed sign-in bursts per username and per address, lockouts, silent
    outlets, refunds and voids above their share of an outlet's day. A tenant's owner sees
    the tenant's; a platform admin sees all (address bursts are the platform's). Filter by
    `acknowledged` and `kind`."""
    stmt = security_alerts.filtered(security_alerts.visible_to(actor), acknowledged=query_data["acknowledged"],
                                    kind=query_data["kind"])
    return paginate(db.session, stmt, query_data)


@bp.post("/alerts/<int:alert_id>/acknowledge/")
@writes
@require("tenant_owner")
@bp.output(AlertOut)
def acknowledge_alert(alert_id, actor):
    """Record that the owner has seen the alert (who and when; the first one stands)."""
    return security_alerts.acknowledge(db.session, actor, alert_id)


def _worth_logging() -> bool:
    if not request.path.startswith("/api/") or request.method == "OPTIONS":
        return False
    rule = request.url_rule
    if rule is None:
        return True  # probing paths that do not exist is worth seeing
    if rule.rule in NOT_LOGGED:
        return False
    view = current_app.view_functions.get(rule.endpoint)
    return getattr(view, "_access", None) != "device"


def note_caller(user_id: int, username: str, tenant_id: int | None) -> None:
    """Who the request turned out to be when no token said so (a successful sign-in)."""
    g.pos_log_caller = SimpleNamespace(user_id=user_id, username=username, tenant_id=tenant_id)


def _write(response):
    if not current_app.config.get("SECURITY_LOG_ENABLED", True) or not _worth_logging():
        return response
    actor = g.get("pos_actor") or g.get("pos_log_caller")
    started = request_started()
    row = security_log.entry(
        at=utcnow(), tenant_id=getattr(actor, "tenant_id", None), user_id=getattr(actor, "user_id", None),
        username=getattr(actor, "username", ""), address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""), method=request.method,
        endpoint=request.url_rule.rule if request.url_rule is not None else "<unmatched>",
        status=response.status_code,
        duration_ms=int((time.perf_counter() - started) * 1000) if started is not None else 0,
        db_queries=g.get(_QUERIES, 0), slow_queries=g.get(_SLOW, 0))
    if not response.is_streamed and db.session().in_transaction():
        # whatever the request's session still holds is rolled back at teardown anyway (every
        # write commits in its view); a refused write can still hold SQLite's write lock here
        db.session.rollback()
    try:
        security_log.write(db.engine, row)
    except Exception:  # noqa: BLE001 - the answer goes out regardless
        log.warning("could not write the security request log row for %s %s", request.method, row["endpoint"],
                    exc_info=True)
    return response


_QUERIES, _SLOW, _QUERY_STARTED = "pos_db_queries", "pos_slow_queries", "pos_query_started"


def _query_starts(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        setattr(g, _QUERIES, g.get(_QUERIES, 0) + 1)
        conn.info[_QUERY_STARTED] = time.perf_counter()


def _query_ends(conn, cursor, statement, parameters, context, executemany) -> None:
    started = conn.info.pop(_QUERY_STARTED, None)
    slow = started is not None and (time.perf_counter() - started) * 1000 > current_app.config["SLOW_QUERY_MS"]
    if slow and has_request_context():
        setattr(g, _SLOW, g.get(_SLOW, 0) + 1)


def install_request_log(app) -> None:
    """Write the log after each answer, and count each request's SQL statements (and the
    slow ones) for it and GET /api/performance/."""
    app.after_request(_write)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _query_starts)
        event.listen(db.engine, "after_cursor_execute", _query_ends)
