"""Master data as it travels cloud -> edge in `GET /api/sync/pull/` (protocol v1).

The cloud dumps its rows with these schemas; the edge loads the same JSON with them, so
money arrives as int minor units and times as naive UTC datetimes on both sides.
Unknown keys are ignored on load: a newer cloud may send more than an older edge knows.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields

from sync.vocab import ZERO_STOCK_DEFAULT
from sync.web.fields import Money, Rate, UTCDateTime

ENTITIES = ("tenant", "outlet", "category", "product", "outlet_product", "promotion",
            "promotion_allowance", "user", "customer", "stock_item", "recipe", "transfer")


class _Entity(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True)


class TenantData(_Entity):
    name = fields.String(required=True)
    slug = fields.String(required=True)
    currency = fields.String(required=True)
    tax_rate = Rate(attribute="tax_rate_bp", data_key="tax_rate", required=True)
    service_charge_rate = Rate(attribute="service_charge_bp", data_key="service_charge_rate", required=True)
    tax_on_service_charge = fields.Boolean(required=True)
    cash_rounding = Money(required=True)
    points_per_amount = Money(required=True)
    receipt_footer = fields.String(load_default="")
    logo_url = fields.String(allow_none=True, load_default=None)
    primary_color = fields.String(load_default="#FF6B35")
    phone = fields.String(load_default="")
    email = fields.String(load_default="")
    address = fields.String(load_default="")
    is_active = fields.Boolean(load_default=True)


class OutletData(_Entity):
    tenant_id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(load_default="")
    phone = fields.String(load_default="")
    timezone = fields.String(required=True)
    opening_hours = fields.Dict(load_default=dict)
    tax_rate = Rate(attribute="tax_rate_bp", data_key="tax_rate", allow_none=True, load_default=None)
    service_charge_rate = Rate(attribute="service_charge_bp", data_key="service_charge_rate", allow_none=True,
                               load_default=None)
    auto_print_receipt = fields.Boolean(load_default=True)
    # an older cloud sends none: the default, which sells on (a value this edge does not know reads as it too)
    zero_stock = fields.String(load_default=ZERO_STOCK_DEFAULT)
    static_qris = fields.String(load_default="")  # the printed merchant QR's payload; "" for none
    is_active = fields.Boolean(load_default=True)


class CategoryData(_Entity):
    name = fields.String(required=True)
    description = fields.String(load_default="")
    sort_order = fields.Integer(load_default=0)
    station = fields.String(load_default="main")
    is_active = fields.Boolean(load_default=True)


class ModifierData(_Entity):
    name = fields.String(required=True)
    price = Money(required=True)
    is_available = fields.Boolean(load_default=True)
    sort_order = fields.Integer(load_default=0)


class ModifierGroupData(_Entity):
    name = fields.String(required=True)
    type = fields.String(load_default="option")
    required = fields.Boolean(required=True)
    min_choices = fields.Integer(required=True)
    max_choices = fields.Integer(required=True)
    sort_order = fields.Integer(load_default=0)
    modifiers = fields.List(fields.Nested(ModifierData), required=True)


class ProductData(_Entity):
    category_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    barcode = fields.String(load_default="")
    name = fields.String(required=True)
    description = fields.String(load_default="")
    price = Money(required=True)
    image_url = fields.String(allow_none=True, load_default=None)
    is_available = fields.Boolean(required=True)
    track_stock = fields.Boolean(load_default=False)
    stock_quantity = fields.Integer(allow_none=True, load_default=None)
    sort_order = fields.Integer(load_default=0)
    modifier_groups = fields.List(fields.Nested(ModifierGroupData), required=True)


class OutletProductData(_Entity):
    product_id = fields.Integer(required=True)
    price = Money(allow_none=True, required=True)
    is_available = fields.Boolean(required=True)


class PromotionProductData(Schema):
    class Meta:
        unknown = EXCLUDE

    product_id = fields.Integer(required=True)
    role = fields.String(required=True)
    quantity = fields.Integer(load_default=1)


class PromotionData(_Entity):
    name = fields.String(required=True)
    description = fields.String(load_default="")
    promo_type = fields.String(required=True)
    discount_percent = Rate(attribute="discount_percent_bp", data_key="discount_percent", load_default=0)
    discount_amount = Money(load_default=0)
    max_discount = Money(allow_none=True, load_default=None)
    min_purchase = Money(load_default=0)
    buy_quantity = fields.Integer(load_default=0)
    get_quantity = fields.Integer(load_default=0)
    bundle_price = Money(allow_none=True, load_default=None)
    start_at = UTCDateTime(allow_none=True, load_default=None)
    end_at = UTCDateTime(allow_none=True, load_default=None)
    days_of_week = fields.List(fields.Integer(), load_default=list)
    start_time = fields.String(allow_none=True, load_default=None)
    end_time = fields.String(allow_none=True, load_default=None)
    usage_limit = fields.Integer(allow_none=True, load_default=None)
    usage_limit_per_customer = fields.Integer(allow_none=True, load_default=None)
    usage_count = fields.Integer(load_default=0)
    code = fields.String(allow_none=True, load_default=None)
    auto_apply = fields.Boolean(load_default=False)
    is_stackable = fields.Boolean(load_default=False)
    priority = fields.Integer(load_default=0)
    is_active = fields.Boolean(required=True)
    outlet_ids = fields.List(fields.Integer(), load_default=list)
    products = fields.List(fields.Nested(PromotionProductData), load_default=list)


class PromotionAllowanceData(_Entity):
    promotion_id = fields.Integer(required=True)
    granted = fields.Integer(required=True)
    used = fields.Integer(required=True)


class UserData(_Entity):
    username = fields.String(required=True)
    first_name = fields.String(load_default="")
    last_name = fields.String(load_default="")
    role = fields.String(required=True)
    outlet_id = fields.Integer(allow_none=True, load_default=None)
    is_active = fields.Boolean(required=True)
    password_hash = fields.String(required=True)
    pin_hash = fields.String(allow_none=True, load_default=None)
    tokens_valid_after = UTCDateTime(allow_none=True, load_default=None)


class CustomerData(_Entity):
    uuid = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(load_default="")
    membership_tier = fields.String(required=True)
    points = fields.Integer(required=True)
    total_orders = fields.Integer(load_default=0)
    total_spent = Money(load_default=0)
    marketing_consent = fields.Boolean(load_default=False)
    preferred_outlet_id = fields.Integer(allow_none=True, load_default=None)
    merged_uuids = fields.List(fields.String(), load_default=list)
    applied_seq = fields.Integer(load_default=0, metadata={
        "description": "Highest outbox seq of the pulling outlet already counted in these figures"})
    promotion_usage = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)


class PurchaseUnitData(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    multiple = fields.Integer(required=True)


class StockItemData(_Entity):
    name = fields.String(required=True)
    unit = fields.String(required=True)
    cost = Money(required=True)
    purchase_units = fields.List(fields.Nested(PurchaseUnitData), load_default=list)
    is_active = fields.Boolean(load_default=True)


class RecipeData(_Entity):
    product_id = fields.Integer(allow_none=True, load_default=None)
    modifier_id = fields.Integer(allow_none=True, load_default=None)
    stock_item_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)


class TransferLineData(Schema):
    class Meta:
        unknown = EXCLUDE

    stock_item_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)


class TransferData(_Entity):
    """Stock on its way to this outlet (pulled by the receiver only)."""
    uuid = fields.String(required=True)
    from_outlet_id = fields.Integer(required=True)
    from_outlet_name = fields.String(load_default="")
    status = fields.String(required=True)
    lines = fields.List(fields.Nested(TransferLineData), required=True)
    note = fields.String(load_default="")
    sent_at = UTCDateTime(required=True)


SCHEMAS = {
    "tenant": TenantData(), "outlet": OutletData(), "category": CategoryData(), "product": ProductData(),
    "outlet_product": OutletProductData(), "promotion": PromotionData(),
    "promotion_allowance": PromotionAllowanceData(), "user": UserData(), "customer": CustomerData(),
    "stock_item": StockItemData(), "recipe": RecipeData(), "transfer": TransferData(),
}


class ChangeSchema(Schema):
    """One change in a pull page: an upsert with data, or a delete (tombstone)."""

    entity = fields.String(required=True)
    op = fields.String(required=True)  # "upsert" | "delete"
    id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    data = fields.Dict(allow_none=True)


def dump(entity: str, obj) -> dict:
    return SCHEMAS[entity].dump(obj)


def load(entity: str, data: dict) -> dict:
    return SCHEMAS[entity].load(data)
