"""The last hour at a glance (brief 004's performance metrics), from the request log:
average time taken, requests per minute, the share of server errors, SQL statements per
request and the slow ones; and, for the platform's admins, the host's memory and CPU."""
from __future__ import annotations

from datetime import datetime, timedelta

import psutil
from sqlalchemy import case, func, select

from cloud.models import RequestLogEntry
from cloud.services.actor import Actor
from sync.errors import Forbidden
from sync.timeutil import utcnow

WINDOW = timedelta(hours=1)


def last_hour(session, actor: Actor, now: datetime | None = None) -> dict:
    now = now or utcnow()
    scope = RequestLogEntry.at >= now - WINDOW
    if actor.is_platform:
        if actor.tenant_id is not None:
            scope = scope & (RequestLogEntry.tenant_id == actor.tenant_id)
    elif not actor.at_least("tenant_owner"):
        raise Forbidden("Performance figures are for the tenant's owner")
    else:
        scope = scope & (RequestLogEntry.tenant_id == actor.require_tenant())
    count, average, errors, queries, slow = session.execute(
        select(func.count(), func.avg(RequestLogEntry.duration_ms),
               func.sum(case((RequestLogEntry.status >= 500, 1), else_=0)),
               func.sum(RequestLogEntry.db_queries), func.sum(RequestLogEntry.slow_queries)).where(scope)).one()
    host = _host() if actor.is_platform and actor.tenant_id is None else {"memory_usage": None, "cpu_usage": None}
    return {
        "window_minutes": int(WINDOW.total_seconds() // 60),
        "requests": count,
        "avg_response_time": round(float(average), 1) if count else 0.0,  # milliseconds
        "requests_per_minute": round(count / 60, 1),
        "error_rate": round((errors or 0) * 100 / count, 2) if count else 0.0,  # percent of answers that were 5xx
        "database_queries": {"avg_per_request": round((queries or 0) / count, 1) if count else 0.0,
                             "slow_queries": int(slow or 0)},
        **host,
    }


def _host() -> dict:
    """This host's memory in use and CPU use (over a tenth of a second), as "NN%"."""
    return {"memory_usage": f"{round(psutil.virtual_memory().percent)}%",
            "cpu_usage": f"{round(psutil.cpu_percent(interval=0.1))}%"}
