"""The security request log: one row per API call by a person (or an anonymous caller),
kept `SECURITY_LOG_KEEP_DAYS`; read by a tenant's owner for the tenant and by the
platform's admins for all. Rows hold no body, token, password or query string."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, delete, insert, select

from cloud.models import RequestLogEntry
from cloud.services.actor import Actor
from sync.errors import Forbidden
from sync.timeutil import utcnow

LIMITS = {"username": 150, "address": 45, "user_agent": 300, "method": 10, "endpoint": 200}


def entry(*, at: datetime, tenant_id: int | None, user_id: int | None, username: str, address: str,
          user_agent: str, method: str, endpoint: str, status: int, duration_ms: int, db_queries: int = 0,
          slow_queries: int = 0) -> dict:
    """A row's values, its texts cut to their columns (a user agent can be any length)."""
    texts = {"username": username, "address": address, "user_agent": user_agent, "method": method,
             "endpoint": endpoint}
    cut = {name: (value or "")[:LIMITS[name]] for name, value in texts.items()}
    return {"at": at, "tenant_id": tenant_id, "user_id": user_id, "status": status,
            "duration_ms": max(0, duration_ms), "db_queries": db_queries, "slow_queries": slow_queries, **cut}


def write(engine: Engine, row: dict) -> None:
    """One row in a transaction of its own. This runs after every API call, so it is one
    Core INSERT: the ORM's unit of work cost five times as much (1.2 ms a request)."""
    with engine.begin() as connection:
        connection.execute(insert(RequestLogEntry), row)


def visible_to(actor: Actor):
    """The rows `actor` may read: a tenant's owner, that tenant's; a platform admin, every
    row (or the tenant named with X-Tenant-ID)."""
    stmt = select(RequestLogEntry)
    if actor.is_platform:
        return stmt if actor.tenant_id is None else stmt.where(RequestLogEntry.tenant_id == actor.tenant_id)
    if not actor.at_least("tenant_owner"):
        raise Forbidden("The request log is for the tenant's owner")
    return stmt.where(RequestLogEntry.tenant_id == actor.require_tenant())


def filtered(stmt, *, date_from: date | None = None, date_to: date | None = None, user_id: int | None = None,
             address: str | None = None, status: int | None = None, method: str | None = None,
             endpoint: str | None = None):
    if date_from is not None:
        stmt = stmt.where(RequestLogEntry.at >= datetime.combine(date_from, time.min))
    if date_to is not None:
        stmt = stmt.where(RequestLogEntry.at < datetime.combine(date_to + timedelta(days=1), time.min))
    for column, value in ((RequestLogEntry.user_id, user_id), (RequestLogEntry.address, address),
                          (RequestLogEntry.status, status), (RequestLogEntry.method, method),
                          (RequestLogEntry.endpoint, endpoint)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(RequestLogEntry.at.desc(), RequestLogEntry.id.desc())


def prune(session, keep_days: int) -> int:
    """Remove rows older than `keep_days`; the caller commits."""
    cutoff = utcnow() - timedelta(days=keep_days)
    return session.execute(delete(RequestLogEntry).where(RequestLogEntry.at < cutoff)).rowcount or 0
