from apiflask import Schema
from apiflask.fields import Boolean, Dict, File, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import has_request_context
from marshmallow import post_dump

from cloud.api.access import sees_reviews
from cloud.api.schemas.common import ID, WEB_URL, ListQuery, Money, UTCDateTime
from cloud.models.catalog import MODIFIER_TYPES, PRODUCT_STATUSES
from sync.money import format_amount
from sync.web.fields import WholeNumber

PRICE_MESSAGE = "Product price must be positive"  # one rule everywhere: 0.00 is refused too (modifiers may be 0.00)


class CategoryIn(Schema):
    name = String(required=True, validate=Length(min=1, max=120))
    description = String(validate=Length(max=2000))
    sort_order = WholeNumber(validate=Range(min=-100000, max=100000))
    station = String(validate=Length(min=1, max=40), metadata={"description": "Kitchen station its items go to"})
    is_active = Boolean()


class CategoryPatchIn(CategoryIn):
    name = String(validate=Length(min=1, max=120))


class CategoryOut(CategoryIn):
    id = WholeNumber(required=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class ModifierIn(Schema):
    id = WholeNumber(validate=ID, metadata={"description": "Existing modifier to keep (on update)"})
    name = String(required=True, validate=Length(min=1, max=120))
    price = Money(load_default=0, metadata={"description": "Added to the item's price"})
    is_available = Boolean()
    sort_order = WholeNumber(validate=Range(min=0, max=10000))


class ModifierOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    price = Money(required=True)
    is_available = Boolean()
    sort_order = WholeNumber()


class ModifierGroupIn(Schema):
    name = String(required=True, validate=Length(min=1, max=120))
    type = String(validate=OneOf(MODIFIER_TYPES))
    required = Boolean()
    min_choices = WholeNumber(validate=Range(min=0, max=50))
    max_choices = WholeNumber(validate=Range(min=1, max=50))
    sort_order = WholeNumber(validate=Range(min=0, max=10000))
    modifiers = List(Nested(ModifierIn), validate=Length(max=50))


class ModifierGroupPatchIn(ModifierGroupIn):
    name = String(validate=Length(min=1, max=120))


class ModifierGroupOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    type = String()
    required = Boolean(required=True)
    min_choices = WholeNumber(required=True)
    max_choices = WholeNumber(required=True)
    sort_order = WholeNumber()
    modifiers = List(Nested(ModifierOut), required=True)


class ProductFields(Schema):
    sku = String(validate=Length(min=1, max=64))
    barcode = String(validate=Length(max=64))
    name = String(validate=Length(min=1, max=200))
    description = String(validate=Length(max=2000))
    category_id = WholeNumber(validate=ID)
    price = Money(positive=True, min_message=PRICE_MESSAGE)
    image_url = String(allow_none=True, validate=[Length(max=500), WEB_URL])
    is_available = Boolean()
    track_stock = Boolean()
    stock_quantity = WholeNumber(allow_none=True, validate=Range(min=0, max=10**9))
    sort_order = WholeNumber(validate=Range(min=-100000, max=100000))


class ProductCreateIn(ProductFields):
    sku = String(required=True, validate=Length(min=1, max=64))
    name = String(required=True, validate=Length(min=1, max=200))
    category_id = WholeNumber(required=True, validate=ID)
    price = Money(required=True, positive=True, min_message=PRICE_MESSAGE)
    status = String(validate=OneOf(("draft", "pending_approval", "approved")))
    modifier_groups = List(Nested(ModifierGroupIn), validate=Length(max=20))


class ProductPatchIn(ProductFields):
    status = String(validate=OneOf(PRODUCT_STATUSES))


class ProductOut(ProductFields):
    id = WholeNumber(required=True)
    category_name = String(attribute="category.name")
    status = String(required=True)
    is_published = Boolean(required=True)
    pending_changes = Dict(metadata={"description": "Changes waiting for a tenant owner's approval"})
    review_note = String()
    approved_at = UTCDateTime(allow_none=True)
    modifier_groups = List(Nested(ModifierGroupOut), required=True)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()

    @post_dump
    def _money_in_pending(self, data, **kwargs):
        if has_request_context() and not sees_reviews():
            # what outlets sell: the approved values, nothing of a change awaiting approval
            data.pop("pending_changes", None)
            data.pop("review_note", None)
            if data.get("is_published"):
                data["status"] = "approved"
            return data
        pending = data.get("pending_changes") or {}
        if "price" in pending and isinstance(pending["price"], int):
            data["pending_changes"] = {**pending, "price": format_amount(pending["price"])}
        return data


class ProductListQuery(ListQuery):
    category = WholeNumber(validate=ID)
    status = String(validate=OneOf(PRODUCT_STATUSES))
    is_available = Boolean()
    is_published = Boolean()
    tenant_id = WholeNumber(validate=ID, metadata={"description": "Tenant, for anonymous menu reads"})


class ReviewIn(Schema):
    note = String(validate=Length(max=500))


class OutletProductIn(Schema):
    product_id = WholeNumber(required=True, validate=ID)
    price = Money(allow_none=True, positive=True, min_message=PRICE_MESSAGE,
                  metadata={"description": "null: the product's price"})
    is_available = Boolean()


class OutletProductPatchIn(Schema):
    price = Money(allow_none=True, positive=True, min_message=PRICE_MESSAGE)
    is_available = Boolean()


class OutletProductOut(Schema):
    product_id = WholeNumber(required=True)
    sku = String(required=True)
    name = String(required=True)
    base_price = Money(required=True)
    price = Money(required=True, metadata={"description": "What this outlet charges"})
    override_price = Money(allow_none=True)
    pending_price = Money(allow_none=True)
    is_available = Boolean(required=True)
    status = String()


class TenantQuery(Schema):
    tenant_id = WholeNumber(validate=ID)


class ImportResultOut(Schema):
    created = WholeNumber(required=True)
    updated = WholeNumber(required=True)
    unchanged = WholeNumber(required=True)
    pending_approval = WholeNumber(required=True)


class ExportQuery(Schema):
    format = String(load_default="csv", validate=OneOf(("csv", "xlsx")))
    include_pending = Boolean(load_default=False, metadata={
        "description": "Also list unpublished products, with status and any price awaiting approval"})


class ImportFileIn(Schema):
    file = File(required=True, metadata={"description": "UTF-8 CSV with a header row"})
