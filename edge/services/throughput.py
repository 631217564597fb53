"""How busy the till is, for the metrics: orders started in the last minute."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from edge.models import Order
from sync.timeutil import utcnow


def orders_in_last(session, seconds: int = 60) -> int:
    since = utcnow() - timedelta(seconds=seconds)
    return session.execute(select(func.count(Order.id)).where(Order.created_at >= since)).scalar_one()
