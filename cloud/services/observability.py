"""What the cloud's metrics read from the database at scrape time: when each outlet's
edges last got in touch (a push, an enrolment)."""
from __future__ import annotations

from sqlalchemy import func, select

from cloud.models import Device


def outlets_last_contact(session) -> list[tuple[int, int, object]]:
    """(tenant id, outlet id, the latest contact of any of its active devices), per outlet
    that has ever been in touch."""
    rows = session.execute(
        select(Device.tenant_id, Device.outlet_id, func.max(Device.last_seen_at))
        .where(Device.is_active.is_(True), Device.last_seen_at.is_not(None))
        .group_by(Device.tenant_id, Device.outlet_id).order_by(Device.tenant_id, Device.outlet_id)).all()
    return [(tenant_id, outlet_id, seen) for tenant_id, outlet_id, seen in rows]
