"""This outlet's settings as mirrored from the cloud: charges, timezone, identity."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from edge.models import MirrorOutlet, MirrorTenant
from edge.services.pricing import ChargeSettings
from sync.web.errors import ServiceUnavailable


def tenant(session) -> MirrorTenant:
    row = session.execute(select(MirrorTenant)).scalars().first()
    if row is None:
        raise ServiceUnavailable("This edge has no master data yet; enroll it and pull", "NOT_ENROLLED")
    return row


def outlet(session) -> MirrorOutlet:
    row = session.execute(select(MirrorOutlet)).scalars().first()
    if row is None:
        raise ServiceUnavailable("This edge has no master data yet; enroll it and pull", "NOT_ENROLLED")
    return row


def charges(session) -> ChargeSettings:
    t, o = tenant(session), outlet(session)
    return ChargeSettings(
        tax_rate_bp=o.tax_rate_bp if o.tax_rate_bp is not None else t.tax_rate_bp,
        service_charge_bp=o.service_charge_bp if o.service_charge_bp is not None else t.service_charge_bp,
        tax_on_service_charge=t.tax_on_service_charge,
        cash_rounding=t.cash_rounding,
    )


def timezone(session) -> ZoneInfo:
    try:
        return ZoneInfo(outlet(session).timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
