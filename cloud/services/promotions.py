"""Promotions: the four types, their products, time windows, limits, codes and activation.

What a promotion means (the edge's engine applies them; the cloud stores and checks them):
- percentage: `discount_percent_bp` off the listed products (no products: off the order).
- fixed_amount: `discount_amount` off the listed products (no products: off the order).
- buy_x_get_y: buying `buy_quantity` of the "buy"/"both" products gives `get_quantity` of
  the "get"/"both" products at `discount_percent_bp` off (10000 = free, the default).
- bundle: the listed products, `quantity` units each, together for `bundle_price`, which
  must be below the sum of their (base) prices.
Every type also has `max_discount` (a cap on what it gives, when set), `min_purchase`
(order subtotal needed), a date window
[`start_at`, `end_at`) in UTC, `days_of_week` (0 = Monday) and a daily
[`start_time`, `end_time`) window in the outlet's local time that may cross midnight
(then the hours after midnight belong to the day the window opened), usage limits,
`outlet_ids` (empty = every outlet), a `code` (stored upper-case, unique per tenant,
case-insensitive) and/or `auto_apply`.

Writes check the whole resulting promotion before changing anything. Fields another type
uses are reset when saved (so what outlets receive is unambiguous), with a warning when the
request sent them. A promotion with neither code nor auto_apply is stored but can never
apply; its responses say so in `warnings`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from cloud.models import Outlet, Product, Promotion, PromotionAllowance, PromotionProduct, PromotionUsage
from cloud.services import audit
from cloud.services.actor import Actor
from sync.errors import Conflict, Forbidden, Invalid, NotFound
from sync.money import BASIS_POINTS, format_amount
from sync.timeutil import isoformat, utcnow
from sync.vocab import PROMO_PRODUCT_ROLES as PRODUCT_ROLES
from sync.vocab import PROMO_TYPES

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
CODE_PATTERN = r"[A-Za-z0-9_-]{3,40}"

# Every writable column with the value a new promotion starts from.
DEFAULTS = {
    "name": "", "description": "", "promo_type": "percentage", "discount_percent_bp": 0, "discount_amount": 0,
    "max_discount": None, "min_purchase": 0, "buy_quantity": 0, "get_quantity": 0, "bundle_price": None,
    "start_at": None, "end_at": None, "days_of_week": [], "start_time": None, "end_time": None,
    "usage_limit": None, "usage_limit_per_customer": None, "code": None, "auto_apply": False,
    "is_stackable": False, "priority": 0, "outlet_ids": [],
}

# Columns only some types use: (the types, the value it has otherwise, its name on the wire).
TYPE_FIELDS = {
    "discount_percent_bp": (("percentage", "buy_x_get_y"), 0, "discount_percent"),
    "discount_amount": (("fixed_amount",), 0, "discount_amount"),
    "buy_quantity": (("buy_x_get_y",), 0, "buy_quantity"),
    "get_quantity": (("buy_x_get_y",), 0, "get_quantity"),
    "bundle_price": (("bundle",), None, "bundle_price"),
}

NEVER_APPLIES = "This promotion has neither a code nor auto_apply, so it will never apply to an order"


# --- reading -------------------------------------------------------------------------

def promotions_query(tenant_id: int):
    return select(Promotion).where(Promotion.tenant_id == tenant_id).options(selectinload(Promotion.products))


def get_promotion(session, tenant_id: int, promotion_id: int) -> Promotion:
    promotion = session.get(Promotion, promotion_id)
    if promotion is None or promotion.tenant_id != tenant_id:
        raise NotFound("Promotion")
    return promotion


def warnings_for(promotion: Promotion, now: datetime | None = None) -> list[str]:
    """What stops a stored promotion from ever applying."""
    now = now or utcnow()
    warnings = []
    if not promotion.code and not promotion.auto_apply:
        warnings.append(NEVER_APPLIES)
    if promotion.end_at is not None and promotion.end_at <= now:
        warnings.append(f"This promotion ended at {isoformat(promotion.end_at)}")
    if promotion.usage_limit is not None and promotion.usage_count >= promotion.usage_limit:
        warnings.append("This promotion has reached its usage limit")
    return warnings


def with_warnings(promotion: Promotion, extra: list[str] | None = None) -> Promotion:
    """The promotion with its `warnings` attached for the response (not stored)."""
    promotion.warnings = [*(extra or []), *warnings_for(promotion)]
    return promotion


# --- checks --------------------------------------------------------------------------

def _normalise_code(raw: str | None) -> str | None:
    """The code as stored (upper case); blank or None: no code. Exactly CODE_PATTERN,
    surrounding spaces ignored (as typed)."""
    code = (raw or "").strip(" ")
    if not code:
        return None
    if not re.fullmatch(CODE_PATTERN, code):
        raise Invalid("A code is 3 to 40 letters, digits, dashes or underscores", "INVALID_CODE", "code")
    return code.upper()


def _code_free(session, tenant_id: int, code: str | None, exclude_id: int | None) -> None:
    if code is None:
        return
    stmt = select(Promotion.id).where(Promotion.tenant_id == tenant_id, Promotion.code == code)
    if exclude_id:
        stmt = stmt.where(Promotion.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(f"The code {code} is already used by another promotion", "CODE_TAKEN", "code")


def _outlet_ids(session, tenant_id: int, outlet_ids: list[int]) -> list[int]:
    wanted = sorted(set(outlet_ids))
    if not wanted:
        return []
    found = set(session.execute(
        select(Outlet.id).where(Outlet.tenant_id == tenant_id, Outlet.id.in_(wanted))).scalars())
    missing = [outlet_id for outlet_id in wanted if outlet_id not in found]
    if missing:
        raise Invalid(f"Outlet {missing[0]} does not exist in this tenant", "INVALID_OUTLET", "outlet_ids")
    return wanted


def _product_lines(session, tenant_id: int, items: list[dict]) -> list[tuple[Product, str, int]]:
    """(product, role, quantity) for each requested line, checked against the tenant."""
    lines, seen = [], set()
    for index, item in enumerate(items):
        field = f"products.{index}.product_id"
        product = session.get(Product, item["product_id"])
        if product is None or product.tenant_id != tenant_id:
            raise Invalid(f"Product {item['product_id']} does not exist in this tenant",
                                   "INVALID_PRODUCT", field)
        if product.id in seen:
            raise Invalid(f"Product {product.id} is listed twice", "DUPLICATE_PRODUCT", field)
        seen.add(product.id)
        role = item.get("role", "both")
        if role not in PRODUCT_ROLES:
            raise Invalid(f"role must be one of {', '.join(PRODUCT_ROLES)}", "INVALID_ROLE",
                                   f"products.{index}.role")
        quantity = item.get("quantity", 1)
        if quantity < 1:
            raise Invalid("quantity must be at least 1", "INVALID_QUANTITY", f"products.{index}.quantity")
        lines.append((product, role, quantity))
    return lines


def _check_type(state: dict, lines: list[tuple[Product, str, int]]) -> None:
    kind = state["promo_type"]
    percent = state["discount_percent_bp"]
    if kind not in PROMO_TYPES:
        raise Invalid(f"promo_type must be one of {', '.join(PROMO_TYPES)}", "INVALID_PROMO_TYPE",
                               "promo_type")
    if kind == "percentage":
        if not 0 < percent <= BASIS_POINTS:
            raise Invalid("A percentage promotion needs a discount_percent above 0 and at most 100",
                                   "INVALID_DISCOUNT_PERCENT", "discount_percent")
    elif kind == "fixed_amount":
        if state["discount_amount"] <= 0:
            raise Invalid("A fixed_amount promotion needs a discount_amount above 0",
                                   "INVALID_DISCOUNT_AMOUNT", "discount_amount")
    elif kind == "buy_x_get_y":
        if state["buy_quantity"] < 1:
            raise Invalid("A buy_x_get_y promotion needs a buy_quantity of at least 1",
                                   "INVALID_BUY_QUANTITY", "buy_quantity")
        if state["get_quantity"] < 1:
            raise Invalid("A buy_x_get_y promotion needs a get_quantity of at least 1",
                                   "INVALID_GET_QUANTITY", "get_quantity")
        if not 0 < percent <= BASIS_POINTS:
            raise Invalid("The discount on the free items must be above 0 and at most 100 (100 = free)",
                                   "INVALID_DISCOUNT_PERCENT", "discount_percent")
        if not any(role in ("buy", "both") for _, role, _ in lines):
            raise Invalid("A buy_x_get_y promotion needs at least one product with role buy or both",
                                   "BUY_PRODUCTS_REQUIRED", "products")
        if not any(role in ("get", "both") for _, role, _ in lines):
            raise Invalid("A buy_x_get_y promotion needs at least one product with role get or both",
                                   "GET_PRODUCTS_REQUIRED", "products")
    elif kind == "bundle":
        if state["bundle_price"] is None or state["bundle_price"] < 0:
            raise Invalid("A bundle needs a bundle_price of 0 or more", "INVALID_BUNDLE_PRICE",
                                   "bundle_price")
        if sum(quantity for _, _, quantity in lines) < 2:
            raise Invalid("A bundle needs at least two units of products in total", "BUNDLE_TOO_SMALL",
                                   "products")
        separately = sum(product.price * quantity for product, _, quantity in lines)
        if state["bundle_price"] >= separately:
            raise Invalid(
                f"The bundle_price must be below the {format_amount(separately)} its products cost separately",
                "BUNDLE_NOT_CHEAPER", "bundle_price")


def _check_limits(state: dict) -> None:
    if state["max_discount"] is not None and state["max_discount"] <= 0:
        raise Invalid("max_discount must be above 0 (or null for no cap)", "INVALID_MAX_DISCOUNT",
                               "max_discount")


def _check_windows(state: dict) -> None:
    if state["start_at"] is not None and state["end_at"] is not None and state["end_at"] <= state["start_at"]:
        raise Invalid("end_at must be after start_at", "INVALID_DATE_RANGE", "end_at")
    start, end = state["start_time"], state["end_time"]
    if (start is None) != (end is None):
        raise Invalid("Give both start_time and end_time, or neither", "INVALID_TIME_WINDOW",
                               "end_time" if end is None else "start_time")
    if start is not None and start == end:
        raise Invalid("start_time and end_time must differ (leave both out for all day)",
                               "INVALID_TIME_WINDOW", "end_time")


def _state(promotion: Promotion | None, data: dict) -> tuple[dict, list[str]]:
    """The promotion as it would be after `data`, type-specific fields settled; and the
    warnings for fields sent that its type ignores."""
    state = {key: (DEFAULTS[key] if promotion is None else getattr(promotion, key)) for key in DEFAULTS}
    state.update({key: value for key, value in data.items() if key in DEFAULTS})
    state["days_of_week"] = sorted(set(state["days_of_week"] or []))
    became_bxgy = promotion is None or promotion.promo_type != "buy_x_get_y"
    if state["promo_type"] == "buy_x_get_y" and "discount_percent_bp" not in data and became_bxgy:
        state["discount_percent_bp"] = BASIS_POINTS  # the "get" items are free unless told otherwise
    ignored = []
    for key, (types, unused, wire) in TYPE_FIELDS.items():
        if state["promo_type"] in types:
            continue
        if data.get(key) not in (None, unused):
            ignored.append(f"{wire} does not apply to {state['promo_type']} promotions and was ignored")
        state[key] = unused
    return state, ignored


def _require_in_scope(actor: Actor, promotion: Promotion) -> None:
    """A manager bound to an outlet manages only promotions of that outlet alone; tenant-wide
    ones belong to tenant-wide managers and owners."""
    if actor.outlet_id is not None and list(promotion.outlet_ids or []) != [actor.outlet_id]:
        raise Forbidden("This promotion runs beyond your outlet; a tenant-wide manager must change it",
                               "PROMOTION_OUT_OF_SCOPE")


def _save(session, actor: Actor, promotion: Promotion | None, data: dict) -> Promotion:
    """Create (promotion None) or update, after checking everything; flushes."""
    tenant_id = actor.require_tenant() if promotion is None else promotion.tenant_id
    if promotion is not None:
        _require_in_scope(actor, promotion)
    if actor.outlet_id is not None:
        data = {**data, "outlet_ids": data.get("outlet_ids") or [actor.outlet_id]}
        if data["outlet_ids"] != [actor.outlet_id]:
            raise Forbidden("You can run promotions at your own outlet only", "PROMOTION_OUT_OF_SCOPE")
    state, ignored = _state(promotion, data)
    if "code" in data:
        state["code"] = _normalise_code(data["code"])
        _code_free(session, tenant_id, state["code"], None if promotion is None else promotion.id)
    if "outlet_ids" in data:
        state["outlet_ids"] = _outlet_ids(session, tenant_id, data["outlet_ids"] or [])
    if "products" in data:
        lines = _product_lines(session, tenant_id, data["products"] or [])
    elif promotion is not None:
        lines = [(row.product, row.role, row.quantity) for row in promotion.products]
    else:
        lines = []
    _check_type(state, lines)
    _check_limits(state)
    _check_windows(state)

    created = promotion is None
    if promotion is None:
        promotion = Promotion(tenant_id=tenant_id, usage_count=0, is_active=False)
        session.add(promotion)
    before, after = {}, {}
    for key, value in state.items():
        if getattr(promotion, key, None) != value:
            before[key], after[key] = getattr(promotion, key, None), value
            setattr(promotion, key, value)
    if "products" in data:
        _replace_products(promotion, lines)
        after["products"] = [{"product_id": p.id, "role": role, "quantity": q} for p, role, q in lines]
    session.flush()
    if before or after:
        audit.record(session, actor, "promotion_change", tenant_id=tenant_id, object_type="promotion",
                     object_id=promotion.id, before=None if created else before, after=after)
    return with_warnings(promotion, ignored)


def _replace_products(promotion: Promotion, lines: list[tuple[Product, str, int]]) -> None:
    """The promotion's products become `lines`; rows of products kept are updated in place
    (no delete-and-insert on the unique (promotion, product) pair), and the promotion is
    touched so its new version carries the new list to the outlets."""
    existing = {row.product_id: row for row in promotion.products}
    rows = []
    for product, role, quantity in lines:
        row = existing.get(product.id) or PromotionProduct(product_id=product.id)
        row.product = product
        row.role, row.quantity = role, quantity
        rows.append(row)
    promotion.products = rows
    promotion.updated_at = utcnow()


# --- writing -------------------------------------------------------------------------

def create_promotion(session, actor: Actor, data: dict) -> Promotion:
    """A new, inactive promotion of the actor's tenant from the dict `PromotionIn` loads
    (column names: `discount_percent_bp`, amounts in minor units, products as
    `[{product_id, role, quantity}]`). Activate it with `activate`."""
    return _save(session, actor, None, data)


def update_promotion(session, actor: Actor, promotion: Promotion, changes: dict) -> Promotion:
    """Change any writable field; a `products` list replaces the promotion's products."""
    return _save(session, actor, promotion, changes)


def activate(session, actor: Actor, promotion: Promotion) -> Promotion:
    """Switch a promotion on (idempotent); an ended one cannot be (409 PROMOTION_EXPIRED)."""
    _require_in_scope(actor, promotion)
    if promotion.end_at is not None and promotion.end_at <= utcnow():
        raise Conflict(f"The promotion ended at {isoformat(promotion.end_at)}; change end_at to run it again",
                       "PROMOTION_EXPIRED", "end_at")
    if not promotion.is_active:
        promotion.is_active = True
        session.flush()
        _record_switch(session, actor, promotion)
    return with_warnings(promotion)


def _record_switch(session, actor: Actor, promotion: Promotion) -> None:
    audit.record(session, actor, "promotion_change", tenant_id=promotion.tenant_id, object_type="promotion",
                 object_id=promotion.id, before={"is_active": not promotion.is_active},
                 after={"is_active": promotion.is_active})


def deactivate(session, actor: Actor, promotion: Promotion) -> Promotion:
    """Switch a promotion off (idempotent). Its history and usage stay."""
    _require_in_scope(actor, promotion)
    if promotion.is_active:
        promotion.is_active = False
        session.flush()
        _record_switch(session, actor, promotion)
    return with_warnings(promotion)


def delete_promotion(session, actor: Actor, promotion: Promotion) -> None:
    """Delete a promotion no order has used; a used one must be deactivated instead."""
    _require_in_scope(actor, promotion)
    used = promotion.usage_count > 0 or session.execute(
        select(PromotionUsage.id).where(PromotionUsage.promotion_id == promotion.id).limit(1)).first()
    if used:
        raise Conflict("Orders have used this promotion; deactivate it instead of deleting it", "PROMOTION_USED")
    # Allowances are synced rows of their own: delete them here so outlets get tombstones.
    for allowance in session.execute(
            select(PromotionAllowance).where(PromotionAllowance.promotion_id == promotion.id)).scalars().all():
        session.delete(allowance)
    session.flush()
    session.delete(promotion)
    session.flush()


# --- what applies now ----------------------------------------------------------------

def _local(now: datetime, outlet: Outlet) -> datetime:
    try:
        zone = ZoneInfo(outlet.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)


def open_at_local(promotion: Promotion, local: datetime) -> bool:
    """Whether the day-of-week and time-of-day windows are open at this local time.

    A window that crosses midnight (22:00-02:00) belongs to the day it opened: at 01:00
    on Saturday a Friday-only 22:00-02:00 promotion is still open."""
    days = promotion.days_of_week or []
    hhmm = local.strftime("%H:%M")
    day = local.weekday()
    start, end = promotion.start_time, promotion.end_time
    if start is not None and end is not None:
        if start < end:
            if not start <= hhmm < end:
                return False
        elif hhmm >= start:
            pass
        elif hhmm < end:
            day = (local - timedelta(days=1)).weekday()
        else:
            return False
    return not days or day in days


def active_promotions(session, tenant_id: int, *, outlet: Outlet | None = None,
                      at: datetime | None = None) -> list[Promotion]:
    """Promotions that can apply at `at` (now): switched on, inside [start_at, end_at),
    below their usage limit; with an outlet, also for that outlet and inside their
    day/time windows in the outlet's local time. Highest priority first."""
    now = at or utcnow()
    stmt = promotions_query(tenant_id).where(
        Promotion.is_active.is_(True),
        or_(Promotion.start_at.is_(None), Promotion.start_at <= now),
        or_(Promotion.end_at.is_(None), Promotion.end_at > now),
    ).order_by(Promotion.priority.desc(), Promotion.id)
    found = []
    for promotion in session.execute(stmt).scalars():
        if promotion.usage_limit is not None and promotion.usage_count >= promotion.usage_limit:
            continue
        if outlet is not None:
            if promotion.outlet_ids and outlet.id not in promotion.outlet_ids:
                continue
            if not open_at_local(promotion, _local(now, outlet)):
                continue
        found.append(promotion)
    return found


def get_outlet(session, tenant_id: int, outlet_id: int) -> Outlet:
    """An outlet of the tenant named in a filter (400 INVALID_OUTLET otherwise)."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.tenant_id != tenant_id:
        raise Invalid("Outlet does not exist in this tenant", "INVALID_OUTLET", "outlet_id")
    return outlet
