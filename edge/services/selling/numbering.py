"""Human order numbers made offline: outlet code, business day, terminal, counter
(`YOG-261123-1-0042`), incremented in the order's own transaction. The counter is
read and bumped with one Core statement on the transaction's connection: the ORM's
bulk update path cost as much as the rest of numbering.

The terminal in the number carries the device: each edge gets a numbering space from the
cloud at enrollment (1 for the outlet's first device, 2 for the next, ...), and till T of
space S prints as terminal (S - 1) * 100 + T: `YOG-261123-1-0042` on the first device,
`YOG-261123-201-0042` on till 1 of the third. Two edges of an outlet, a re-enrolled edge
and a restored copy that took a new identity never issue the same number."""
from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, insert, select, update

from edge.models import OrderCounter, SyncState
from edge.services.syncing import mirror_cache

_COUNTERS = OrderCounter.__table__
_BUMP = (update(_COUNTERS)
         .where(_COUNTERS.c.business_date == bindparam("day"), _COUNTERS.c.terminal == bindparam("on_terminal"))
         .values(value=_COUNTERS.c.value + 1)
         .returning(_COUNTERS.c.value))


def number_space(session) -> int:
    """This device's numbering space (kept in memory; cleared when it changes)."""
    return mirror_cache.get("number_space", lambda: session.execute(
        select(SyncState.number_space).where(SyncState.id == 1)).scalar() or 1)


def printed_terminal(space: int, terminal: int) -> int:
    return (space - 1) * 100 + terminal


def next_order_number(session, outlet_code: str, business_date: date, terminal: int) -> str:
    connection = session.connection()
    value = connection.execute(_BUMP, {"day": business_date, "on_terminal": terminal}).scalar_one_or_none()
    if value is None:
        value = 1
        connection.execute(insert(_COUNTERS), {"business_date": business_date, "terminal": terminal, "value": value})
    return f"{outlet_code}-{business_date:%y%m%d}-{printed_terminal(number_space(session), terminal)}-{value:04d}"


def note_used_many(session, numbers: list[tuple[str, date]]) -> None:
    """Numbers this device's space issued elsewhere (a copy of this database; taken back
    from the cloud): each day's counter of their terminal moves past the highest."""
    space = number_space(session)
    highest: dict[tuple[date, int], int] = {}
    for number, business_date in numbers:
        try:
            printed, counter = (int(part) for part in number.rsplit("-", 2)[1:])
        except ValueError:
            continue  # not a number of ours
        terminal = printed - (space - 1) * 100
        if 1 <= terminal <= 99:  # another space's numbers can never collide with ours
            key = (business_date, terminal)
            highest[key] = max(highest.get(key, 0), counter)
    connection = session.connection()
    for (business_date, terminal), counter in highest.items():
        current = connection.execute(select(_COUNTERS.c.value).where(
            _COUNTERS.c.business_date == business_date, _COUNTERS.c.terminal == terminal)).scalar()
        if current is None:
            connection.execute(insert(_COUNTERS), {"business_date": business_date, "terminal": terminal,
                                                   "value": counter})
        elif current < counter:
            connection.execute(update(_COUNTERS).where(_COUNTERS.c.business_date == business_date,
                                                       _COUNTERS.c.terminal == terminal).values(value=counter))
