"""When the cloud last heard from a device. A push records it (ingest); a pull is
contact too, so an outlet that sells nothing but keeps pulling is not "offline" to the
automation rules. A pull writes at most once per `every_s` per device."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from cloud.models import Device
from sync.timeutil import utcnow

PULL_CONTACT_EVERY_S = 20


def note_pull(session, device_id: int, now: datetime | None = None, every_s: int = PULL_CONTACT_EVERY_S) -> None:
    now = now or utcnow()
    result = session.execute(
        update(Device).where(Device.id == device_id, or_(Device.last_seen_at.is_(None),
                                                         Device.last_seen_at < now - timedelta(seconds=every_s)))
        .values(last_seen_at=now).execution_options(synchronize_session=False))
    if result.rowcount:
        session.commit()
    else:
        session.rollback()
