"""Long-polls of a pending charge: an edge asks "tell me when this charge changes" and the
answer leaves as soon as a webhook, a status query or a cancel changes it.

Every change to a charge calls `changed()` after its commit, which wakes this process's
waiters at once; a waiter also re-reads its charge every `RECHECK_S`, so a change made by
another worker process (or anything that forgot to call `changed()`) is seen within that.

A long-poll holds one of the server's threads (gunicorn gthread), so at most `slots`
waits run at once per process; a request beyond them is answered at once with the
charge as it stands, exactly as without `wait`: the edge simply asks again (polling).
No transaction stays open while waiting.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import select

from cloud.models import GatewayCharge
from sync.errors import NotFound
from sync.vocab import PENDING

RECHECK_S = 0.2
MAX_WAIT_S = 25

_changes = threading.Condition()
_generation = 0
_slots_lock = threading.Lock()
_busy = 0


def changed() -> None:
    """A charge changed (committed): wake every waiter of this process to re-read its own."""
    global _generation
    with _changes:
        _generation += 1
        _changes.notify_all()


def _take_slot(slots: int) -> bool:
    global _busy
    with _slots_lock:
        if _busy >= slots:
            return False
        _busy += 1
        return True


def _give_slot() -> None:
    global _busy
    with _slots_lock:
        _busy -= 1


def busy() -> int:
    """Long-polls this process holds now (for tests and the health of the workers)."""
    return _busy


def _read(session, outlet_id: int, payment_uuid: str) -> GatewayCharge:
    charge = session.execute(select(GatewayCharge).where(GatewayCharge.outlet_id == outlet_id,
                                                         GatewayCharge.payment_uuid == payment_uuid)
                             ).scalar_one_or_none()
    if charge is None:
        raise NotFound("Charge")
    return charge


def wait_for_change(session, outlet_id: int, payment_uuid: str, wait_s: float, *, slots: int) -> GatewayCharge:
    """The charge once it is no longer pending, or as it stands after `wait_s` seconds
    (at once if it is not pending, `wait_s` is 0, or every wait slot is taken)."""
    charge = _read(session, outlet_id, payment_uuid)
    if charge.status != PENDING or wait_s <= 0 or not _take_slot(slots):
        return charge
    try:
        deadline = time.monotonic() + min(wait_s, MAX_WAIT_S)
        while charge.status == PENDING:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            session.rollback()  # no transaction held while waiting; the next read sees new commits
            with _changes:
                seen = _generation
                _changes.wait_for(lambda seen=seen: _generation != seen, timeout=min(left, RECHECK_S))
            charge = _read(session, outlet_id, payment_uuid)
    finally:
        _give_slot()
    return charge
