"""The outlet's menu, read from the mirror: effective price and availability."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from edge.models import MirrorCategory, MirrorOutletProduct, MirrorProduct
from sync.web.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class SellableProduct:
    product: MirrorProduct
    price: int
    is_available: bool
    station: str
    category_name: str


def _categories(session) -> dict[int, MirrorCategory]:
    return {c.id: c for c in session.execute(select(MirrorCategory)).scalars()}


def sellable(session, product: MirrorProduct, override: MirrorOutletProduct | None,
             category: MirrorCategory | None) -> SellableProduct:
    price = override.price if override is not None and override.price is not None else product.price
    available = (product.is_available and (override is None or override.is_available)
                 and (category is None or category.is_active))
    if product.track_stock and product.stock_quantity is not None and product.stock_quantity <= 0:
        available = False
    return SellableProduct(product, price, available, category.station if category else "main",
                           category.name if category else "")


def menu(session) -> list[SellableProduct]:
    categories = _categories(session)
    overrides = {o.product_id: o for o in session.execute(select(MirrorOutletProduct)).scalars()}
    products = session.execute(select(MirrorProduct).order_by(MirrorProduct.sort_order, MirrorProduct.id)).scalars()
    return [sellable(session, p, overrides.get(p.id), categories.get(p.category_id)) for p in products]


def load_for_sale(session, product_ids: set[int]) -> dict[int, SellableProduct]:
    products = session.execute(select(MirrorProduct).where(MirrorProduct.id.in_(product_ids))).scalars().all()
    overrides = {o.product_id: o for o in session.execute(
        select(MirrorOutletProduct).where(MirrorOutletProduct.product_id.in_(product_ids))).scalars()}
    categories = {c.id: c for c in session.execute(
        select(MirrorCategory).where(MirrorCategory.id.in_({p.category_id for p in products}))).scalars()}
    return {p.id: sellable(session, p, overrides.get(p.id), categories.get(p.category_id)) for p in products}


def choose_modifiers(product: MirrorProduct, modifier_ids: list[int], field: str) -> list[dict]:
    """The chosen modifiers, checked against the product's groups and their rules."""
    if len(set(modifier_ids)) != len(modifier_ids):
        raise ValidationFailed("A modifier was chosen twice", "DUPLICATE_MODIFIER", field)
    wanted = set(modifier_ids)
    chosen: list[dict] = []
    for group in product.modifier_groups:
        picked = [m for m in group["modifiers"] if m["id"] in wanted]
        for modifier in picked:
            if not modifier.get("is_available", True):
                raise Conflict(f"{modifier['name']} is not available today", "MODIFIER_UNAVAILABLE", field)
        minimum = max(group["min_choices"], 1 if group["required"] else 0)
        if len(picked) < minimum:
            raise ValidationFailed(
                f"Choose {'at least ' if group['max_choices'] > minimum else ''}{minimum} "
                f"{group['name']} option{'s' if minimum > 1 else ''} for {product.name}",
                "MODIFIER_REQUIRED", field)
        if len(picked) > group["max_choices"]:
            raise ValidationFailed(f"Choose at most {group['max_choices']} {group['name']} for {product.name}",
                                   "TOO_MANY_MODIFIERS", field)
        chosen.extend({"id": m["id"], "name": m["name"], "price": m["price"]} for m in picked)
        wanted -= {m["id"] for m in picked}
    if wanted:
        raise ValidationFailed(f"Modifier {sorted(wanted)[0]} is not an option of {product.name}",
                               "INVALID_MODIFIER", field)
    return chosen
