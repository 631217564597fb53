"""The outlet's stock ledger: what sales use (by the mirrored recipes), what voids, refunds
and cancellations give back, deliveries received and waste, each a movement document
written in the transaction of the change it records, with its `stock.moved` outbox event.

Rules (docs/api-extensions.md, "Stock"):
- Confirming an order (sending it to the kitchen) uses, per line, its recipe and the
  recipes of its modifiers times its live units. A product without a recipe uses
  nothing: a product sold as it is (a can) has a one-piece recipe on its own stock item.
- A void gives back only what had been used and not started: units of a confirmed
  order's line still `queued`. A void before confirmation gives nothing back (nothing
  was used) and the units never count.
- A refund gives nothing back unless the manager says so (`restock`): a refunded pizza
  is not back in the fridge.
- Cancelling a confirmed order gives back its `queued` lines' live units.
- Recipes are read when the movement is made: a void after a recipe change gives back
  by the new recipe.
Selling never stops on stock: on-hand may go below zero (counts are often wrong).
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from edge.models import MirrorRecipe, MirrorStockItem, Order, OrderItem, StockMovement
from edge.services import audit
from edge.services.syncing import mirror_cache, outbox
from sync import vocab
from sync.errors import Conflict, Invalid
from sync.ids import new_uuid
from sync.timeutil import utcnow

_INSERT = StockMovement.__table__.insert()


def _recipes(session) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """The mirror's recipes by owner (("product", id) or ("modifier", id)) -> [(stock item,
    quantity)]. Held in the mirror cache, which every pull that changes the mirror clears:
    a sale reads a dict, not the table once per line (11 % of a sale's calls when it did)."""
    def load():
        table: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        for row in session.execute(select(MirrorRecipe.product_id, MirrorRecipe.modifier_id,
                                          MirrorRecipe.stock_item_id, MirrorRecipe.quantity)):
            owner = ("product", row.product_id) if row.product_id is not None else ("modifier", row.modifier_id)
            table[owner].append((row.stock_item_id, row.quantity))
        return dict(table)
    return mirror_cache.get("recipes", load)


def per_unit(session, product_id: int, modifier_ids: list[int]) -> dict[int, int]:
    """Base units of each stock item one unit of the product, with these modifiers, uses."""
    recipes = _recipes(session)
    uses: dict[int, int] = defaultdict(int)
    for owner in (("product", product_id), *(("modifier", m) for m in dict.fromkeys(modifier_ids))):
        for stock_item_id, quantity in recipes.get(owner, ()):
            uses[stock_item_id] += quantity
    return uses


def _line_uses(session, item: OrderItem, units: int) -> dict[int, int]:
    return {stock_item_id: quantity * units for stock_item_id, quantity in
            per_unit(session, item.product_id, [m["id"] for m in item.modifiers or []]).items()}


def _add(total: dict[int, int], more: dict[int, int], sign: int) -> None:
    for stock_item_id, quantity in more.items():
        total[stock_item_id] += sign * quantity


def record(session, kind: str, lines: dict[int, int], *, order_uuid: str | None = None, reason: str = "",
           created_by: int | None = None, costs: dict[int, int] | None = None, uuid: str | None = None) -> str | None:
    """Append one movement document (one row per stock item) and its outbox event; nothing
    when every quantity is zero. Returns the document's uuid (`uuid`: a transfer's own)."""
    lines = {item_id: quantity for item_id, quantity in lines.items() if quantity}
    if not lines:
        return None
    uuid, now, costs = uuid or new_uuid(), utcnow(), costs or {}
    session.connection().execute(_INSERT, [
        {"uuid": uuid, "stock_item_id": item_id, "kind": kind, "quantity": quantity, "cost": costs.get(item_id),
         "reason": reason, "order_uuid": order_uuid, "created_by": created_by, "created_at": now}
        for item_id, quantity in sorted(lines.items())])
    outbox.append(session, "stock.moved", uuid, {
        "uuid": uuid, "kind": kind, "order_uuid": order_uuid, "reason": reason, "created_by": created_by,
        "created_at": now, "lines": [{"stock_item_id": item_id, "quantity": quantity, "cost": costs.get(item_id)}
                                     for item_id, quantity in sorted(lines.items())]})
    if kind in vocab.STOCK_ADJUSTMENT_KINDS:  # someone changed the count by hand: who, what and why
        audit.record(session, "stock_adjustment", user_id=created_by, object_type="stock_movement", object_id=uuid,
                     after={"kind": kind, "reason": reason,
                            "lines": [{"stock_item_id": item_id, "quantity": quantity}
                                      for item_id, quantity in sorted(lines.items())]})
    return uuid


# --- what orders do ------------------------------------------------------------------

def on_confirmed(session, order: Order) -> None:
    """The order went to the kitchen: its lines' live units are used."""
    used: dict[int, int] = defaultdict(int)
    for item in order.items:
        _add(used, _line_uses(session, item, item.quantity - item.voided_quantity), -1)
    record(session, "sale", used, order_uuid=order.uuid, created_by=order.cashier_id)


def on_voided(session, order: Order, voided: list[tuple[OrderItem, int, str]], user_id: int | None,
              reason: str) -> None:
    """`voided`: (line, units, its prep_status before the void). Units used and not started
    come back; the rest stays used (the kitchen had started it) or was never used."""
    if order.confirmed_at is None:
        return
    back: dict[int, int] = defaultdict(int)
    for item, units, prep_status in voided:
        if prep_status == "queued":
            _add(back, _line_uses(session, item, units), 1)
    record(session, "void", back, order_uuid=order.uuid, reason=reason, created_by=user_id)


def on_refunded(session, order: Order, lines: list[tuple[OrderItem, int]], user_id: int | None, reason: str,
                restock: bool) -> None:
    """A refund gives the lines' stock back only when the manager says it went back (`restock`)."""
    if not restock or order.confirmed_at is None:
        return
    back: dict[int, int] = defaultdict(int)
    for item, units in lines:
        _add(back, _line_uses(session, item, units), 1)
    record(session, "refund", back, order_uuid=order.uuid, reason=reason, created_by=user_id)


def on_cancelled(session, order: Order, was_confirmed: bool, reason: str) -> None:
    """A cancelled confirmed order gives back what its not-started lines used."""
    if not was_confirmed:
        return
    back: dict[int, int] = defaultdict(int)
    for item in order.items:
        if item.prep_status == "queued":
            _add(back, _line_uses(session, item, item.quantity - item.voided_quantity - item.refunded_quantity), 1)
    record(session, "cancel", back, order_uuid=order.uuid, reason=reason)


# --- what the stockroom does -----------------------------------------------------------

def check_known(session, lines: list[dict]) -> None:
    """Refuse a line naming a stock item this outlet does not know (INVALID_STOCK_ITEM)."""
    ids = {line["stock_item_id"] for line in lines}
    known = set(session.execute(select(MirrorStockItem.id).where(MirrorStockItem.id.in_(ids))).scalars())
    for index, line in enumerate(lines):
        if line["stock_item_id"] not in known:
            raise Invalid(f"Stock item {line['stock_item_id']} is not known at this outlet",
                                   "INVALID_STOCK_ITEM", f"lines.{index}.stock_item_id")


def receive(session, user_id: int, lines: list[dict], reason: str) -> str:
    """A delivery: each line's quantity (base units, > 0) and what it cost (minor units)."""
    check_known(session, lines)
    quantities: dict[int, int] = defaultdict(int)
    costs: dict[int, int] = defaultdict(int)
    for line in lines:
        quantities[line["stock_item_id"]] += line["quantity"]
        costs[line["stock_item_id"]] += line.get("cost") or 0
    return record(session, "receive", quantities, reason=reason, created_by=user_id, costs=costs)


def waste(session, user_id: int, lines: list[dict], reason: str) -> str:
    """Stock thrown away (burnt, dropped, out of date), with the reason."""
    check_known(session, lines)
    quantities: dict[int, int] = defaultdict(int)
    for line in lines:
        quantities[line["stock_item_id"]] -= line["quantity"]
    return record(session, "waste", quantities, reason=reason, created_by=user_id)


# --- reads -----------------------------------------------------------------------------

def tracked_items(session) -> dict[int, set[int]]:
    """Products with a recipe (the tracked ones) -> the stock items their own recipe uses."""
    return {owner[1]: {item_id for item_id, _ in lines} for owner, lines in _recipes(session).items()
            if owner[0] == "product"}


def at_or_below_zero(session, stock_item_ids) -> dict[int, int]:
    """Of these stock items, the ones whose on-hand is at or below zero -> that on-hand
    (an item with no movement at all is at zero)."""
    wanted = set(stock_item_ids)
    if not wanted:
        return {}
    sums = dict(session.execute(select(StockMovement.stock_item_id, func.sum(StockMovement.quantity))
                                .where(StockMovement.stock_item_id.in_(wanted))
                                .group_by(StockMovement.stock_item_id)).all())
    return {item_id: int(sums.get(item_id) or 0) for item_id in wanted if int(sums.get(item_id) or 0) <= 0}


def out_of_stock_products(session) -> set[int]:
    """The tracked products of which one stock item is at or below zero now (one query)."""
    tracked = tracked_items(session)
    empty = at_or_below_zero(session, set().union(*tracked.values())) if tracked else {}
    return {product_id for product_id, items in tracked.items() if items & empty.keys()}


def refuse_when_out(session, product_name: str, uses: dict[int, int], field: str) -> None:
    """Under the outlet's `block` rule: refuse a line one of whose stock items (by the
    product's and its modifiers' recipes) is at or below zero (409 OUT_OF_STOCK)."""
    empty = at_or_below_zero(session, uses.keys())
    if not empty:
        return
    names = dict(session.execute(select(MirrorStockItem.id, MirrorStockItem.name)
                                 .where(MirrorStockItem.id.in_(empty.keys()))).all())
    listed = ", ".join(sorted(names.get(item_id, str(item_id)) for item_id in empty))
    raise Conflict(f"{product_name} is out of stock ({listed} at or below zero)", "OUT_OF_STOCK", field)


def on_hand(session) -> list[dict]:
    """Every mirrored stock item with the sum of its movements (base units)."""
    sums = dict(session.execute(select(StockMovement.stock_item_id, func.sum(StockMovement.quantity))
                                .group_by(StockMovement.stock_item_id)).all())
    items = session.execute(select(MirrorStockItem).order_by(MirrorStockItem.name, MirrorStockItem.id)).scalars()
    return [{"stock_item_id": item.id, "name": item.name, "unit": item.unit, "on_hand": int(sums.get(item.id) or 0)}
            for item in items]


def movements_of(session, order_uuid: str | None = None, document_uuid: str | None = None) -> list[StockMovement]:
    stmt = select(StockMovement).order_by(StockMovement.id)
    if order_uuid is not None:
        stmt = stmt.where(StockMovement.order_uuid == order_uuid)
    if document_uuid is not None:
        stmt = stmt.where(StockMovement.uuid == document_uuid)
    return list(session.execute(stmt).scalars())
