"""The menu: categories, products, modifier groups, per-outlet prices, and the approval
workflow (brief 003) that keeps a manager's new product or price change away from the
outlets until a tenant owner approves it."""
from __future__ import annotations

from sqlalchemy import select

from cloud.models import Category, Modifier, ModifierGroup, Outlet, OutletProduct, Product, Promotion, PromotionProduct
from cloud.models.catalog import MODIFIER_TYPES
from cloud.services import audit
from cloud.services.actor import Actor
from sync.errors import Conflict, Forbidden, Invalid, NotFound
from sync.money import format_amount
from sync.timeutil import utcnow

CATEGORY_FIELDS = ("name", "description", "sort_order", "station", "is_active")
PRODUCT_DIRECT_FIELDS = ("name", "description", "image_url", "is_available", "track_stock", "stock_quantity",
                         "barcode", "sort_order")


# --- categories ----------------------------------------------------------------------

def _category_name_free(session, tenant_id: int, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Category.id).where(Category.tenant_id == tenant_id, Category.name == name)
    if exclude_id:
        stmt = stmt.where(Category.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(f"Category '{name}' already exists", "CATEGORY_EXISTS", "name")


def create_category(session, actor: Actor, data: dict) -> Category:
    tenant_id = actor.require_tenant()
    _category_name_free(session, tenant_id, data["name"])
    category = Category(tenant_id=tenant_id, **{k: v for k, v in data.items() if k in CATEGORY_FIELDS})
    session.add(category)
    session.flush()
    return category


def get_category(session, tenant_id: int, category_id: int, field: str | None = None) -> Category:
    category = session.get(Category, category_id)
    if category is None or category.tenant_id != tenant_id:
        if field:
            raise Invalid("Category does not exist", "INVALID_CATEGORY", field)
        raise NotFound("Category")
    return category


def update_category(session, category: Category, changes: dict) -> Category:
    if "name" in changes and changes["name"] != category.name:
        _category_name_free(session, category.tenant_id, changes["name"], category.id)
    for key, value in changes.items():
        if key in CATEGORY_FIELDS:
            setattr(category, key, value)
    session.flush()
    return category


def delete_category(session, category: Category) -> None:
    in_use = session.execute(select(Product.id).where(Product.category_id == category.id).limit(1)).first()
    if in_use:
        raise Conflict("Category still has products; move or delete them first", "CATEGORY_IN_USE")
    session.delete(category)
    session.flush()


def categories_query(tenant_id: int):
    return select(Category).where(Category.tenant_id == tenant_id)


# --- products ------------------------------------------------------------------------

def _sku_free(session, tenant_id: int, sku: str, exclude_id: int | None = None) -> None:
    stmt = select(Product.id).where(Product.tenant_id == tenant_id, Product.sku == sku)
    if exclude_id:
        stmt = stmt.where(Product.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(f"SKU '{sku}' is already used in this tenant", "SKU_TAKEN", "sku")


def get_product(session, tenant_id: int, product_id: int, *, published_only: bool = False) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.tenant_id != tenant_id or (published_only and not product.is_published):
        raise NotFound("Product")
    return product


def products_query(tenant_id: int, *, published_only: bool):
    stmt = select(Product).where(Product.tenant_id == tenant_id)
    if published_only:
        stmt = stmt.where(Product.is_published.is_(True))
    return stmt


def _approve_now(product: Product, actor: Actor) -> None:
    product.status = "approved"
    product.is_published = True
    product.approved_by_id = actor.user_id
    product.approved_at = utcnow()
    product.pending_changes = {}


def create_product(session, actor: Actor, data: dict) -> Product:
    tenant_id = actor.require_tenant()
    get_category(session, tenant_id, data["category_id"], field="category_id")
    _sku_free(session, tenant_id, data["sku"])
    product = Product(
        tenant_id=tenant_id, sku=data["sku"], name=data["name"], category_id=data["category_id"],
        price=data["price"], created_by_id=actor.user_id,
        **{k: data[k] for k in PRODUCT_DIRECT_FIELDS if k in data and k != "name"},
    )
    if actor.at_least("tenant_owner"):
        _approve_now(product, actor)
    else:
        wanted = data.get("status", "pending_approval")
        if wanted not in ("draft", "pending_approval"):
            raise Forbidden("A manager's product starts as draft or pending_approval", "APPROVAL_REQUIRED")
        product.status = wanted
    session.add(product)
    for group in data.get("modifier_groups") or []:
        add_modifier_group(session, product, group, touch=False)
    session.flush()
    return product


def _touch(product: Product) -> None:
    """Mark a product changed so its new version reaches the outlets."""
    product.updated_at = utcnow()


def update_product(session, actor: Actor, product: Product, changes: dict) -> Product:
    owner = actor.at_least("tenant_owner")
    price_before = product.price
    if "sku" in changes and changes["sku"] != product.sku:
        _sku_free(session, product.tenant_id, changes["sku"], product.id)
        product.sku = changes["sku"]
    if "category_id" in changes:
        get_category(session, product.tenant_id, changes["category_id"], field="category_id")
        product.category_id = changes["category_id"]
    for key in PRODUCT_DIRECT_FIELDS:
        if key in changes:
            setattr(product, key, changes[key])
    if "price" in changes and changes["price"] != product.price:
        if owner or not product.is_published:
            product.price = changes["price"]
            product.pending_changes = {k: v for k, v in product.pending_changes.items() if k != "price"}
        else:
            product.pending_changes = {**product.pending_changes, "price": changes["price"]}
            product.status = "pending_approval"
        audit.record(session, actor, "price_change", tenant_id=product.tenant_id, object_type="product",
                     object_id=product.id, before={"price": format_amount(price_before)},
                     after={"price": format_amount(changes["price"]),
                            "pending_approval": product.price == price_before})
    if "status" in changes and changes["status"] != product.status:
        wanted = changes["status"]
        if wanted in ("approved", "rejected"):
            if not owner:
                raise Forbidden("Only a tenant owner can approve or reject", "APPROVAL_REQUIRED")
            review(session, actor, product, approve=wanted == "approved", note="")
        elif wanted == "pending_approval":
            if product.is_published:
                raise Conflict("This published product has no change waiting for approval", "INVALID_TRANSITION",
                               "status")
            product.status = "pending_approval"
        elif wanted == "draft":
            if product.is_published:
                raise Conflict("A published product cannot go back to draft", "INVALID_TRANSITION", "status")
            product.status = "draft"
    session.flush()
    return product


def review(session, actor: Actor, product: Product, *, approve: bool, note: str = "") -> Product:
    """A tenant owner's decision on a pending product or price change."""
    if product.status != "pending_approval":
        raise Conflict("Product is not waiting for approval", "NOT_PENDING", "status")
    pending_outlet_prices = session.execute(
        select(OutletProduct).where(OutletProduct.product_id == product.id, OutletProduct.has_pending_price.is_(True))
    ).scalars().all()
    if approve:
        if "price" in product.pending_changes:
            audit.record(session, actor, "price_change", tenant_id=product.tenant_id, object_type="product",
                         object_id=product.id, before={"price": format_amount(product.price)},
                         after={"price": format_amount(product.pending_changes["price"]), "approved": True})
            product.price = product.pending_changes["price"]
        _approve_now(product, actor)
        for row in pending_outlet_prices:
            audit.record(session, actor, "price_change", tenant_id=product.tenant_id, outlet_id=row.outlet_id,
                         object_type="product", object_id=product.id,
                         before={"price": None if row.price is None else format_amount(row.price)},
                         after={"price": None if row.pending_price is None else format_amount(row.pending_price),
                                "approved": True})
            row.price = row.pending_price
            row.pending_price = None
            row.has_pending_price = False
    else:
        # A rejected new product stays unpublished ("rejected"); a rejected change to a
        # published one leaves it "approved" at the price outlets already sell it for.
        product.status = "approved" if product.is_published else "rejected"
        product.pending_changes = {}
        for row in pending_outlet_prices:
            row.pending_price = None
            row.has_pending_price = False
        note = f"Change rejected: {note}" if product.is_published and note else note
    product.review_note = note or ""
    session.flush()
    return product


def delete_product(session, product: Product) -> None:
    """Delete a product no promotion lists (a promotion silently losing a product would
    change what it gives at every outlet)."""
    listed = session.execute(
        select(Promotion.name).join(PromotionProduct, PromotionProduct.promotion_id == Promotion.id)
        .where(PromotionProduct.product_id == product.id)).scalars().all()
    if listed:
        raise Conflict(f"The product is part of promotion(s) {', '.join(sorted(set(listed)))}; "
                       "remove it from them first", "PRODUCT_IN_USE")
    session.delete(product)
    session.flush()


# --- modifier groups -------------------------------------------------------------------

def _check_group_rules(required: bool, min_choices: int, max_choices: int, modifier_count: int) -> tuple[int, int]:
    if required and min_choices < 1:
        min_choices = 1
    if max_choices < 1:
        raise Invalid("max_choices must be at least 1", "INVALID_MAX_CHOICES", "max_choices")
    if min_choices > max_choices:
        raise Invalid("min_choices cannot exceed max_choices", "INVALID_MIN_CHOICES", "min_choices")
    if modifier_count and min_choices > modifier_count:
        raise Invalid("min_choices exceeds the number of modifiers", "INVALID_MIN_CHOICES", "min_choices")
    return min_choices, max_choices


def add_modifier_group(session, product: Product, data: dict, touch: bool = True) -> ModifierGroup:
    modifiers = data.get("modifiers") or []
    if data.get("type", "option") not in MODIFIER_TYPES:
        raise Invalid(f"type must be one of {', '.join(MODIFIER_TYPES)}", "INVALID_TYPE", "type")
    min_choices, max_choices = _check_group_rules(
        data.get("required", False), data.get("min_choices", 0), data.get("max_choices", 1), len(modifiers)
    )
    group = ModifierGroup(
        tenant_id=product.tenant_id, name=data["name"], type=data.get("type", "option"),
        required=data.get("required", False), min_choices=min_choices, max_choices=max_choices,
        sort_order=data.get("sort_order", 0),
        modifiers=[
            Modifier(tenant_id=product.tenant_id, name=m["name"], price=m.get("price", 0),
                     is_available=m.get("is_available", True), sort_order=m.get("sort_order", index))
            for index, m in enumerate(modifiers)
        ],
    )
    product.modifier_groups.append(group)
    if touch:
        _touch(product)
    session.flush()
    return group


def get_modifier_group(session, product: Product, group_id: int) -> ModifierGroup:
    group = session.get(ModifierGroup, group_id)
    if group is None or group.product_id != product.id:
        raise NotFound("Modifier group")
    return group


def _option_prices(group: ModifierGroup) -> dict:
    return {modifier.name: format_amount(modifier.price or 0) for modifier in group.modifiers}


def update_modifier_group(session, group: ModifierGroup, changes: dict, *, actor: Actor | None = None) -> ModifierGroup:
    """Edit a product's modifier group; a change to any option's price is audited (`price_change`)."""
    prices_before = _option_prices(group)
    if "type" in changes and changes["type"] not in MODIFIER_TYPES:
        raise Invalid(f"type must be one of {', '.join(MODIFIER_TYPES)}", "INVALID_TYPE", "type")
    for key in ("name", "type", "required", "min_choices", "max_choices", "sort_order"):
        if key in changes:
            setattr(group, key, changes[key])
    if "modifiers" in changes:
        existing = {m.id: m for m in group.modifiers}
        kept = []
        for index, item in enumerate(changes["modifiers"]):
            modifier = existing.pop(item["id"], None) if item.get("id") else None
            if item.get("id") and modifier is None:
                raise Invalid(f"Modifier {item['id']} is not in this group", "INVALID_MODIFIER", "modifiers")
            if modifier is None:
                modifier = Modifier(tenant_id=group.tenant_id)
            modifier.name = item["name"]
            modifier.price = item.get("price", 0)
            modifier.is_available = item.get("is_available", True)
            modifier.sort_order = item.get("sort_order", index)
            kept.append(modifier)
        group.modifiers = kept
    group.min_choices, group.max_choices = _check_group_rules(
        group.required, group.min_choices, group.max_choices, len(group.modifiers)
    )
    if _option_prices(group) != prices_before:
        audit.record(session, actor, "price_change", tenant_id=group.tenant_id, object_type="modifier_group",
                     object_id=group.id, before={"prices": prices_before}, after={"prices": _option_prices(group)})
    _touch(group.product)
    session.flush()
    return group


def delete_modifier_group(session, group: ModifierGroup) -> None:
    product = group.product
    product.modifier_groups.remove(group)
    _touch(product)
    session.flush()


# --- per-outlet price and availability ------------------------------------------------

def outlet_products(session, outlet: Outlet, *, published_only: bool = False):
    """Every product of the tenant with this outlet's override (or None)."""
    overrides = {
        row.product_id: row
        for row in session.execute(select(OutletProduct).where(OutletProduct.outlet_id == outlet.id)).scalars()
    }
    stmt = products_query(outlet.tenant_id, published_only=published_only).order_by(Product.sort_order, Product.id)
    return [(product, overrides.get(product.id)) for product in session.execute(stmt).scalars()]


def set_outlet_product(session, actor: Actor, outlet: Outlet, product: Product, data: dict) -> OutletProduct:
    row = session.execute(
        select(OutletProduct).where(OutletProduct.outlet_id == outlet.id, OutletProduct.product_id == product.id)
    ).scalar_one_or_none()
    if row is None:
        row = OutletProduct(tenant_id=outlet.tenant_id, outlet_id=outlet.id, product_id=product.id,
                            price=None, is_available=True)
        session.add(row)
    if "is_available" in data and data["is_available"] != row.is_available:
        audit.record(session, actor, "sold_out" if not data["is_available"] else "back_in_stock",
                     tenant_id=outlet.tenant_id, outlet_id=outlet.id, object_type="product", object_id=product.id,
                     before={"is_available": row.is_available}, after={"is_available": data["is_available"]})
    if "is_available" in data:
        row.is_available = data["is_available"]
    if "price" in data and (data["price"] != row.price or row.has_pending_price):
        audit.record(session, actor, "price_change", tenant_id=outlet.tenant_id, outlet_id=outlet.id,
                     object_type="product", object_id=product.id,
                     before={"price": None if row.price is None else format_amount(row.price)},
                     after={"price": None if data["price"] is None else format_amount(data["price"]),
                            "pending_approval": not (actor.at_least("tenant_owner") or not product.is_published)})
        if actor.at_least("tenant_owner") or not product.is_published:
            row.price = data["price"]
            row.pending_price = None
            row.has_pending_price = False
        else:
            row.pending_price = data["price"]
            row.has_pending_price = True
            product.status = "pending_approval"
            _touch(product)
    session.flush()
    return row


def clear_outlet_product(session, outlet: Outlet, product: Product, *, actor: Actor | None = None) -> None:
    """Drop an outlet's override: it sells at the product's own price again, and it is on sale.
    Both are audited when they change something (`price_change`, `back_in_stock`)."""
    row = session.execute(
        select(OutletProduct).where(OutletProduct.outlet_id == outlet.id, OutletProduct.product_id == product.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Outlet override")
    if row.price is not None or row.has_pending_price:
        audit.record(session, actor, "price_change", tenant_id=outlet.tenant_id, outlet_id=outlet.id,
                     object_type="product", object_id=product.id,
                     before={"price": None if row.price is None else format_amount(row.price)},
                     after={"price": None, "outlet_override": "removed"})
    if not row.is_available:
        audit.record(session, actor, "back_in_stock", tenant_id=outlet.tenant_id, outlet_id=outlet.id,
                     object_type="product", object_id=product.id, before={"is_available": False},
                     after={"is_available": True})
    session.delete(row)
    session.flush()
