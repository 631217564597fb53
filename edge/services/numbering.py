"""Human order numbers made offline: outlet code, business day, terminal, counter
(`YOG-261123-1-0042`), incremented in the order's own transaction. The counter is
read and bumped with one Core statement on the transaction's connection: the ORM's
bulk update path cost as much as the rest of numbering."""
from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, insert, update

from edge.models import OrderCounter


_COUNTERS = OrderCounter.__table__
_BUMP = (update(_COUNTERS)
         .where(_COUNTERS.c.business_date == bindparam("day"), _COUNTERS.c.terminal == bindparam("on_terminal"))
         .values(value=_COUNTERS.c.value + 1)
         .returning(_COUNTERS.c.value))


def next_order_number(session, outlet_code: str, business_date: date, terminal: int) -> str:
    connection = session.connection()
    value = connection.execute(_BUMP, {"day": business_date, "on_terminal": terminal}).scalar_one_or_none()
    if value is None:
        value = 1
        connection.execute(insert(_COUNTERS), {"business_date": business_date, "terminal": terminal, "value": value})
    return f"{outlet_code}-{business_date:%y%m%d}-{terminal}-{value:04d}"
