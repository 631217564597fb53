"""Transfers of stock to and from other outlets, offline on either side.

Sending writes the stock out of this outlet's ledger at once (`transfer_out`, the
transfer's uuid as the document's) with a `transfer.sent` event, in one transaction; the
cloud learns of it when this outlet syncs, and the receiving outlet pulls it. Receiving
writes it in (`transfer_in`, the same uuid). The ledger's unique (uuid, item) makes a
second receipt impossible, and the cloud keeps each outlet's rows once: nothing doubles;
what left one outlet is in transit until the other takes it in: nothing vanishes.

The receiving outlet is checked by the cloud (the edge knows only its own outlet): a
transfer to an outlet that is not the tenant's is rejected there and shows in this
outlet's dead letters, its stock still out (see docs/api-extensions.md)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from edge.models import MirrorTransfer, StockMovement
from edge.services.inventory import stock
from edge.services.syncing import outbox
from edge.services.syncing import outlet as outlet_settings
from sync.errors import Conflict, Invalid, NotFound
from sync.ids import new_uuid
from sync.timeutil import utcnow


def send(session, user_id: int | None, to_outlet_id: int, lines: list[dict], note: str) -> str:
    """Stock leaves for another outlet: out of this ledger now, in transit until received."""
    if to_outlet_id == outlet_settings.outlet(session).id:
        raise Invalid("A transfer goes to another outlet", "SAME_OUTLET", "to_outlet_id")
    stock.check_known(session, lines)
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        quantities[line["stock_item_id"]] += line["quantity"]
    uuid, now = new_uuid(), utcnow()
    stock.record(session, "transfer_out", {item: -quantity for item, quantity in quantities.items()},
                 reason=note or f"transfer to outlet {to_outlet_id}", created_by=user_id, uuid=uuid)
    outbox.append(session, "transfer.sent", uuid, {
        "uuid": uuid, "to_outlet_id": to_outlet_id, "note": note, "sent_by": user_id, "sent_at": now,
        "lines": [{"stock_item_id": item, "quantity": quantity} for item, quantity in sorted(quantities.items())]})
    return uuid


def _received_uuids(session, uuids: list[str]) -> set[str]:
    return set(session.execute(select(StockMovement.uuid).where(
        StockMovement.kind == "transfer_in", StockMovement.uuid.in_(uuids))).scalars())


def incoming(session) -> list[dict]:
    """Transfers on their way to this outlet (as last pulled), newest first; `received` by
    this outlet's own ledger."""
    rows = list(session.execute(select(MirrorTransfer).order_by(MirrorTransfer.sent_at.desc(),
                                                                MirrorTransfer.id.desc())).scalars())
    received = _received_uuids(session, [row.uuid for row in rows])
    return [_view(row, row.uuid in received) for row in rows]


def _view(row: MirrorTransfer, received: bool) -> dict:
    return {"id": row.id, "uuid": row.uuid, "from_outlet_id": row.from_outlet_id,
            "from_outlet_name": row.from_outlet_name, "status": "received" if received else "in_transit",
            "note": row.note, "sent_at": row.sent_at, "lines": row.lines}


def receive(session, user_id: int | None, transfer_uuid: str) -> dict:
    """Take a transfer in: its lines into this ledger, once."""
    row = session.execute(select(MirrorTransfer).where(MirrorTransfer.uuid == transfer_uuid)).scalar_one_or_none()
    if row is None:
        raise NotFound("Transfer", "TRANSFER_NOT_FOUND")
    if _received_uuids(session, [row.uuid]):
        raise Conflict("This transfer was received already", "TRANSFER_RECEIVED")
    quantities: dict[int, int] = defaultdict(int)
    for line in row.lines:
        quantities[line["stock_item_id"]] += line["quantity"]
    stock.record(session, "transfer_in", dict(quantities), reason=f"transfer from {row.from_outlet_name}".strip(),
                 created_by=user_id, uuid=row.uuid)
    return _view(row, True)
