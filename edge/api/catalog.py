"""The outlet's menu (read-only mirror of the cloud's catalog) and active promotions."""
from apiflask import APIBlueprint
from sqlalchemy import select

from edge.api.access import require
from edge.api.schemas.catalog import CategoryOut, ProductOut, ProductQuery, PromotionOut
from edge.extensions import db
from edge.models import MirrorCategory, MirrorPromotion
from edge.services.selling import catalog
from sync.web.errors import NotFound
from sync.web.lists import ListQuery, list_schema, paginate, paginate_rows

bp = APIBlueprint("catalog", __name__, url_prefix="/api", tag="Catalog")


@bp.get("/categories/")
@require("kitchen")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(CategoryOut, "EdgeCategoryList"))
def list_categories(query_data, actor):
    rows = db.session.execute(select(MirrorCategory).where(MirrorCategory.is_active.is_(True))
                              .order_by(MirrorCategory.sort_order, MirrorCategory.id)).scalars().all()
    search = (query_data.get("search") or "").lower()
    return paginate_rows([c for c in rows if search in c.name.lower()], query_data)


@bp.get("/products/")
@require("kitchen")
@bp.input(ProductQuery, location="query")
@bp.output(list_schema(ProductOut, "EdgeProductList"))
def list_products(query_data, actor):
    """The menu with this outlet's prices; sold-out items are included, flagged, and so are
    products out of stock under the outlet's zero-stock rule (`out_of_stock`)."""
    rows = catalog.with_stock(db.session, catalog.menu(db.session))
    if query_data.get("category"):
        rows = [r for r in rows if r.product.category_id == query_data["category"]]
    if query_data.get("is_available") is not None:
        rows = [r for r in rows if r.is_available == query_data["is_available"]]
    if query_data.get("code"):
        code = query_data["code"].strip().lower()
        rows = [r for r in rows if code in (r.product.sku.lower(), (r.product.barcode or "").lower())]
    search = (query_data.get("search") or "").strip().lower()
    if search:
        rows = [r for r in rows if search in r.product.name.lower() or search in r.product.sku.lower()]
    return paginate_rows(rows, query_data)


@bp.get("/products/<int:product_id>/")
@require("kitchen")
@bp.output(ProductOut)
def get_product(product_id, actor):
    for row in catalog.with_stock(db.session, catalog.menu(db.session)):
        if row.product.id == product_id:
            return row
    raise NotFound("Product")


@bp.get("/promotions/active/")
@require("kitchen")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(PromotionOut, "EdgePromotionList"))
def active_promotions(query_data, actor):
    """Promotions the cloud has switched on (each still subject to its own window), in the list envelope."""
    return paginate(db.session, select(MirrorPromotion).where(MirrorPromotion.is_active.is_(True))
                    .order_by(MirrorPromotion.id), query_data)
