"""Stock master data (stock items and recipes) and the on-hand read of an outlet's ledger.

Recipes say what one unit of a product, or of a modifier chosen with it, uses; a product
sold as it is (a can) has a one-piece recipe on its own stock item. Outlets mirror both
by pull and write their own ledger; the cloud keeps the ledger each outlet pushed.
"""
from __future__ import annotations

from sqlalchemy import func, select

from cloud.models import Modifier, OutletSoldOut, Product, Recipe, StockItem, StockMovement
from cloud.services import tenants as tenant_service
from cloud.services.actor import Actor
from sync.errors import Conflict, Invalid, NotFound

ITEM_FIELDS = ("name", "unit", "cost", "purchase_units", "is_active")


# --- stock items ---------------------------------------------------------------------

def _name_free(session, tenant_id: int, name: str, exclude_id: int | None = None) -> None:
    stmt = select(StockItem.id).where(StockItem.tenant_id == tenant_id, StockItem.name == name)
    if exclude_id:
        stmt = stmt.where(StockItem.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(f"Stock item '{name}' already exists", "STOCK_ITEM_EXISTS", "name")


def items_query(tenant_id: int):
    return select(StockItem).where(StockItem.tenant_id == tenant_id)


def get_item(session, tenant_id: int, item_id: int, field: str | None = None) -> StockItem:
    item = session.get(StockItem, item_id)
    if item is None or item.tenant_id != tenant_id:
        if field:
            raise Invalid("Stock item does not exist", "INVALID_STOCK_ITEM", field)
        raise NotFound("Stock item")
    return item


def create_item(session, actor: Actor, data: dict) -> StockItem:
    tenant_id = actor.require_tenant()
    _name_free(session, tenant_id, data["name"])
    item = StockItem(tenant_id=tenant_id, **{k: v for k, v in data.items() if k in ITEM_FIELDS})
    session.add(item)
    session.flush()
    return item


def update_item(session, item: StockItem, changes: dict) -> StockItem:
    if "unit" in changes and changes["unit"] != item.unit:
        # every recipe and every movement counts in the old unit: changing it would rescale history
        raise Conflict("A stock item's unit cannot change; create a new item", "UNIT_FIXED", "unit")
    if "name" in changes and changes["name"] != item.name:
        _name_free(session, item.tenant_id, changes["name"], item.id)
    for key, value in changes.items():
        if key in ITEM_FIELDS:
            setattr(item, key, value)
    session.flush()
    return item


def delete_item(session, item: StockItem) -> None:
    in_use = session.execute(select(Recipe.id).where(Recipe.stock_item_id == item.id).limit(1)).first()
    if in_use:
        raise Conflict("Recipes still use this stock item; delete them first", "STOCK_ITEM_IN_USE")
    session.delete(item)
    session.flush()


# --- recipes -------------------------------------------------------------------------

def recipes_query(tenant_id: int, product_id: int | None = None, modifier_id: int | None = None):
    stmt = select(Recipe).where(Recipe.tenant_id == tenant_id)
    if product_id is not None:
        stmt = stmt.where(Recipe.product_id == product_id)
    if modifier_id is not None:
        stmt = stmt.where(Recipe.modifier_id == modifier_id)
    return stmt


def get_recipe(session, tenant_id: int, recipe_id: int) -> Recipe:
    recipe = session.get(Recipe, recipe_id)
    if recipe is None or recipe.tenant_id != tenant_id:
        raise NotFound("Recipe")
    return recipe


def _owner_exists(session, tenant_id: int, product_id: int | None, modifier_id: int | None) -> None:
    if (product_id is None) == (modifier_id is None):
        raise Invalid("A recipe belongs to a product or to a modifier: name exactly one",
                               "INVALID_RECIPE_OWNER", "product_id")
    if product_id is not None:
        product = session.get(Product, product_id)
        if product is None or product.tenant_id != tenant_id:
            raise Invalid("Product does not exist", "INVALID_PRODUCT", "product_id")
    else:
        modifier = session.get(Modifier, modifier_id)
        if modifier is None or modifier.tenant_id != tenant_id:
            raise Invalid("Modifier does not exist", "INVALID_MODIFIER", "modifier_id")


def _same(column, value):
    return column.is_(None) if value is None else column == value


def create_recipe(session, actor: Actor, data: dict) -> Recipe:
    tenant_id = actor.require_tenant()
    product_id, modifier_id = data.get("product_id"), data.get("modifier_id")
    _owner_exists(session, tenant_id, product_id, modifier_id)
    get_item(session, tenant_id, data["stock_item_id"], field="stock_item_id")
    taken = session.execute(select(Recipe.id).where(
        Recipe.tenant_id == tenant_id, _same(Recipe.product_id, product_id), _same(Recipe.modifier_id, modifier_id),
        Recipe.stock_item_id == data["stock_item_id"])).first()
    if taken:
        raise Conflict("That stock item is already in this recipe; change its quantity instead", "RECIPE_EXISTS",
                       "stock_item_id")
    recipe = Recipe(tenant_id=tenant_id, product_id=product_id, modifier_id=modifier_id,
                    stock_item_id=data["stock_item_id"], quantity=data["quantity"])
    session.add(recipe)
    session.flush()
    return recipe


def update_recipe(session, recipe: Recipe, changes: dict) -> Recipe:
    if "quantity" in changes:
        recipe.quantity = changes["quantity"]
    session.flush()
    return recipe


def delete_recipe(session, recipe: Recipe) -> None:
    session.delete(recipe)
    session.flush()


# --- on hand -------------------------------------------------------------------------

def on_hand(session, actor: Actor, outlet_id: int) -> list[dict]:
    """Every stock item of the tenant with what the outlet's synced ledger sums to (base unit),
    its cost per base unit now and the value of what is on hand (minor units)."""
    tenant_service.get_outlet(session, actor, outlet_id)  # another tenant's (or outlet's): 404
    tenant_id = actor.require_tenant()
    sums = dict(session.execute(
        select(StockMovement.stock_item_id, func.sum(StockMovement.quantity))
        .where(StockMovement.tenant_id == tenant_id, StockMovement.outlet_id == outlet_id)
        .group_by(StockMovement.stock_item_id)).all())
    items = session.execute(items_query(tenant_id).order_by(StockItem.name, StockItem.id)).scalars()
    rows = [{"stock_item_id": item.id, "name": item.name, "unit": item.unit, "on_hand": int(sums.get(item.id) or 0),
             "cost": item.cost} for item in items]
    return [{**row, "value": row["on_hand"] * row["cost"]} for row in rows]


def sold_out(session, actor: Actor, outlet_id: int) -> list[OutletSoldOut]:
    """What the outlet has marked sold out ("86") at its till, as synced (oldest mark first)."""
    tenant_service.get_outlet(session, actor, outlet_id)  # another tenant's (or outlet's): 404
    return list(session.execute(
        select(OutletSoldOut).where(OutletSoldOut.tenant_id == actor.require_tenant(),
                                    OutletSoldOut.outlet_id == outlet_id, OutletSoldOut.sold_out.is_(True))
        .order_by(OutletSoldOut.changed_at, OutletSoldOut.id)).scalars())
