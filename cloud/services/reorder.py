"""Reorder points per outlet and stock item, and the list of what to reorder: the items
whose on-hand (the outlet's synced ledger) is at or below their level."""
from __future__ import annotations

from sqlalchemy import select

from cloud.models import ReorderPoint
from cloud.services import stock
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor


def set_point(session, actor: Actor, data: dict) -> dict:
    """Set (or, with both figures 0, clear) an outlet's reorder point for an item."""
    tenant_id = actor.require_tenant()
    tenant_service.get_outlet(session, actor, data["outlet_id"])
    stock.get_item(session, tenant_id, data["stock_item_id"], "stock_item_id")
    row = session.execute(select(ReorderPoint).where(ReorderPoint.outlet_id == data["outlet_id"],
                                                     ReorderPoint.stock_item_id == data["stock_item_id"])
                          ).scalar_one_or_none()
    if data["reorder_level"] == 0 and data["reorder_quantity"] == 0:
        if row is not None:
            session.delete(row)
            session.flush()
        return {**data, "id": None}
    if row is None:
        row = ReorderPoint(tenant_id=tenant_id, outlet_id=data["outlet_id"], stock_item_id=data["stock_item_id"])
        session.add(row)
    row.reorder_level, row.reorder_quantity = data["reorder_level"], data["reorder_quantity"]
    session.flush()
    return _point(row)


def _point(row: ReorderPoint) -> dict:
    return {"id": row.id, "outlet_id": row.outlet_id, "stock_item_id": row.stock_item_id,
            "reorder_level": row.reorder_level, "reorder_quantity": row.reorder_quantity}


def points(session, actor: Actor, outlet_id: int) -> list[dict]:
    tenant_service.get_outlet(session, actor, outlet_id)
    return [_point(row) for row in session.execute(select(ReorderPoint).where(
        ReorderPoint.tenant_id == actor.require_tenant(), ReorderPoint.outlet_id == outlet_id)
        .order_by(ReorderPoint.stock_item_id)).scalars()]


def to_reorder(session, actor: Actor, outlet_id: int) -> list[dict]:
    """Every item with a reorder point at this outlet whose on-hand is at or below it, with
    the quantity to order (its reorder quantity, or what brings it back to the level)."""
    levels = {p["stock_item_id"]: p for p in points(session, actor, outlet_id)}
    rows = []
    for item in stock.on_hand(session, actor, outlet_id):
        point = levels.get(item["stock_item_id"])
        if point is None or item["on_hand"] > point["reorder_level"]:
            continue
        order = point["reorder_quantity"] or point["reorder_level"] - item["on_hand"]
        rows.append({**item, "reorder_level": point["reorder_level"], "reorder_quantity": point["reorder_quantity"],
                     "order_quantity": max(order, point["reorder_level"] - item["on_hand"])})
    return rows
