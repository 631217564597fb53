"""Human order numbers made offline: outlet code, business day, terminal, counter
(`YOG-261123-1-0042`), incremented in the order's own transaction."""
from __future__ import annotations

from datetime import date

from sqlalchemy import update

from edge.models import OrderCounter


def next_order_number(session, outlet_code: str, business_date: date, terminal: int) -> str:
    value = session.execute(
        update(OrderCounter)
        .where(OrderCounter.business_date == business_date, OrderCounter.terminal == terminal)
        .values(value=OrderCounter.value + 1)
        .returning(OrderCounter.value)
    ).scalar_one_or_none()
    if value is None:
        value = 1
        session.add(OrderCounter(business_date=business_date, terminal=terminal, value=value))
        session.flush()
    return f"{outlet_code}-{business_date:%y%m%d}-{terminal}-{value:04d}"
