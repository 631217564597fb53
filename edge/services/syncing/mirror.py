"""Applying pulled master data to the local mirror (cloud wins), a page at a time.

The caller applies a page and stores its cursor in the same write transaction, so a
crash mid-pull resumes from the last fully applied page.
"""
from __future__ import annotations

from sqlalchemy import delete, or_, select, update

from edge.models import (
    Customer,
    MirrorAllowance,
    MirrorCategory,
    MirrorOutlet,
    MirrorOutletProduct,
    MirrorProduct,
    MirrorPromotion,
    MirrorRecipe,
    MirrorStockItem,
    MirrorTenant,
    MirrorTransfer,
    Order,
    User,
)
from edge.services.storage.uow import after_commit
from edge.services.syncing import mirror_cache
from sync.schemas import pull as wire

SIMPLE = {
    "tenant": (MirrorTenant, ("name", "slug", "currency", "tax_rate_bp", "service_charge_bp", "tax_on_service_charge",
                              "cash_rounding", "points_per_amount", "receipt_footer", "logo_url", "primary_color",
                              "phone", "email", "address", "is_active")),
    "outlet": (MirrorOutlet, ("tenant_id", "code", "name", "address", "phone", "timezone", "opening_hours",
                              "tax_rate_bp", "service_charge_bp", "auto_print_receipt", "zero_stock", "static_qris",
                              "is_active")),
    "category": (MirrorCategory, ("name", "description", "sort_order", "station", "is_active")),
    "product": (MirrorProduct, ("category_id", "sku", "barcode", "name", "description", "price", "image_url",
                                "is_available", "track_stock", "stock_quantity", "sort_order", "modifier_groups")),
    "outlet_product": (MirrorOutletProduct, ("product_id", "price", "is_available")),
    "promotion_allowance": (MirrorAllowance, ("promotion_id", "granted", "used")),
    "user": (User, ("username", "first_name", "last_name", "role", "outlet_id", "is_active", "password_hash",
                    "pin_hash", "tokens_valid_after")),
    "stock_item": (MirrorStockItem, ("name", "unit", "cost", "purchase_units", "is_active")),
    "recipe": (MirrorRecipe, ("product_id", "modifier_id", "stock_item_id", "quantity")),
    "transfer": (MirrorTransfer, ("uuid", "from_outlet_id", "from_outlet_name", "status", "lines", "note", "sent_at")),
}
MODELS = {**{entity: model for entity, (model, _) in SIMPLE.items()}, "promotion": MirrorPromotion}


def _upsert_simple(session, entity: str, row_id: int, data: dict) -> None:
    model, fields = SIMPLE[entity]
    loaded = wire.load(entity, data)
    values = {field: loaded[field] for field in fields if field in loaded}
    if entity == "user":
        # usernames are unique: a renamed or recreated user must not collide with a stale row
        session.execute(delete(User).where(User.username == values["username"], User.id != row_id))
    if entity == "outlet_product":
        session.execute(delete(MirrorOutletProduct).where(MirrorOutletProduct.product_id == values["product_id"],
                                                          MirrorOutletProduct.id != row_id))
    if entity == "promotion_allowance":
        session.execute(delete(MirrorAllowance).where(MirrorAllowance.promotion_id == values["promotion_id"],
                                                      MirrorAllowance.id != row_id))
    row = session.get(model, row_id)
    if row is None:
        session.add(model(id=row_id, **values))
    else:
        for field, value in values.items():
            setattr(row, field, value)


def _upsert_promotion(session, row_id: int, data: dict) -> None:
    loaded = wire.load("promotion", data)
    code = (loaded.get("code") or "").strip().upper() or None
    row = session.get(MirrorPromotion, row_id)
    if row is None:
        session.add(MirrorPromotion(id=row_id, name=loaded["name"], code=code, is_active=loaded["is_active"],
                                    data=data))
    else:
        row.name, row.code, row.is_active, row.data = loaded["name"], code, loaded["is_active"], data


def _upsert_customer(session, row_id: int, data: dict) -> None:
    loaded = wire.load("customer", data)
    uuids = [loaded["uuid"], *loaded["merged_uuids"]]
    candidates = session.execute(
        select(Customer).where(or_(Customer.uuid.in_(uuids), Customer.cloud_id == row_id,
                                   Customer.phone == loaded["phone"])).order_by(Customer.id)
    ).scalars().all()
    keep = candidates[0] if candidates else None
    for duplicate in candidates[1:]:
        # the cloud folded an offline duplicate into this customer: follow it
        session.execute(update(Order).where(Order.customer_id == duplicate.id).values(customer_id=keep.id))
        session.delete(duplicate)
    session.flush()
    values = dict(
        uuid=loaded["uuid"], cloud_id=row_id, name=loaded["name"], phone=loaded["phone"], email=loaded["email"],
        marketing_consent=loaded["marketing_consent"], preferred_outlet_id=loaded["preferred_outlet_id"],
        membership_tier_base=loaded["membership_tier"], points_base=loaded["points"],
        total_orders_base=loaded["total_orders"], total_spent_base=loaded["total_spent"],
        promotion_usage_base=loaded["promotion_usage"], applied_seq=loaded["applied_seq"],
    )
    if keep is None:
        session.add(Customer(**values))
    else:
        for field, value in values.items():
            setattr(keep, field, value)


def _delete(session, entity: str, row_id: int) -> None:
    if entity == "customer":
        row = session.execute(select(Customer).where(Customer.cloud_id == row_id)).scalar_one_or_none()
        if row is not None:
            in_use = session.execute(select(Order.id).where(Order.customer_id == row.id).limit(1)).first()
            if in_use:
                row.cloud_id = None  # our sales still name them; the cloud no longer does
            else:
                session.delete(row)
        return
    model = MODELS.get(entity)
    if model is not None:
        row = session.get(model, row_id)
        if row is not None:
            session.delete(row)


def apply_change(session, change: dict) -> None:
    entity, op, row_id = change["entity"], change["op"], change["id"]
    if entity not in wire.SCHEMAS:
        return  # an entity a newer cloud knows and this edge does not
    if op == "delete":
        _delete(session, entity, row_id)
    elif entity == "promotion":
        _upsert_promotion(session, row_id, change["data"])
    elif entity == "customer":
        _upsert_customer(session, row_id, change["data"])
    else:
        _upsert_simple(session, entity, row_id, change["data"])
    session.flush()


def apply_changes(session, changes: list[dict]) -> int:
    for change in changes:
        apply_change(session, change)
    if changes:
        after_commit(mirror_cache.clear)
    return len(changes)


def replace_with_snapshot(session, snapshot: dict) -> int:
    """Make the mirror equal to a full snapshot: drop what it no longer lists."""
    keep: dict[str, set[int]] = {entity: set() for entity in MODELS}
    keep["customer"] = set()
    for change in snapshot["changes"]:
        if change["op"] == "upsert":
            keep.setdefault(change["entity"], set()).add(change["id"])
    for entity, model in MODELS.items():
        session.execute(delete(model).where(model.id.not_in(keep.get(entity, set()))))
    stale = session.execute(select(Customer.cloud_id).where(Customer.cloud_id.is_not(None),
                                                            Customer.cloud_id.not_in(keep["customer"]))).scalars()
    for cloud_id in list(stale):
        _delete(session, "customer", cloud_id)
    after_commit(mirror_cache.clear)
    return apply_changes(session, [c for c in snapshot["changes"] if c["op"] == "upsert"])
