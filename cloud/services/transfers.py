"""Transfers of stock between a tenant's outlets, as the outlets reported them: sent (the
sender's `transfer.sent`, its stock already out) and received (the receiver's
`transfer_in`). Both sides are movements in the outlets' ledgers with the transfer's uuid,
so stock in transit is what was sent and not yet received."""
from __future__ import annotations

from sqlalchemy import or_, select

from cloud.models import StockItem, Transfer
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor


def query(session, actor: Actor, outlet_id: int | None = None, status: str | None = None):
    """The tenant's transfers from or to `outlet_id` (an outlet-bound user: theirs), newest first."""
    if outlet_id is not None:
        tenant_service.get_outlet(session, actor, outlet_id)  # another tenant's (or outlet's): 404
    stmt = select(Transfer).where(Transfer.tenant_id == actor.require_tenant())
    seen = outlet_id if outlet_id is not None else actor.outlet_id
    if seen is not None:
        stmt = stmt.where(or_(Transfer.from_outlet_id == seen, Transfer.to_outlet_id == seen))
    if status:
        stmt = stmt.where(Transfer.status == status)
    return stmt.order_by(Transfer.sent_at.desc(), Transfer.id.desc())


def views(session, rows: list[Transfer]) -> list[dict]:
    ids = {line["stock_item_id"] for row in rows for line in row.lines}
    items = {i.id: i for i in session.execute(select(StockItem).where(StockItem.id.in_(ids))).scalars()} if ids else {}
    return [{"id": row.id, "uuid": row.uuid, "from_outlet_id": row.from_outlet_id, "to_outlet_id": row.to_outlet_id,
             "status": row.status, "note": row.note, "sent_by": row.sent_by, "sent_at": row.sent_at,
             "received_by": row.received_by, "received_at": row.received_at,
             "lines": [{"stock_item_id": line["stock_item_id"], "quantity": line["quantity"],
                        "name": items[line["stock_item_id"]].name if line["stock_item_id"] in items else "",
                        "unit": items[line["stock_item_id"]].unit if line["stock_item_id"] in items else ""}
                       for line in row.lines]} for row in rows]
