"""Sold out at the till ("86"): a manager marks a product or a modifier sold out at this
outlet, offline or not, and back. The mark is the outlet's own row (`SoldOutMark`),
written with its `sold_out.changed` outbox event in one transaction; after the commit
the menu cache is dropped (the next sale refuses the item) and the listeners hear of
it (the Socket.IO hub tells the kiosks, self-order screens and kitchen screens)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from edge.models import MirrorProduct, SoldOutMark
from edge.services import audit
from edge.services.storage.uow import after_commit
from edge.services.syncing import mirror_cache, outbox
from sync.errors import Invalid
from sync.ids import new_uuid
from sync.timeutil import utcnow


@dataclass(frozen=True)
class Change:
    """What one mark or unmark did: sent to listeners and answered to the caller."""

    target: str
    id: int
    name: str
    sold_out: bool
    changed: bool            # False: it already was so (nothing written, nobody told)
    changed_by: int | None
    changed_at: datetime


_listeners: list[Callable[[Change], None]] = []


def on_change(listener: Callable[[Change], None]) -> None:
    """Call `listener(change)` after the commit of each mark or unmark."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(change: Change) -> None:
    mirror_cache.clear()
    for listener in list(_listeners):
        listener(change)


def marked(session) -> dict[str, set[int]]:
    """The ids marked sold out, by target (read with the menu, cached with it)."""
    found: dict[str, set[int]] = {"product": set(), "modifier": set()}
    for target, target_id in session.execute(select(SoldOutMark.target, SoldOutMark.target_id)):
        found[target].add(target_id)
    return found


def marks(session) -> list[SoldOutMark]:
    return list(session.execute(select(SoldOutMark).order_by(SoldOutMark.marked_at, SoldOutMark.id)).scalars())


def _name(session, target: str, target_id: int) -> str:
    """The product's or the modifier's name from the mirror; refused when the outlet's
    menu has no such item."""
    if target == "product":
        name = session.execute(select(MirrorProduct.name).where(MirrorProduct.id == target_id)).scalar()
        if name is None:
            raise Invalid(f"Product {target_id} is not on this outlet's menu", "INVALID_PRODUCT", "id")
        return name
    for groups in session.execute(select(MirrorProduct.modifier_groups)).scalars():
        for group in groups or []:
            for modifier in group.get("modifiers", []):
                if modifier.get("id") == target_id:
                    return modifier["name"]
    raise Invalid(f"Modifier {target_id} is not on this outlet's menu", "INVALID_MODIFIER", "id")


def set_sold_out(session, target: str, target_id: int, sold_out: bool, user_id: int | None) -> Change:
    """Mark (`sold_out` true) or unmark an item; marking twice changes nothing."""
    name = _name(session, target, target_id)
    held = session.execute(select(SoldOutMark).where(SoldOutMark.target == target,
                                                     SoldOutMark.target_id == target_id)).scalar_one_or_none()
    now = utcnow()
    if (held is not None) == sold_out:
        return Change(target, target_id, name, sold_out, False, held.marked_by if held else None,
                      held.marked_at if held else now)
    if sold_out:
        session.add(SoldOutMark(target=target, target_id=target_id, name=name, marked_by=user_id, marked_at=now))
    else:
        session.execute(delete(SoldOutMark).where(SoldOutMark.id == held.id))
    session.flush()
    uuid = new_uuid()
    outbox.append(session, "sold_out.changed", uuid, {
        "uuid": uuid, "target": target, "target_id": target_id, "name": name, "sold_out": sold_out,
        "changed_by": user_id, "changed_at": now})
    audit.record(session, "sold_out" if sold_out else "back_in_stock", user_id=user_id, object_type=target,
                 object_id=target_id, after={"name": name, "sold_out": sold_out})
    change = Change(target, target_id, name, sold_out, True, user_id, now)
    after_commit(lambda: _notify(change))
    return change
