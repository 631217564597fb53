"""Tenants and outlets: creation (with owner self-registration), settings, lookups."""
from __future__ import annotations

import re
import secrets
from zoneinfo import available_timezones

from sqlalchemy import func, select

from cloud.models import Outlet, Tenant, TenantVersion, User
from cloud.services import audit, qris_payload
from cloud.services.actor import Actor
from sync.errors import Conflict, Forbidden, Invalid, NotFound

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CODE_RE = re.compile(r"[A-Za-z0-9]{2,10}")  # fullmatch, before upper-casing ("ß" is no code)
CASH_ROUNDING_CHOICES = (0, 100, 10_000, 50_000, 100_000)  # minor units: none, 1, 100, 500, 1000
_TIMEZONES = None

TENANT_FIELDS = ("name", "description", "logo_url", "primary_color", "secondary_color", "email", "phone", "address",
                 "currency", "tax_rate_bp", "service_charge_bp", "tax_on_service_charge", "cash_rounding",
                 "points_per_amount", "receipt_footer", "is_active")
OUTLET_FIELDS = ("name", "address", "phone", "timezone", "opening_hours", "tax_rate_bp", "service_charge_bp",
                 "auto_print_receipt", "zero_stock", "static_qris",
                 "is_active")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or "store"


def _check_timezone(name: str) -> None:
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = available_timezones()
    if name not in _TIMEZONES:
        raise Invalid(f"Unknown timezone '{name}'", "INVALID_TIMEZONE", "timezone")


def _check_cash_rounding(value: int) -> None:
    if value not in CASH_ROUNDING_CHOICES:
        raise Invalid("cash_rounding must be one of 0.00, 1.00, 100.00, 500.00, 1000.00",
                               "INVALID_CASH_ROUNDING", "cash_rounding")


def unique_slug(session, wanted: str | None, name: str) -> str:
    if wanted:
        if not SLUG_RE.match(wanted):
            raise Invalid("Slug may contain lowercase letters, digits and dashes", "INVALID_SLUG", "slug")
        if session.execute(select(Tenant.id).where(Tenant.slug == wanted)).first():
            raise Conflict(f"Slug '{wanted}' is taken", "SLUG_TAKEN", "slug")
        return wanted
    base = slugify(name)
    slug = base
    while session.execute(select(Tenant.id).where(Tenant.slug == slug)).first():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def create_tenant(session, data: dict) -> Tenant:
    data = dict(data)
    slug = unique_slug(session, data.pop("slug", None), data["name"])
    if "cash_rounding" in data:
        _check_cash_rounding(data["cash_rounding"])
    tenant = Tenant(slug=slug, version_counter=TenantVersion(version=0),
                    **{k: v for k, v in data.items() if k in TENANT_FIELDS})
    session.add(tenant)
    session.flush()
    return tenant


def get_tenant(session, actor: Actor, tenant_id: int) -> Tenant:
    if not actor.is_platform and actor.tenant_id != tenant_id:
        raise NotFound("Tenant")
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("Tenant")
    return tenant


def update_tenant(session, actor: Actor, tenant: Tenant, changes: dict) -> Tenant:
    if "is_active" in changes and not actor.is_platform:
        raise Forbidden("Only platform administrators can (de)activate a tenant")
    if "cash_rounding" in changes:
        _check_cash_rounding(changes["cash_rounding"])
    before = {key: getattr(tenant, key) for key in changes if key in TENANT_FIELDS}
    for key, value in changes.items():
        if key in TENANT_FIELDS:
            setattr(tenant, key, value)
    _record_settings(session, actor, tenant.id, None, "tenant", tenant.id, before,
                     {key: getattr(tenant, key) for key in before})
    session.flush()
    return tenant


def _record_settings(session, actor: Actor, tenant_id: int, outlet_id: int | None, object_type: str, object_id: int,
                     before: dict, after: dict) -> None:
    """Audit a settings change (`settings_change`): only the fields whose value moved, before and after."""
    moved = [key for key in before if before[key] != after[key]]
    if moved:
        audit.record(session, actor, "settings_change", tenant_id=tenant_id, outlet_id=outlet_id,
                     object_type=object_type, object_id=object_id, before={key: before[key] for key in moved},
                     after={key: after[key] for key in moved})


def delete_tenant(session, tenant: Tenant) -> None:
    session.delete(tenant)
    session.flush()


# --- outlets -------------------------------------------------------------------------

def _outlet_code_free(session, tenant_id: int, code: str) -> None:
    if session.execute(select(Outlet.id).where(Outlet.tenant_id == tenant_id, Outlet.code == code)).first():
        raise Conflict(f"Outlet code '{code}' is already used in this tenant", "OUTLET_CODE_TAKEN", "code")


def create_outlet(session, tenant_id: int, data: dict) -> Outlet:
    if not CODE_RE.fullmatch(data["code"]):
        raise Invalid("Outlet code is 2 to 10 letters or digits", "INVALID_CODE", "code")
    code = data["code"].upper()
    _outlet_code_free(session, tenant_id, code)
    if data.get("timezone"):
        _check_timezone(data["timezone"])
    if "static_qris" in data:
        data = {**data, "static_qris": qris_payload.check_static(data["static_qris"])}
    outlet = Outlet(tenant_id=tenant_id, code=code, **{k: v for k, v in data.items() if k in OUTLET_FIELDS})
    session.add(outlet)
    session.flush()
    return outlet


def get_outlet(session, actor: Actor, outlet_id: int) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.tenant_id != actor.require_tenant() or not actor.can_see_outlet(outlet.id):
        raise NotFound("Outlet")
    return outlet


def outlets_query(actor: Actor):
    stmt = select(Outlet).where(Outlet.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(Outlet.id == actor.outlet_id)
    return stmt


def update_outlet(session, actor: Actor, outlet: Outlet, changes: dict) -> Outlet:
    if "static_qris" in changes:
        changes = {**changes, "static_qris": qris_payload.check_static(changes["static_qris"])}
    if "timezone" in changes:
        _check_timezone(changes["timezone"])
    if "is_active" in changes and not actor.at_least("tenant_owner"):
        raise Forbidden("Only the tenant owner can open or close an outlet")
    before = {key: getattr(outlet, key) for key in changes if key in (*OUTLET_FIELDS, "code")}
    if "code" in changes:
        if not CODE_RE.fullmatch(changes["code"]):
            raise Invalid("Outlet code is 2 to 10 letters or digits", "INVALID_CODE", "code")
        code = changes["code"].upper()
        if code != outlet.code:
            _outlet_code_free(session, outlet.tenant_id, code)
            outlet.code = code
    for key, value in changes.items():
        if key in OUTLET_FIELDS:
            setattr(outlet, key, value)
    _record_settings(session, actor, outlet.tenant_id, outlet.id, "outlet", outlet.id, before,
                     {key: getattr(outlet, key) for key in before})
    session.flush()
    return outlet


def effective_rates(outlet: Outlet, tenant: Tenant) -> tuple[int, int]:
    tax = outlet.tax_rate_bp if outlet.tax_rate_bp is not None else tenant.tax_rate_bp
    service = outlet.service_charge_bp if outlet.service_charge_bp is not None else tenant.service_charge_bp
    return tax, service


def count_tenant_users(session, tenant_id: int) -> int:
    return session.execute(select(func.count(User.id)).where(User.tenant_id == tenant_id)).scalar_one()
