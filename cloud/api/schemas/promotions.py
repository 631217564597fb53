from apiflask import Schema
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import HHMM, ID, ListQuery, Money, Rate, UTCDateTime
from sync.vocab import PROMO_PRODUCT_ROLES as PRODUCT_ROLES
from sync.vocab import PROMO_TYPES
from sync.web.fields import WholeNumber


class PromotionProductIn(Schema):
    product_id = WholeNumber(required=True, validate=ID)
    role = String(load_default="both", validate=OneOf(PRODUCT_ROLES),
                  metadata={"description": "buy_x_get_y: what must be bought (buy), what is discounted (get), or both"})
    quantity = WholeNumber(load_default=1, validate=Range(min=1, max=1000),
                       metadata={"description": "Units of this product in a bundle"})


class PromotionProductOut(Schema):
    product_id = WholeNumber(required=True)
    product_name = String(attribute="product.name")
    role = String(required=True)
    quantity = WholeNumber(required=True)


class PromotionFields(Schema):
    name = String(validate=Length(min=1, max=120))
    description = String(validate=Length(max=2000))
    promo_type = String(validate=OneOf(PROMO_TYPES))
    discount_percent = Rate(attribute="discount_percent_bp", data_key="discount_percent",
                            metadata={"description": "percentage: the discount; buy_x_get_y: the discount on the "
                                                     "\"get\" items (100.00 = free, the default)"})
    discount_amount = Money(metadata={"description": "fixed_amount: the amount off"})
    max_discount = Money(allow_none=True, metadata={"description": "Cap on what it gives, any type (null: none)"})
    min_purchase = Money(metadata={"description": "Order subtotal needed"})
    buy_quantity = WholeNumber(validate=Range(min=0, max=1000))
    get_quantity = WholeNumber(validate=Range(min=0, max=1000))
    bundle_price = Money(allow_none=True, metadata={"description": "bundle: the price of the products together"})
    start_at = UTCDateTime(allow_none=True, metadata={"description": "From (inclusive); null: already started"})
    end_at = UTCDateTime(allow_none=True, metadata={"description": "Until (exclusive); null: open-ended"})
    days_of_week = List(WholeNumber(validate=Range(min=0, max=6)), validate=Length(max=7),
                        metadata={"description": "0 = Monday … 6 = Sunday; empty: every day"})
    start_time = String(allow_none=True, validate=HHMM, metadata={"description": "HH:MM outlet local time"})
    end_time = String(allow_none=True, validate=HHMM,
                      metadata={"description": "HH:MM outlet local time, exclusive; "
                                               "earlier than start_time: the window crosses midnight"})
    usage_limit = WholeNumber(allow_none=True, validate=Range(min=1, max=10**9))
    usage_limit_per_customer = WholeNumber(allow_none=True, validate=Range(min=1, max=10**6))
    code = String(allow_none=True, validate=Length(max=40),
                  metadata={"description": "Case-insensitive, stored upper-case, unique in the tenant; empty: none",
                            "pattern": "^ *([A-Za-z0-9_-]{3,40} *)?$"})
    auto_apply = Boolean()
    is_stackable = Boolean()
    priority = WholeNumber(validate=Range(min=-1000, max=1000), metadata={"description": "Higher applies first"})
    outlet_ids = List(WholeNumber(validate=ID), validate=Length(max=500),
                      metadata={"description": "Outlets it runs at; empty: every outlet"})
    products = List(Nested(PromotionProductIn), validate=Length(max=200),
                    metadata={"description": "Replaces the promotion's products"})


class PromotionCreateIn(PromotionFields):
    name = String(required=True, validate=Length(min=1, max=120))
    promo_type = String(required=True, validate=OneOf(PROMO_TYPES))


class PromotionPatchIn(PromotionFields):
    """Any writable field; is_active changes only through activate/ and deactivate/."""


class PromotionOut(PromotionFields):
    id = WholeNumber(required=True)
    tenant_id = WholeNumber(required=True)
    products = List(Nested(PromotionProductOut), required=True)
    usage_count = WholeNumber(required=True)
    is_active = Boolean(required=True)
    requires_code = Boolean(metadata={"description": "Applies only when its code is given"})
    warnings = List(String(), metadata={"description": "Why it may never apply (not stored)"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class PromotionListQuery(ListQuery):
    promo_type = String(validate=OneOf(PROMO_TYPES))
    is_active = Boolean()
    auto_apply = Boolean()


class ActivePromotionQuery(ListQuery):
    outlet_id = WholeNumber(validate=ID,
                        metadata={"description": "Only promotions for this outlet, inside their day/time "
                                                 "windows in its local time"})
    tenant_id = WholeNumber(validate=ID, metadata={"description": "Tenant, for anonymous reads"})
    at = UTCDateTime(metadata={"description": "Evaluate at this instant instead of now (preview)"})
