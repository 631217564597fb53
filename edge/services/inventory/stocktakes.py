"""Stocktakes at the outlet, offline: a count sheet of stock items, counted (blind or not),
then posted: what the ledger expected at that moment is compared with what was counted,
and the differences are written as one `count` movement document (the ledger is never
overwritten: a count adjusts it). The posted sheet travels to the cloud as a
`stocktake.posted` event beside the movement's `stock.moved`, in the same transaction.

Expected is taken when the sheet is posted (not when it was started): post a count when
the items counted are not being sold, or the sales in between show as variance."""
from __future__ import annotations

from sqlalchemy import func, select

from edge.models import MirrorStockItem, StockMovement, Stocktake, StocktakeLine
from edge.services.inventory import stock
from edge.services.syncing import outbox
from sync.errors import Conflict, Invalid, NotFound
from sync.ids import new_uuid
from sync.timeutil import utcnow


def _items(session, ids: list[int] | None) -> list[MirrorStockItem]:
    stmt = select(MirrorStockItem).order_by(MirrorStockItem.name, MirrorStockItem.id)
    if ids is None:
        return list(session.execute(stmt.where(MirrorStockItem.is_active.is_(True))).scalars())
    if len(set(ids)) != len(ids):
        raise Invalid("A stock item is listed twice", "DUPLICATE_STOCK_ITEM", "stock_item_ids")
    found = {item.id: item for item in session.execute(stmt.where(MirrorStockItem.id.in_(ids))).scalars()}
    for index, item_id in enumerate(ids):
        if item_id not in found:
            raise Invalid(f"Stock item {item_id} is not known at this outlet", "INVALID_STOCK_ITEM",
                          f"stock_item_ids.{index}")
    return sorted(found.values(), key=lambda item: (item.name, item.id))


def start(session, user_id: int | None, blind: bool, note: str, stock_item_ids: list[int] | None) -> Stocktake:
    """A new count sheet of the given items (default: every active stock item)."""
    items = _items(session, stock_item_ids)
    if not items:
        raise Invalid("There is no stock item to count", "NOTHING_TO_COUNT", "stock_item_ids")
    sheet = Stocktake(uuid=new_uuid(), status="open", blind=blind, note=note, started_by=user_id, started_at=utcnow(),
                      lines=[StocktakeLine(stock_item_id=item.id) for item in items])
    session.add(sheet)
    session.flush()
    return sheet


def get(session, stocktake_id: int) -> Stocktake:
    found = session.get(Stocktake, stocktake_id)
    if found is None:
        raise NotFound("Stocktake", "STOCKTAKE_NOT_FOUND")
    return found


def listed(session) -> list[Stocktake]:
    return list(session.execute(select(Stocktake).order_by(Stocktake.started_at.desc(), Stocktake.id.desc()))
                .scalars())


def _open(sheet: Stocktake) -> None:
    if sheet.status != "open":
        raise Conflict(f"This stocktake is {sheet.status}", "STOCKTAKE_CLOSED")


def count(session, sheet: Stocktake, lines: list[dict]) -> Stocktake:
    """Record counts (base units, whole, >= 0); counting an item again replaces its count."""
    _open(sheet)
    on_sheet = {line.stock_item_id: line for line in sheet.lines}
    for index, line in enumerate(lines):
        if line["stock_item_id"] not in on_sheet:
            raise Invalid(f"Stock item {line['stock_item_id']} is not on this count sheet", "INVALID_STOCK_ITEM",
                          f"lines.{index}.stock_item_id")
    for line in lines:
        on_sheet[line["stock_item_id"]].counted = line["counted"]
    session.flush()
    return sheet


def on_hand_of(session, item_ids: list[int]) -> dict[int, int]:
    return {item_id: int(total or 0) for item_id, total in session.execute(
        select(StockMovement.stock_item_id, func.sum(StockMovement.quantity))
        .where(StockMovement.stock_item_id.in_(item_ids)).group_by(StockMovement.stock_item_id))}


def post(session, sheet: Stocktake, user_id: int | None) -> Stocktake:
    """Compare every count with the ledger now and write the differences as `count`
    movements; every line must be counted first."""
    _open(sheet)
    missing = [line.stock_item_id for line in sheet.lines if line.counted is None]
    if missing:
        raise Conflict(f"{len(missing)} item(s) of the sheet are not counted yet", "UNCOUNTED_ITEMS", "lines",
                       extra={"stock_item_ids": missing})
    ids = [line.stock_item_id for line in sheet.lines]
    held = on_hand_of(session, ids)
    costs = dict(session.execute(select(MirrorStockItem.id, MirrorStockItem.cost)
                                 .where(MirrorStockItem.id.in_(ids))).all())
    for line in sheet.lines:
        line.expected = held.get(line.stock_item_id, 0)
        line.cost = costs.get(line.stock_item_id, 0)
    now = utcnow()
    sheet.movement_uuid = stock.record(session, "count", {line.stock_item_id: line.counted - line.expected
                                                          for line in sheet.lines},
                                       reason=f"stocktake {sheet.uuid}", created_by=user_id)
    sheet.status, sheet.closed_by, sheet.closed_at = "posted", user_id, now
    session.flush()
    outbox.append(session, "stocktake.posted", sheet.uuid, {
        "uuid": sheet.uuid, "blind": sheet.blind, "note": sheet.note, "started_by": sheet.started_by,
        "started_at": sheet.started_at, "posted_by": user_id, "posted_at": now, "movement_uuid": sheet.movement_uuid,
        "lines": [{"stock_item_id": line.stock_item_id, "expected": line.expected, "counted": line.counted,
                   "cost": line.cost} for line in sheet.lines]})
    return sheet


def cancel(session, sheet: Stocktake, user_id: int | None) -> Stocktake:
    """Drop an open sheet: nothing was posted, nothing is sent."""
    _open(sheet)
    sheet.status, sheet.closed_by, sheet.closed_at = "cancelled", user_id, utcnow()
    session.flush()
    return sheet


def view(session, sheet: Stocktake) -> dict:
    """The sheet as people read it. Open: expected is the ledger now (hidden when blind);
    posted: the figures it was posted with. Variance = counted - expected, and its value
    at the item's cost."""
    items = {item.id: item for item in session.execute(
        select(MirrorStockItem).where(MirrorStockItem.id.in_([line.stock_item_id for line in sheet.lines])))
        .scalars()}
    live = sheet.status == "open"
    hidden = live and sheet.blind
    held = on_hand_of(session, [line.stock_item_id for line in sheet.lines]) if live and not hidden else {}
    lines, value = [], 0
    for line in sheet.lines:
        item = items.get(line.stock_item_id)
        expected = None if hidden else (held.get(line.stock_item_id, 0) if live else line.expected)
        cost = (item.cost if item else 0) if live else (line.cost or 0)
        variance = None if expected is None or line.counted is None else line.counted - expected
        variance_value = None if variance is None else variance * cost
        value += variance_value or 0
        lines.append({"stock_item_id": line.stock_item_id, "name": item.name if item else "", "unit":
                      item.unit if item else "", "counted": line.counted, "expected": expected, "variance": variance,
                      "variance_value": variance_value})
    return {"id": sheet.id, "uuid": sheet.uuid, "status": sheet.status, "blind": sheet.blind, "note": sheet.note,
            "started_by": sheet.started_by, "started_at": sheet.started_at, "closed_by": sheet.closed_by,
            "closed_at": sheet.closed_at, "movement_uuid": sheet.movement_uuid, "lines": lines,
            "variance_value": None if hidden else value}
