"""Head-office analytics over the sales outlets synced (manager+; docs/dashboard.md).

Every report takes `outlet_id`, `date_from` and `date_to` (business dates, both included;
default the last 30 days). An outlet-bound manager always sees their outlet only.
"""
from apiflask import APIBlueprint
from flask import Response

from cloud.api.access import require
from cloud.api.schemas.analytics import (
    AnalyticsQuery,
    CustomersOut,
    DashboardOut,
    MarginsOut,
    ProductsExportQuery,
    ProductsOut,
    ProductsQuery,
    RevenueExportQuery,
    RevenueOut,
    RevenueQuery,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import SyncedOrderItem
from cloud.services import analytics, audit, margins
from sync.web.lists import order_by, ordered_by, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("analytics", __name__, url_prefix="/api/analytics", tag="Analytics")

PRODUCT_ORDERING = ("name", "sku", "quantity", "revenue", "orders", "product_id")
REPORT_RULES = {"DATE_RANGE_TOO_LONG": "date_from to date_to spans more than 1096 days",
                "INVALID_DATE_RANGE": "date_from is after date_to",
                "INVALID_OUTLET": "outlet_id names no outlet you may see"}


def _scope(query_data, actor):
    return analytics.resolve_scope(db.session, actor, query_data.get("outlet_id"), query_data.get("date_from"),
                                   query_data.get("date_to"))


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _file_doc(what: str) -> dict:
    return {200: {"description": f"The {what} report as CSV or Excel",
                  "content": {"text/csv": {"schema": {"type": "string"}},
                              analytics.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}}


@bp.get("/dashboard/")
@require("manager")
@bp.input(AnalyticsQuery, location="query")
@bp.output(DashboardOut)
@refuses(**REPORT_RULES)
def dashboard(query_data, actor):
    """Sales figures and their trend against the previous period of the same length, top
    products, order statuses, payment methods, each outlet, and kitchen prep times."""
    return analytics.dashboard(db.session, _scope(query_data, actor))


@bp.get("/revenue/")
@require("manager")
@bp.input(RevenueQuery, location="query")
@bp.output(RevenueOut)
@refuses(**REPORT_RULES)
def revenue(query_data, actor):
    """Revenue per day, ISO week (Monday first) or month over the range: every bucket is
    present, zero where nothing sold; buckets at the range's ends are cut to it."""
    return analytics.revenue_series(db.session, _scope(query_data, actor), query_data["period"])


@bp.get("/revenue/export/")
@writes
@require("manager")
@bp.input(RevenueExportQuery, location="query")
@bp.doc(responses=_file_doc("revenue"))
@refuses(**REPORT_RULES)
def export_revenue(query_data, actor):
    """Download the revenue report (`?format=csv|xlsx`), one row per bucket and a totals row."""
    exported = analytics.export_revenue(db.session, _scope(query_data, actor), query_data["period"],
                                        query_data["format"])
    audit.record_export(db.session, actor, "revenue_report", query_data)
    return _file(*exported)


@bp.get("/products/")
@require("manager")
@bp.input(ordered_by(ProductsQuery, PRODUCT_ORDERING), location="query")
@bp.output(ProductsOut)
@refuses(**REPORT_RULES)
def products(query_data, actor):
    """Per product over the completed orders: units, revenue, orders and share of all
    products' revenue; highest revenue first (`ordering`: name, sku, quantity, revenue,
    orders, product_id, `-` for descending); `search` in the product name."""
    scope = _scope(query_data, actor)
    stmt, columns = analytics.products_query(scope, query_data.get("search"))
    stmt = order_by(stmt, query_data.get("ordering") or "-revenue",
                    {name: columns[name] for name in PRODUCT_ORDERING}, [SyncedOrderItem.product_id])
    whole = analytics.products_revenue_total(db.session, scope)
    page = paginate(db.session, stmt, query_data, serialize=lambda row: analytics.product_row(row, whole),
                    scalars=False)
    return {**page, "tenant": analytics.tenant_summary(db.session, scope),
            "period": analytics.period_summary(scope), "total_revenue": whole}


@bp.get("/products/export/")
@writes
@require("manager")
@bp.input(ProductsExportQuery, location="query")
@bp.doc(responses=_file_doc("products"))
@refuses(**REPORT_RULES)
def export_products(query_data, actor):
    """Download every product sold in the range (`?format=csv|xlsx`), highest revenue first."""
    exported = analytics.export_products(db.session, _scope(query_data, actor), query_data["format"],
                                         query_data.get("search"))
    audit.record_export(db.session, actor, "products_report", query_data)
    return _file(*exported)


@bp.get("/customers/")
@require("manager")
@bp.input(AnalyticsQuery, location="query")
@bp.output(CustomersOut)
@refuses(**REPORT_RULES)
def customers(query_data, actor):
    """Customers served in the period, new, returning and repeat ones, the top spenders
    (outlet scope applies), and the tenant's customer base: total, tiers, points held."""
    return analytics.customers(db.session, _scope(query_data, actor))


@bp.get("/margins/")
@require("manager")
@bp.input(AnalyticsQuery, location="query")
@bp.output(MarginsOut)
@refuses(**REPORT_RULES)
def product_margins(query_data, actor):
    """Cost of goods sold and gross margin per product sold in the range: the units and
    revenue the products report counts, their net sales (before service and tax), their
    cost by today's recipes and stock costs, margin and margin % (highest net sales first)."""
    return margins.margins(db.session, _scope(query_data, actor))
