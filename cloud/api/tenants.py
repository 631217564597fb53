"""Tenants (brands) and outlets (stores), and outlet enrollment keys for edges."""
from apiflask import APIBlueprint
from sqlalchemy import select

from cloud.api.access import require
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.schemas.devices import EnrollmentKeyIn
from cloud.api.schemas.tenants import (
    EnrollmentKeyOut,
    OutletCreateIn,
    OutletListQuery,
    OutletOut,
    OutletPatchIn,
    TenantCreateIn,
    TenantOut,
    TenantPatchIn,
)
from cloud.api.tx import secret_answer, writes
from cloud.extensions import db
from cloud.models import Outlet, Tenant
from cloud.services import enrollment
from cloud.services import tenants as tenant_service
from sync.roles import STOCK_ROLES
from sync.web.errors import NotFound
from sync.web.lists import order_by, ordered_by, paginate, search_filter
from sync.web.openapi import refuses

bp = APIBlueprint("tenants", __name__, url_prefix="/api", tag="Tenants and outlets")

TENANT_ORDERING = {"name": Tenant.name, "created_at": Tenant.created_at, "slug": Tenant.slug}
OUTLET_ORDERING = {"name": Outlet.name, "code": Outlet.code, "created_at": Outlet.created_at}


@bp.get("/tenants/")
@require("super_admin")
@bp.input(ordered_by(ListQuery, TENANT_ORDERING), location="query")
@bp.output(list_schema(TenantOut, "TenantList"))
def list_tenants(query_data, actor):
    """Every tenant on the platform."""
    stmt = search_filter(select(Tenant), query_data.get("search"), [Tenant.name, Tenant.slug])
    stmt = order_by(stmt, query_data.get("ordering"), TENANT_ORDERING, [Tenant.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/tenants/")
@writes
@require("super_admin")
@bp.input(TenantCreateIn)
@bp.output(TenantOut, status_code=201)
@refuses(INVALID_POINTS_PER_AMOUNT="points_per_amount is above 21474836.47",
          INVALID_CASH_ROUNDING="cash_rounding is not one of 0.00, 1.00, 100.00, 500.00, 1000.00")
def create_tenant(json_data, actor):
    return tenant_service.create_tenant(db.session, json_data)


@bp.get("/tenants/<int:tenant_id>/")
@require("tenant_owner")
@bp.output(TenantOut)
def get_tenant(tenant_id, actor):
    return tenant_service.get_tenant(db.session, actor, tenant_id)


@bp.patch("/tenants/<int:tenant_id>/")
@writes
@require("tenant_owner")
@bp.input(TenantPatchIn)
@bp.output(TenantOut)
@refuses(INVALID_POINTS_PER_AMOUNT="points_per_amount is above 21474836.47",
          INVALID_CASH_ROUNDING="cash_rounding is not one of 0.00, 1.00, 100.00, 500.00, 1000.00")
def update_tenant(tenant_id, json_data, actor):
    """Branding, currency, tax, service charge and cash rounding of a tenant."""
    tenant = tenant_service.get_tenant(db.session, actor, tenant_id)
    return tenant_service.update_tenant(db.session, actor, tenant, json_data)


@bp.delete("/tenants/<int:tenant_id>/")
@writes
@require("super_admin")
@bp.output({}, status_code=204)
def delete_tenant(tenant_id, actor):
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("Tenant")
    tenant_service.delete_tenant(db.session, tenant)
    return ""


@bp.get("/outlets/")
@require("manager", also=STOCK_ROLES)
@bp.input(ordered_by(OutletListQuery, OUTLET_ORDERING), location="query")
@bp.output(list_schema(OutletOut, "OutletList"))
def list_outlets(query_data, actor):
    """The tenant's outlets (an outlet-bound user: their own). A stockkeeper reads them too:
    it moves stock between them and picks one on the dashboard."""
    stmt = tenant_service.outlets_query(actor)
    if query_data.get("is_active") is not None:
        stmt = stmt.where(Outlet.is_active == query_data["is_active"])
    stmt = search_filter(stmt, query_data.get("search"), [Outlet.name, Outlet.code, Outlet.address])
    stmt = order_by(stmt, query_data.get("ordering"), OUTLET_ORDERING, [Outlet.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/outlets/")
@writes
@require("tenant_owner")
@bp.input(OutletCreateIn)
@bp.output(OutletOut, status_code=201)
def create_outlet(json_data, actor):
    return tenant_service.create_outlet(db.session, actor.require_tenant(), json_data)


@bp.get("/outlets/<int:outlet_id>/")
@require("manager")
@bp.output(OutletOut)
def get_outlet(outlet_id, actor):
    return tenant_service.get_outlet(db.session, actor, outlet_id)


@bp.patch("/outlets/<int:outlet_id>/")
@writes
@require("manager")
@bp.input(OutletPatchIn)
@bp.output(OutletOut)
def update_outlet(outlet_id, json_data, actor):
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    return tenant_service.update_outlet(db.session, actor, outlet, json_data)


@bp.post("/outlets/<int:outlet_id>/enrollment-key/")
@writes
@require("tenant_owner")
@secret_answer
@bp.input(EnrollmentKeyIn)
@bp.output(EnrollmentKeyOut, status_code=201)
def create_enrollment_key(outlet_id, json_data, actor):
    """A one-time key an edge exchanges for its device credential (`pos edge enroll`).
    The device it enrolls replaces the outlet's earlier ones, unless `keep_other_devices`."""
    outlet = tenant_service.get_outlet(db.session, actor, outlet_id)
    key, record = enrollment.issue_key(db.session, outlet, actor.user_id, json_data["keep_other_devices"])
    return {"enrollment_key": key, "outlet_id": outlet.id, "expires_at": record.expires_at}
