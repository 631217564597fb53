"""The outlet's menu, read from the mirror: effective price and availability."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from edge.models import MirrorCategory, MirrorOutletProduct, MirrorProduct
from edge.services.inventory import sold_out, stock
from edge.services.syncing import mirror_cache
from edge.services.syncing import outlet as outlet_settings
from sync.errors import Conflict, Invalid


@dataclass(frozen=True)
class ProductInfo:
    """A mirrored product as plain values (safe to keep between requests)."""

    id: int
    category_id: int
    sku: str
    barcode: str
    name: str
    description: str
    price: int
    image_url: str | None
    is_available: bool
    track_stock: bool
    stock_quantity: int | None
    sort_order: int
    modifier_groups: list


@dataclass(frozen=True)
class SellableProduct:
    product: ProductInfo
    price: int
    is_available: bool
    station: str
    category_name: str
    sold_out: bool = False  # marked sold out ("86") at this outlet by a manager
    out_of_stock: bool = False  # a stock item of its recipe is at or below zero and the outlet's rule warns


def _info(row: MirrorProduct) -> ProductInfo:
    return ProductInfo(row.id, row.category_id, row.sku, row.barcode, row.name, row.description, row.price,
                       row.image_url, row.is_available, row.track_stock, row.stock_quantity, row.sort_order,
                       row.modifier_groups)


def sellable(product: ProductInfo, override: MirrorOutletProduct | None,
             category: MirrorCategory | None, marked_sold_out: bool = False) -> SellableProduct:
    price = override.price if override is not None and override.price is not None else product.price
    available = (product.is_available and (override is None or override.is_available)
                 and (category is None or category.is_active)) and not marked_sold_out
    if product.track_stock and product.stock_quantity is not None and product.stock_quantity <= 0:
        available = False
    return SellableProduct(product, price, available, category.station if category else "main",
                           category.name if category else "", marked_sold_out)


def _with_marked_modifiers(product: ProductInfo, marked: set[int]) -> ProductInfo:
    """The product with the modifiers marked sold out at this outlet unavailable (and
    flagged `sold_out`), in copies: the mirror's rows stay as the cloud sent them."""
    if not marked or not any(m["id"] in marked for g in product.modifier_groups for m in g["modifiers"]):
        return product
    groups = [{**group, "modifiers": [{**m, "is_available": False, "sold_out": True} if m["id"] in marked else m
                                      for m in group["modifiers"]]} for group in product.modifier_groups]
    return replace(product, modifier_groups=groups)


def _load_menu(session) -> list[SellableProduct]:
    categories = {c.id: c for c in session.execute(select(MirrorCategory)).scalars()}
    overrides = {o.product_id: o for o in session.execute(select(MirrorOutletProduct)).scalars()}
    marked = sold_out.marked(session)
    products = session.execute(select(MirrorProduct).order_by(MirrorProduct.sort_order, MirrorProduct.id)).scalars()
    return [sellable(_with_marked_modifiers(_info(p), marked["modifier"]), overrides.get(p.id),
                     categories.get(p.category_id), p.id in marked["product"]) for p in products]


def menu(session) -> list[SellableProduct]:
    """The outlet's menu with its prices and availability (cached until the mirror changes)."""
    return mirror_cache.get("menu", lambda: _load_menu(session))


def with_stock(session, rows: list[SellableProduct]) -> list[SellableProduct]:
    """The menu as the till shows it now: under a rule that warns, a tracked product one of
    whose stock items is at or below zero is flagged `out_of_stock` (and, when the rule
    does not sell, unavailable). Read per request: every sale moves on-hand."""
    rule = outlet_settings.zero_stock(session)
    if not rule.warns:
        return rows
    empty = stock.out_of_stock_products(session)
    if not empty:
        return rows
    return [replace(row, out_of_stock=True, is_available=row.is_available and rule.sells)
            if row.product.id in empty else row for row in rows]


def load_for_sale(session, product_ids: set[int]) -> dict[int, SellableProduct]:
    by_id = mirror_cache.get("menu_by_id", lambda: {s.product.id: s for s in menu(session)})
    return {pid: by_id[pid] for pid in product_ids if pid in by_id}


def choose_modifiers(product: ProductInfo, modifier_ids: list[int], field: str) -> list[dict]:
    """The chosen modifiers, checked against the product's groups and their rules."""
    if len(set(modifier_ids)) != len(modifier_ids):
        raise Invalid("A modifier was chosen twice", "DUPLICATE_MODIFIER", field)
    wanted = set(modifier_ids)
    chosen: list[dict] = []
    for group in product.modifier_groups:
        picked = [m for m in group["modifiers"] if m["id"] in wanted]
        for modifier in picked:
            if not modifier.get("is_available", True):
                raise Conflict(f"{modifier['name']} is not available today", "MODIFIER_UNAVAILABLE", field)
        minimum = max(group["min_choices"], 1 if group["required"] else 0)
        if len(picked) < minimum:
            raise Invalid(
                f"Choose {'at least ' if group['max_choices'] > minimum else ''}{minimum} "
                f"{group['name']} option{'s' if minimum > 1 else ''} for {product.name}",
                "MODIFIER_REQUIRED", field)
        if len(picked) > group["max_choices"]:
            raise Invalid(f"Choose at most {group['max_choices']} {group['name']} for {product.name}",
                                   "TOO_MANY_MODIFIERS", field)
        chosen.extend({"id": m["id"], "name": m["name"], "price": m["price"]} for m in picked)
        wanted -= {m["id"] for m in picked}
    if wanted:
        raise Invalid(f"Modifier {sorted(wanted)[0]} is not an option of {product.name}",
                               "INVALID_MODIFIER", field)
    return chosen
