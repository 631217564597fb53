"""Cost of goods sold and gross margin per product over the analytics scope (docs/api-extensions.md,
"Margins").

The units are the ones analytics counts as sold: lines of the period's sold orders, less
voided and refunded units (`analytics.KEPT_UNITS`). For each product:
- revenue: the kept units' share of their lines' totals, exactly the products report's
  figure (service charge and tax included);
- net sales: the same share of the lines' net price (after discounts, before service
  charge and tax): what the outlet earns on the goods, and the base of the margin;
- cost of goods sold: the kept units x what one unit uses by the recipes (the product's
  own recipe and the recipes of the modifiers chosen on the line) x each stock item's
  cost per base unit. Integers times integers: no rounding. Today's recipes and costs
  are used: a recipe or a cost changed later re-prices earlier sales;
- margin = net sales - COGS; margin % = margin / net sales x 100, two decimals rounded
  half up, a string ("62.50"); null when there are no net sales.

The database groups the lines by product and by the modifiers chosen (the JSON as text:
one row per product and combination, never per order); the recipes are applied to those
few groups here.
"""
from __future__ import annotations

import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, cast, func, select

from cloud.models import Recipe, StockItem, SyncedOrder, SyncedOrderItem
from cloud.services import analytics
from cloud.services.analytics import KEPT_REVENUE, KEPT_UNITS, Scope

_REMOVED = SyncedOrderItem.voided_quantity + SyncedOrderItem.refunded_quantity
KEPT_NET = SyncedOrderItem.total_price - (
    (2 * SyncedOrderItem.total_price * _REMOVED + SyncedOrderItem.quantity) // (2 * SyncedOrderItem.quantity))


def percent(part: int, whole: int) -> str | None:
    """`part` of `whole` in percent, two decimals rounded half up, as text; None without a whole."""
    if whole <= 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def unit_costs(session, tenant_id: int) -> tuple[dict, dict]:
    """({product id: cost of one unit by its recipe}, {modifier id: cost it adds}), minor units."""
    cost = dict(session.execute(select(StockItem.id, StockItem.cost).where(StockItem.tenant_id == tenant_id)).all())
    products: dict[int, int] = defaultdict(int)
    modifiers: dict[int, int] = defaultdict(int)
    for product_id, modifier_id, item_id, quantity in session.execute(
            select(Recipe.product_id, Recipe.modifier_id, Recipe.stock_item_id, Recipe.quantity)
            .where(Recipe.tenant_id == tenant_id)):
        owner, key = (products, product_id) if product_id is not None else (modifiers, modifier_id)
        owner[key] += quantity * int(cost.get(item_id) or 0)
    return products, modifiers


def _modifier_ids(text: str | None) -> list[int]:
    chosen = json.loads(text) if text else []
    # a modifier chosen twice is used once, as the edge's ledger counts it (edge stock.per_unit)
    return list(dict.fromkeys(m["id"] for m in chosen or [] if isinstance(m, dict) and isinstance(m.get("id"), int)))


def margins(session, scope: Scope) -> dict:
    """Per product sold in scope (highest net sales first) and the totals."""
    combination = cast(SyncedOrderItem.modifiers, String)
    rows = session.execute(
        select(SyncedOrderItem.product_id, combination, func.max(SyncedOrderItem.product_name),
               func.max(SyncedOrderItem.sku), func.sum(KEPT_UNITS), func.sum(KEPT_REVENUE), func.sum(KEPT_NET))
        .join(SyncedOrder, SyncedOrder.id == SyncedOrderItem.order_id)
        .where(*analytics.sold_conditions(scope), SyncedOrderItem.tenant_id == scope.tenant_id)
        .group_by(SyncedOrderItem.product_id, combination)).all()
    product_cost, modifier_cost = unit_costs(session, scope.tenant_id)
    per_product: dict[int, dict] = {}
    for product_id, chosen, name, sku, units, revenue, net in rows:
        units = int(units or 0)
        row = per_product.setdefault(product_id, {"product_id": product_id, "name": name, "sku": sku or "",
                                                  "quantity": 0, "revenue": 0, "net_sales": 0, "cogs": 0})
        one = product_cost.get(product_id, 0) + sum(modifier_cost.get(m, 0) for m in _modifier_ids(chosen))
        row["quantity"] += units
        row["revenue"] += int(revenue or 0)
        row["net_sales"] += int(net or 0)
        row["cogs"] += units * one
    results = []
    for row in per_product.values():
        if row["quantity"] <= 0:
            continue  # as the products report: nothing of it was kept
        margin = row["net_sales"] - row["cogs"]
        results.append({**row, "has_recipe": row["product_id"] in product_cost, "margin": margin,
                        "margin_percent": percent(margin, row["net_sales"])})
    results.sort(key=lambda r: (-r["net_sales"], -r["quantity"], r["product_id"]))
    totals = {name: sum(r[name] for r in results) for name in ("quantity", "revenue", "net_sales", "cogs", "margin")}
    totals["margin_percent"] = percent(totals["margin"], totals["net_sales"])
    return {"tenant": analytics.tenant_summary(session, scope), "period": analytics.period_summary(scope),
            "totals": totals, "results": results}
