"""The cloud worker's heartbeat: each pass stamps its row; health reads the latest."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from cloud.models import WorkerHeartbeat
from sync.timeutil import utcnow

FORGET_AFTER = timedelta(days=1)  # a worker gone this long is no longer listed


def worker_name() -> str:
    return f"{socket.gethostname()[:100]}:{os.getpid()}"


def beat(session, worker: str | None = None) -> None:
    """Stamp this worker's row (and forget workers gone a day); the caller commits."""
    now = utcnow()
    name = worker or worker_name()
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(worker=name, beat_at=now))
    else:
        row.beat_at = now
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))


def latest(session) -> tuple[datetime | None, int]:
    """(the newest beat of any worker, how many workers beat in the last day)."""
    newest, count = session.execute(select(func.max(WorkerHeartbeat.beat_at), func.count())).one()
    return newest, count
