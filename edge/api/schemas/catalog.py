from apiflask import Schema
from apiflask.fields import Boolean, Dict, List, Nested, String
from apiflask.validators import Length, Range

from edge.api.schemas import ROW_ID
from sync.web.fields import Money, WholeNumber
from sync.web.lists import ListQuery


class CategoryOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    description = String()
    sort_order = WholeNumber()
    station = String()
    is_active = Boolean()


class ModifierOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    price = Money(required=True)
    is_available = Boolean()
    sold_out = Boolean(dump_default=False, metadata={"description": "Marked sold out (86) at this outlet"})


class ModifierGroupOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    type = String()
    required = Boolean(required=True)
    min_choices = WholeNumber(required=True)
    max_choices = WholeNumber(required=True)
    modifiers = List(Nested(ModifierOut), required=True)


class ProductOut(Schema):
    id = WholeNumber(required=True, attribute="product.id")
    sku = String(required=True, attribute="product.sku")
    barcode = String(attribute="product.barcode")
    name = String(required=True, attribute="product.name")
    description = String(attribute="product.description")
    category_id = WholeNumber(required=True, attribute="product.category_id")
    category_name = String()
    station = String()
    price = Money(required=True, metadata={"description": "This outlet's price"})
    base_price = Money(attribute="product.price")
    image_url = String(allow_none=True, attribute="product.image_url")
    is_available = Boolean(required=True)
    sold_out = Boolean(required=True, metadata={"description": "Marked sold out (86) at this outlet by a manager"})
    out_of_stock = Boolean(required=True, metadata={
        "description": "A stock item of its recipe is at or below zero and the outlet's zero_stock rule is warn or "
                       "block (under block it is also is_available false); always false under allow"})
    track_stock = Boolean(attribute="product.track_stock")
    status = String(dump_default="approved")
    modifier_groups = List(Nested(ModifierGroupOut), required=True, attribute="product.modifier_groups")


class ProductQuery(ListQuery):
    page_size = WholeNumber(load_default=100, validate=Range(min=1, max=500))
    category = WholeNumber(validate=ROW_ID)
    is_available = Boolean()
    code = String(validate=Length(max=64), metadata={"description": "Exact SKU or barcode (scanner)"})


class PromotionOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    code = String(allow_none=True)
    data = Dict(required=True, metadata={"description": "The promotion as the cloud defines it"})
