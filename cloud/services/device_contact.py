"""When the cloud last heard from a device. A push records it (ingest); a pull is
contact too, so an outlet that sells nothing but keeps pulling is not "offline" to the
automation rules. A pull writes at most once per `every_s` per device."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import OperationalError

from cloud.models import Device
from sync.timeutil import utcnow

PULL_CONTACT_EVERY_S = 20


def note_pull(session, device_id: int, now: datetime | None = None, every_s: int = PULL_CONTACT_EVERY_S) -> None:
    """Best effort: the pull answers whatever happens here. The read that authenticated
    the device is ended first, so on SQLite the UPDATE begins its own transaction and
    waits for the lock (a read upgraded to a write fails at once with "database is
    locked" when another writer holds it: the soak test found that as a 500)."""
    now = now or utcnow()
    session.rollback()
    try:
        _touch(session, device_id, now, every_s)
    except OperationalError:
        session.rollback()  # busy past the timeout: the next pull notes the contact


def _touch(session, device_id: int, now: datetime, every_s: int) -> None:
    result = session.execute(
        update(Device).where(Device.id == device_id, or_(Device.last_seen_at.is_(None),
                                                         Device.last_seen_at < now - timedelta(seconds=every_s)))
        .values(last_seen_at=now).execution_options(synchronize_session=False))
    if result.rowcount:
        session.commit()
    else:
        session.rollback()
