"""Per-outlet allowances for promotions with a total usage limit.

An outlet may grant a limited promotion on its own (offline) only up to the uses the
cloud has allotted it. Allotments are handed out in chunks as an outlet runs low, and
their sum never exceeds the promotion's limit, so no combination of offline outlets can
oversell it.
"""
from __future__ import annotations

from sqlalchemy import select

from cloud.models import Device, Promotion, PromotionAllowance


def _applies_to(promotion: Promotion, outlet_id: int) -> bool:
    return not promotion.outlet_ids or outlet_id in promotion.outlet_ids


def top_up(session, device: Device, chunk: int) -> list[PromotionAllowance]:
    promotions = session.execute(
        select(Promotion).where(Promotion.tenant_id == device.tenant_id, Promotion.is_active.is_(True),
                                Promotion.usage_limit.is_not(None))
        .order_by(Promotion.id).with_for_update()
    ).scalars().all()
    mine = []
    for promotion in promotions:
        if not _applies_to(promotion, device.outlet_id):
            continue
        rows = session.execute(
            select(PromotionAllowance).where(PromotionAllowance.promotion_id == promotion.id)
        ).scalars().all()
        own = next((row for row in rows if row.outlet_id == device.outlet_id), None)
        if own is None:
            own = PromotionAllowance(tenant_id=device.tenant_id, promotion_id=promotion.id,
                                     outlet_id=device.outlet_id, granted=0, used=0)
            session.add(own)
            rows.append(own)
        if own.granted - own.used < max(1, chunk // 2):
            unallotted = promotion.usage_limit - sum(row.granted for row in rows)
            extra = min(chunk, max(0, unallotted))
            if extra:
                own.granted += extra
        mine.append(own)
    session.flush()
    return mine


def allowances_for(session, device: Device) -> list[PromotionAllowance]:
    return session.execute(
        select(PromotionAllowance).where(PromotionAllowance.outlet_id == device.outlet_id)
        .order_by(PromotionAllowance.promotion_id)
    ).scalars().all()



