"""Catalog: categories, products, modifier groups, approvals, CSV/Excel import and export,
and each outlet's prices and availability."""
from apiflask import APIBlueprint
from flask import Response
from sqlalchemy import false

from cloud.api.access import public, read_tenant, require
from cloud.api.schemas.catalog import (
    CategoryIn,
    CategoryOut,
    CategoryPatchIn,
    ExportQuery,
    ImportFileIn,
    ImportResultOut,
    ModifierGroupIn,
    ModifierGroupOut,
    ModifierGroupPatchIn,
    OutletProductIn,
    OutletProductOut,
    OutletProductPatchIn,
    ProductCreateIn,
    ProductListQuery,
    ProductOut,
    ProductPatchIn,
    ReviewIn,
)
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Category, Product
from cloud.services import audit, catalog, catalog_io
from cloud.services import tenants as tenant_service
from sync.web.errors import ValidationFailed
from sync.web.lists import order_by, ordered_by, paginate, paginate_rows, search_filter
from sync.web.openapi import refuses

bp = APIBlueprint("catalog", __name__, url_prefix="/api", tag="Catalog")

CATEGORY_ORDERING = {"name": Category.name, "sort_order": Category.sort_order, "created_at": Category.created_at}
PRODUCT_ORDERING = {"name": Product.name, "price": Product.price, "sku": Product.sku,
                    "created_at": Product.created_at, "sort_order": Product.sort_order}


def _sees_unpublished(actor) -> bool:
    return actor is not None and actor.at_least("manager")


# --- categories ----------------------------------------------------------------------

@bp.get("/categories/")
@public(identifies=True)
@bp.input(ordered_by(ListQuery, CATEGORY_ORDERING), location="query")
@bp.output(list_schema(CategoryOut, "CategoryList"))
def list_categories(query_data, actor):
    """Menu categories (public: name the tenant when calling without a token)."""
    stmt = catalog.categories_query(read_tenant(actor))
    if not _sees_unpublished(actor):
        stmt = stmt.where(Category.is_active.is_(True))
    stmt = search_filter(stmt, query_data.get("search"), [Category.name])
    stmt = order_by(stmt, query_data.get("ordering"), CATEGORY_ORDERING, [Category.sort_order, Category.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/categories/")
@writes
@require("manager")
@bp.input(CategoryIn)
@bp.output(CategoryOut, status_code=201)
def create_category(json_data, actor):
    return catalog.create_category(db.session, actor, json_data)


@bp.get("/categories/<int:category_id>/")
@public(identifies=True)
@bp.output(CategoryOut)
def get_category(category_id, actor):
    return catalog.get_category(db.session, read_tenant(actor), category_id)


@bp.patch("/categories/<int:category_id>/")
@writes
@require("manager")
@bp.input(CategoryPatchIn)
@bp.output(CategoryOut)
def update_category(category_id, json_data, actor):
    category = catalog.get_category(db.session, actor.require_tenant(), category_id)
    return catalog.update_category(db.session, category, json_data)


@bp.delete("/categories/<int:category_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_category(category_id, actor):
    catalog.delete_category(db.session, catalog.get_category(db.session, actor.require_tenant(), category_id))
    return ""


# --- products ------------------------------------------------------------------------

@bp.get("/products/")
@public(identifies=True)
@bp.input(ordered_by(ProductListQuery, PRODUCT_ORDERING), location="query")
@bp.output(list_schema(ProductOut, "ProductList"))
def list_products(query_data, actor):
    """Products with their modifier groups. Managers also see drafts and pending ones;
    everyone else sees the published products as approved, with no pending changes."""
    reviewer = _sees_unpublished(actor)
    stmt = catalog.products_query(read_tenant(actor), published_only=not reviewer)
    for name, column in (("category", Product.category_id), ("status", Product.status),
                         ("is_available", Product.is_available), ("is_published", Product.is_published)):
        if query_data.get(name) is None or (name == "status" and not reviewer):
            continue
        stmt = stmt.where(column == query_data[name])
    if not reviewer and query_data.get("status") not in (None, "approved"):
        stmt = stmt.where(false())  # to them every product they see is approved
    stmt = search_filter(stmt, query_data.get("search"), [Product.name, Product.sku, Product.barcode])
    stmt = order_by(stmt, query_data.get("ordering"), PRODUCT_ORDERING, [Product.sort_order, Product.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/products/")
@writes
@require("manager")
@bp.input(ProductCreateIn)
@bp.output(ProductOut, status_code=201)
@refuses(INVALID_CATEGORY="category_id names no category of this tenant",
          INVALID_MIN_CHOICES="a modifier group's min_choices is above its max_choices or its modifiers",
          INVALID_MAX_CHOICES="a modifier group's max_choices is above its modifiers")
def create_product(json_data, actor):
    """A manager's product waits for a tenant owner's approval before outlets get it."""
    return catalog.create_product(db.session, actor, json_data)


@bp.get("/products/export/")
@writes
@require("manager")
@bp.input(ExportQuery, location="query")
@bp.doc(responses={200: {"description": "The catalog as CSV or Excel",
                         "content": {"text/csv": {"schema": {"type": "string"}},
                                     catalog_io.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}})
def export_products(query_data, actor):
    """Download the catalog as CSV or Excel (one row per product): the published products
    at their approved prices, or with `include_pending=true` every product with its status
    and any price awaiting approval. Text that a spreadsheet would run is neutralised."""
    body, mimetype, filename = catalog_io.export(db.session, actor.require_tenant(), query_data["format"],
                                                 query_data["include_pending"])
    audit.record_export(db.session, actor, "catalog", query_data)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/products/import/")
@writes
@require("manager")
@bp.input(ImportFileIn, location="files")
@bp.output(ImportResultOut)
@refuses(INVALID_CSV="the file is not a UTF-8 CSV with the needed header",
          INVALID_ROWS="a row is invalid (listed in rows)", DUPLICATE_SKU="a SKU appears twice",
          TOO_MANY_ROWS="more than 5000 rows")
def import_products(files_data, actor):
    """Create or update products from a CSV upload (columns: sku, name, category, price,
    description, barcode, image_url, is_available, track_stock), matched by SKU. All rows
    apply or none; a manager's new products and price changes await approval."""
    try:
        text = files_data["file"].read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The CSV must be UTF-8 text", "INVALID_CSV", "file") from None
    return catalog_io.import_csv(db.session, actor, text)


@bp.get("/products/<int:product_id>/")
@public(identifies=True)
@bp.output(ProductOut)
def get_product(product_id, actor):
    return catalog.get_product(db.session, read_tenant(actor), product_id,
                               published_only=not _sees_unpublished(actor))


@bp.patch("/products/<int:product_id>/")
@writes
@require("manager")
@bp.input(ProductPatchIn)
@bp.output(ProductOut)
@refuses(INVALID_CATEGORY="category_id names no category of this tenant")
def update_product(product_id, json_data, actor):
    """A manager's price change on a published product waits for approval."""
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    return catalog.update_product(db.session, actor, product, json_data)


@bp.delete("/products/<int:product_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_product(product_id, actor):
    catalog.delete_product(db.session, catalog.get_product(db.session, actor.require_tenant(), product_id))
    return ""


@bp.post("/products/<int:product_id>/approve/")
@writes
@require("tenant_owner")
@bp.input(ReviewIn)
@bp.output(ProductOut)
def approve_product(product_id, json_data, actor):
    """Publish a pending product or price change to the outlets."""
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    return catalog.review(db.session, actor, product, approve=True, note=json_data.get("note", ""))


@bp.post("/products/<int:product_id>/reject/")
@writes
@require("tenant_owner")
@bp.input(ReviewIn)
@bp.output(ProductOut)
def reject_product(product_id, json_data, actor):
    """Turn down a pending product or price change; outlets keep what they had."""
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    return catalog.review(db.session, actor, product, approve=False, note=json_data.get("note", ""))


@bp.get("/products/<int:product_id>/modifiers/")
@public(identifies=True)
@bp.input(ListQuery, location="query")
@bp.output(list_schema(ModifierGroupOut, "ModifierGroupList"))
def list_modifier_groups(product_id, query_data, actor):
    """The product's modifier groups and their modifiers, in the list envelope."""
    product = catalog.get_product(db.session, read_tenant(actor), product_id,
                                  published_only=not _sees_unpublished(actor))
    return paginate_rows(list(product.modifier_groups), query_data)


@bp.post("/products/<int:product_id>/modifiers/")
@writes
@require("manager")
@bp.input(ModifierGroupIn)
@bp.output(ModifierGroupOut, status_code=201)
@refuses(INVALID_MIN_CHOICES="min_choices is above max_choices or the modifiers",
          INVALID_MAX_CHOICES="max_choices is above the modifiers")
def add_modifier_group(product_id, json_data, actor):
    """Add a modifier group (e.g. Size: Regular/Large, required, exactly one)."""
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    return catalog.add_modifier_group(db.session, product, json_data)


@bp.patch("/products/<int:product_id>/modifiers/<int:group_id>/")
@writes
@require("manager")
@bp.input(ModifierGroupPatchIn)
@bp.output(ModifierGroupOut)
@refuses(INVALID_MODIFIER="a modifier id is not in this group",
          INVALID_MIN_CHOICES="min_choices is above max_choices or the modifiers",
          INVALID_MAX_CHOICES="max_choices is above the modifiers")
def update_modifier_group(product_id, group_id, json_data, actor):
    """Change a group; a `modifiers` list replaces the group's modifiers (ids keep theirs)."""
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    group = catalog.get_modifier_group(db.session, product, group_id)
    return catalog.update_modifier_group(db.session, group, json_data, actor=actor)


@bp.delete("/products/<int:product_id>/modifiers/<int:group_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_modifier_group(product_id, group_id, actor):
    product = catalog.get_product(db.session, actor.require_tenant(), product_id)
    catalog.delete_modifier_group(db.session, catalog.get_modifier_group(db.session, product, group_id))
    return ""


# --- per-outlet prices ---------------------------------------------------------------

def _outlet_product_row(product, override):
    price = product.price if override is None or override.price is None else override.price
    return {
        "product_id": product.id, "sku": product.sku, "name": product.name, "base_price": product.price,
        "price": price, "override_price": None if override is None else override.price,
        "pending_price": override.pending_price if override is not None and override.has_pending_price else None,
        "is_available": product.is_available and (override is None or override.is_available),
        "status": product.status,
    }


@bp.get("/outlets/<int:outlet_id>/products/")
@require("manager")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(OutletProductOut, "OutletProductList"))
def list_outlet_products(outlet_id, query_data, actor):
    """What each product costs and whether it is sold at this outlet."""
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    rows = [_outlet_product_row(p, o) for p, o in catalog.outlet_products(db.session, outlet)]
    search = (query_data.get("search") or "").lower()
    if search:
        rows = [r for r in rows if search in r["name"].lower() or search in r["sku"].lower()]
    return paginate_rows(rows, query_data)


@bp.post("/outlets/<int:outlet_id>/products/")
@writes
@require("manager")
@bp.input(OutletProductIn)
@bp.output(OutletProductOut)
@refuses(INVALID_PRODUCT="product_id names no product of this tenant")
def set_outlet_product(outlet_id, json_data, actor):
    """Set this outlet's price (null: the product's) and availability for a product."""
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    product = catalog.get_product(db.session, outlet.tenant_id, json_data["product_id"])
    override = catalog.set_outlet_product(db.session, actor, outlet, product, json_data)
    return _outlet_product_row(product, override)


@bp.patch("/outlets/<int:outlet_id>/products/<int:product_id>/")
@writes
@require("manager")
@bp.input(OutletProductPatchIn)
@bp.output(OutletProductOut)
def update_outlet_product(outlet_id, product_id, json_data, actor):
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    product = catalog.get_product(db.session, outlet.tenant_id, product_id)
    override = catalog.set_outlet_product(db.session, actor, outlet, product, json_data)
    return _outlet_product_row(product, override)


@bp.delete("/outlets/<int:outlet_id>/products/<int:product_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def clear_outlet_product(outlet_id, product_id, actor):
    """Drop the outlet's override: the product's own price and availability apply."""
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    product = catalog.get_product(db.session, outlet.tenant_id, product_id)
    catalog.clear_outlet_product(db.session, outlet, product, actor=actor)
    return ""

