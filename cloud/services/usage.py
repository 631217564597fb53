"""Theoretical against actual usage of stock, per outlet and stock item, over a range of
business dates (docs/api-extensions.md, "Stock usage").

Both figures come from the outlet's ledger as it synced, in base units:
- theoretical: what the recipes say the sales used: the `sale` movements less what voids,
  restocked refunds and cancellations gave back (the edge wrote each by the recipes);
- actual: opening on-hand + received + transferred in - transferred out - wasted - closing
  on-hand. The ledger's on-hand is only known to be true where a stocktake counted it: a
  posted count writes the difference between the count and the ledger (`count`), so the
  closing figure carries every count of the range.

So the variance, actual - theoretical, is exactly what the range's counts found, with the
sign turned: positive means more was used than the recipes say (stock missing). An item
no stocktake counted in the range has no truth point there: its variance is 0 and its
`counts` says so. A count absorbs everything since the item's previous count, which may
be before the range. Values are quantity x the item's cost per base unit now (integers
times integers: no rounding).

The range is the outlet's business dates (its local midnight to midnight, `to` included);
each movement counts by the outlet clock's time it was recorded (`created_at`, UTC).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, case, func, select

from cloud.models import Outlet, StockItem, StockMovement, Stocktake
from cloud.services.analytics import Scope, tenant_summary

SOLD_KINDS = ("sale", "void", "refund", "cancel")  # what selling moved, by the recipes


def utc_bounds(timezone: str, date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The outlet-local midnight that opens `date_from` and the one that closes `date_to`,
    as naive UTC (the ledger's clock)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)

    return midnight(date_from), midnight(date_to + timedelta(days=1))


def _sums(session, tenant_id: int, outlet_id: int, start: datetime, end: datetime) -> dict[int, dict]:
    """Per stock item: the ledger before `start`, and the range's movements by what moved them."""
    moved = StockMovement.quantity
    in_range = StockMovement.created_at >= start

    def total(*conditions):
        return func.sum(case((and_(*conditions), moved), else_=0))

    columns = {
        "opening": func.sum(case((StockMovement.created_at < start, moved), else_=0)),
        "sold": total(in_range, StockMovement.kind.in_(SOLD_KINDS)),
        "received": total(in_range, StockMovement.kind == "receive"),
        "transferred_in": total(in_range, StockMovement.kind == "transfer_in"),
        "transferred_out": total(in_range, StockMovement.kind == "transfer_out"),
        "wasted": total(in_range, StockMovement.kind == "waste"),
        "counted": total(in_range, StockMovement.kind == "count"),
    }
    rows = session.execute(
        select(StockMovement.stock_item_id, *(column.label(name) for name, column in columns.items()))
        .where(StockMovement.tenant_id == tenant_id, StockMovement.outlet_id == outlet_id,
               StockMovement.created_at < end)
        .group_by(StockMovement.stock_item_id)).all()
    return {row.stock_item_id: {name: int(getattr(row, name) or 0) for name in columns} for row in rows}


def _truth_points(session, tenant_id: int, outlet_id: int, start: datetime, end: datetime) -> dict[int, list]:
    """Per stock item: when the range's posted stocktakes counted it (zero variance too)."""
    points: dict[int, list] = {}
    for posted_at, lines in session.execute(
            select(Stocktake.posted_at, Stocktake.lines).where(
                Stocktake.tenant_id == tenant_id, Stocktake.outlet_id == outlet_id,
                Stocktake.posted_at >= start, Stocktake.posted_at < end).order_by(Stocktake.posted_at)):
        for line in lines:
            points.setdefault(line["stock_item_id"], []).append(posted_at)
    return points


def _row(outlet: Outlet, item: StockItem | None, item_id: int, sums: dict, counted_at: list) -> dict:
    closing = sum(value for name, value in sums.items() if name != "opening") + sums["opening"]
    theoretical = -sums["sold"]
    # the ledger stores what left as negative quantities: wasted and sent are shown as amounts
    transferred_out, wasted = -sums["transferred_out"], -sums["wasted"]
    actual = sums["opening"] + sums["received"] + sums["transferred_in"] - transferred_out - wasted - closing
    variance = actual - theoretical
    cost = item.cost if item else 0
    return {
        "outlet_id": outlet.id, "outlet_name": outlet.name, "stock_item_id": item_id,
        "name": item.name if item else "", "unit": item.unit if item else "", "cost": cost,
        "opening": sums["opening"], "received": sums["received"], "transferred_in": sums["transferred_in"],
        "transferred_out": transferred_out, "wasted": wasted, "closing": closing,
        "theoretical": theoretical, "actual": actual, "variance": variance,
        "theoretical_value": theoretical * cost, "actual_value": actual * cost, "variance_value": variance * cost,
        "counts": len(counted_at), "last_counted_at": counted_at[-1] if counted_at else None,
    }


def usage(session, scope: Scope) -> dict:
    """Every outlet in scope, every stock item its ledger has touched up to the range's
    end: the usage figures (docstring of the module), largest variance value first."""
    outlets = select(Outlet).where(Outlet.tenant_id == scope.tenant_id)
    if scope.outlet_id is not None:
        outlets = outlets.where(Outlet.id == scope.outlet_id)
    items = {item.id: item for item in session.execute(
        select(StockItem).where(StockItem.tenant_id == scope.tenant_id)).scalars()}
    rows = []
    for outlet in session.execute(outlets.order_by(Outlet.name, Outlet.id)).scalars():
        start, end = utc_bounds(outlet.timezone, scope.date_from, scope.date_to)
        points = _truth_points(session, scope.tenant_id, outlet.id, start, end)
        for item_id, sums in _sums(session, scope.tenant_id, outlet.id, start, end).items():
            rows.append(_row(outlet, items.get(item_id), item_id, sums, points.get(item_id, [])))
    rows.sort(key=lambda row: (-row["variance_value"], row["outlet_name"], row["name"], row["stock_item_id"]))
    return {"tenant": tenant_summary(session, scope), "date_from": scope.date_from, "date_to": scope.date_to,
            "outlet_id": scope.outlet_id,
            "theoretical_value": sum(row["theoretical_value"] for row in rows),
            "actual_value": sum(row["actual_value"] for row in rows),
            "variance_value": sum(row["variance_value"] for row in rows), "results": rows}
