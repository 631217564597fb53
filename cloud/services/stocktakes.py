"""The outlets' stocktakes as they posted them: count sheets with the variance by item
(counted - expected, base units) and by value (x the item's cost then), for the
dashboard and the stock pages. Counting happens at the outlet (offline too); the
adjustments are in the outlet's ledger like every movement."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from cloud.models import Outlet, StockItem, Stocktake
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor
from sync.errors import NotFound


def query(session, actor: Actor, outlet_id: int | None = None, with_variance: bool | None = None,
          date_from: date | None = None, date_to: date | None = None):
    """The tenant's posted stocktakes the actor may see, newest first (`date_to` included,
    by the posting's UTC date)."""
    if outlet_id is not None:
        tenant_service.get_outlet(session, actor, outlet_id)  # another tenant's (or outlet's): 404
    stmt = select(Stocktake).where(Stocktake.tenant_id == actor.require_tenant())
    if outlet_id is not None:
        stmt = stmt.where(Stocktake.outlet_id == outlet_id)
    elif actor.outlet_id is not None:
        stmt = stmt.where(Stocktake.outlet_id == actor.outlet_id)
    if with_variance is True:
        stmt = stmt.where(Stocktake.items_with_variance > 0)
    elif with_variance is False:
        stmt = stmt.where(Stocktake.items_with_variance == 0)
    if date_from is not None:
        stmt = stmt.where(Stocktake.posted_at >= datetime.combine(date_from, time()))
    if date_to is not None:
        stmt = stmt.where(Stocktake.posted_at < datetime.combine(date_to + timedelta(days=1), time()))
    return stmt.order_by(Stocktake.posted_at.desc(), Stocktake.id.desc())


def get(session, actor: Actor, stocktake_id: int) -> Stocktake:
    found = session.get(Stocktake, stocktake_id)
    if found is None or found.tenant_id != actor.require_tenant() or not actor.can_see_outlet(found.outlet_id):
        raise NotFound("Stocktake")
    return found


def views(session, rows: list[Stocktake]) -> list[dict]:
    """The stocktakes as people read them: the outlet's name, each line's item name and
    unit, variance and its value."""
    item_ids = {line["stock_item_id"] for row in rows for line in row.lines}
    items = {item.id: item for item in session.execute(select(StockItem).where(StockItem.id.in_(item_ids)))
             .scalars()} if item_ids else {}
    outlets = dict(session.execute(select(Outlet.id, Outlet.name).where(
        Outlet.id.in_({row.outlet_id for row in rows}))).all()) if rows else {}
    return [_view(row, items, outlets) for row in rows]


def _view(row: Stocktake, items: dict, outlets: dict) -> dict:
    lines = []
    for line in row.lines:
        item = items.get(line["stock_item_id"])
        variance = line["counted"] - line["expected"]
        lines.append({"stock_item_id": line["stock_item_id"], "name": item.name if item else "",
                      "unit": item.unit if item else "", "expected": line["expected"], "counted": line["counted"],
                      "variance": variance, "cost": line["cost"], "variance_value": variance * line["cost"]})
    return {"id": row.id, "uuid": row.uuid, "outlet_id": row.outlet_id, "outlet_name": outlets.get(row.outlet_id, ""),
            "blind": row.blind, "note": row.note, "started_by": row.started_by, "started_at": row.started_at,
            "posted_by": row.posted_by, "posted_at": row.posted_at, "movement_uuid": row.movement_uuid,
            "items_counted": len(lines), "items_with_variance": row.items_with_variance,
            "variance_value": row.variance_value, "lines": lines}
