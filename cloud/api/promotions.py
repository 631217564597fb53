"""Promotions: the four types, activation, and what is running now (public)."""
from apiflask import APIBlueprint

from cloud.api.access import public, read_tenant, require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.promotions import (
    ActivePromotionQuery,
    PromotionCreateIn,
    PromotionListQuery,
    PromotionOut,
    PromotionPatchIn,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Promotion
from cloud.services import promotions as promotion_service
from sync.web.lists import order_by, ordered_by, paginate, paginate_rows, search_filter
from sync.web.openapi import refuses

bp = APIBlueprint("promotions", __name__, url_prefix="/api/promotions", tag="Promotions")

ORDERING = {"name": Promotion.name, "created_at": Promotion.created_at, "priority": Promotion.priority,
            "start_at": Promotion.start_at, "end_at": Promotion.end_at, "usage_count": Promotion.usage_count}


class _PublicView:
    """A promotion as anonymous callers (kiosks, menus) see it: codes stay secret."""

    code = None
    usage_count = None

    def __init__(self, promotion):
        self._promotion = promotion

    def __getattr__(self, name):
        return getattr(self._promotion, name)


@bp.get("/")
@require("manager")
@bp.input(ordered_by(PromotionListQuery, ORDERING), location="query")
@bp.output(list_schema(PromotionOut, "PromotionList"))
def list_promotions(query_data, actor):
    """Every promotion of the tenant, active or not. Highest priority first by default."""
    stmt = promotion_service.promotions_query(actor.require_tenant())
    for name in ("promo_type", "is_active", "auto_apply"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(Promotion, name) == query_data[name])
    stmt = search_filter(stmt, query_data.get("search"), [Promotion.name, Promotion.code, Promotion.description])
    stmt = order_by(stmt, query_data.get("ordering"), ORDERING, [Promotion.priority.desc(), Promotion.id])
    return paginate(db.session, stmt, query_data, serialize=promotion_service.with_warnings)


@bp.post("/")
@writes
@require("manager")
@bp.input(PromotionCreateIn)
@bp.output(PromotionOut, status_code=201)
@refuses(BUNDLE_TOO_SMALL="a bundle needs products of at least two units in total",
          INVALID_BUNDLE_PRICE="a bundle needs a bundle_price",
          INVALID_BUY_QUANTITY="a buy_x_get_y promotion needs buy_quantity of at least 1",
          INVALID_GET_QUANTITY="a buy_x_get_y promotion needs get_quantity of at least 1",
          INVALID_DISCOUNT_PERCENT="a percentage promotion needs discount_percent above 0",
          INVALID_DISCOUNT_AMOUNT="a fixed_amount promotion needs discount_amount above 0",
          INVALID_DATE_RANGE="end_at is not after start_at",
          INVALID_TIME_WINDOW="start_time and end_time are the same", DUPLICATE_PRODUCT="a product is listed twice",
          INVALID_PRODUCT="a product_id names no product of this tenant",
          INVALID_OUTLET="an outlet id names no outlet of this tenant",
          INVALID_QUANTITY="a quantity is outside what the promotion type takes",
          CODE_TAKEN="409: another promotion has this code")
def create_promotion(json_data, actor):
    """Create a promotion (inactive until activated); `warnings` says if it can never apply."""
    return promotion_service.create_promotion(db.session, actor, json_data)


@bp.get("/active/")
@public(identifies=True)
@bp.input(ActivePromotionQuery, location="query")
@bp.output(list_schema(PromotionOut, "ActivePromotionList"))
@refuses(INVALID_OUTLET="outlet_id names no outlet of this tenant")
def active_promotions(query_data, actor):
    """Promotions running now: activated, inside their dates, below their usage limit;
    with `outlet_id`, those for that outlet inside their day and time windows (outlet
    local time). Public: name the tenant with X-Tenant-ID or ?tenant_id= when calling
    without a token; anonymous callers do not see codes."""
    tenant_id = read_tenant(actor)
    outlet = None
    if query_data.get("outlet_id") is not None:
        outlet = promotion_service.get_outlet(db.session, tenant_id, query_data["outlet_id"])
    found = promotion_service.active_promotions(db.session, tenant_id, outlet=outlet, at=query_data.get("at"))
    rows = [promotion_service.with_warnings(p) for p in found]
    if actor is None:
        rows = [_PublicView(p) for p in rows]
    return paginate_rows(rows, query_data)


@bp.get("/<int:promotion_id>/")
@require("manager")
@bp.output(PromotionOut)
def get_promotion(promotion_id, actor):
    promotion = promotion_service.get_promotion(db.session, actor.require_tenant(), promotion_id)
    return promotion_service.with_warnings(promotion)


@bp.patch("/<int:promotion_id>/")
@writes
@require("manager")
@bp.input(PromotionPatchIn)
@bp.output(PromotionOut)
@refuses(BUNDLE_TOO_SMALL="a bundle needs products of at least two units in total",
          INVALID_BUNDLE_PRICE="a bundle needs a bundle_price",
          INVALID_BUY_QUANTITY="a buy_x_get_y promotion needs buy_quantity of at least 1",
          INVALID_GET_QUANTITY="a buy_x_get_y promotion needs get_quantity of at least 1",
          INVALID_DISCOUNT_PERCENT="a percentage promotion needs discount_percent above 0",
          INVALID_DISCOUNT_AMOUNT="a fixed_amount promotion needs discount_amount above 0",
          INVALID_DATE_RANGE="end_at is not after start_at",
          INVALID_TIME_WINDOW="start_time and end_time are the same", DUPLICATE_PRODUCT="a product is listed twice",
          INVALID_PRODUCT="a product_id names no product of this tenant",
          INVALID_OUTLET="an outlet id names no outlet of this tenant",
          INVALID_QUANTITY="a quantity is outside what the promotion type takes",
          CODE_TAKEN="409: another promotion has this code")
def update_promotion(promotion_id, json_data, actor):
    """Change a promotion; a `products` list replaces its products."""
    promotion = promotion_service.get_promotion(db.session, actor.require_tenant(), promotion_id)
    return promotion_service.update_promotion(db.session, actor, promotion, json_data)


@bp.delete("/<int:promotion_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_promotion(promotion_id, actor):
    """Delete a promotion no order has used (409 PROMOTION_USED: deactivate it instead)."""
    promotion = promotion_service.get_promotion(db.session, actor.require_tenant(), promotion_id)
    promotion_service.delete_promotion(db.session, actor, promotion)
    return ""


@bp.post("/<int:promotion_id>/activate/")
@writes
@require("manager")
@bp.output(PromotionOut)
def activate_promotion(promotion_id, actor):
    """Switch a promotion on so outlets apply it (idempotent: activating an active one is
    a 200); an ended promotion is refused with 409 PROMOTION_EXPIRED."""
    promotion = promotion_service.get_promotion(db.session, actor.require_tenant(), promotion_id)
    return promotion_service.activate(db.session, actor, promotion)


@bp.post("/<int:promotion_id>/deactivate/")
@writes
@require("manager")
@bp.output(PromotionOut)
def deactivate_promotion(promotion_id, actor):
    """Switch a promotion off (idempotent); outlets stop applying it once they sync."""
    promotion = promotion_service.get_promotion(db.session, actor.require_tenant(), promotion_id)
    return promotion_service.deactivate(db.session, actor, promotion)
