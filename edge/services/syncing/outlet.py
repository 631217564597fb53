"""This outlet's settings as mirrored from the cloud: charges, timezone, identity.

Read on every sale, so served from `mirror_cache` as plain values."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from edge.models import MirrorOutlet, MirrorTenant
from edge.services.selling.pricing import ChargeSettings
from edge.services.syncing import mirror_cache
from sync import vocab
from sync.errors import Unavailable


@dataclass(frozen=True)
class TenantInfo:
    id: int
    name: str
    currency: str
    tax_rate_bp: int
    service_charge_bp: int
    tax_on_service_charge: bool
    cash_rounding: int
    points_per_amount: int
    receipt_footer: str
    logo_url: str | None
    primary_color: str
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class OutletInfo:
    id: int
    tenant_id: int
    code: str
    name: str
    address: str
    phone: str
    timezone: str
    tax_rate_bp: int | None
    service_charge_bp: int | None
    auto_print_receipt: bool
    zero_stock: str  # a rule of vocab.ZERO_STOCK_RULE (one this edge does not know reads as the default)
    static_qris: str  # the printed merchant QR's payload; "" for none (no static QRIS here)


def _not_enrolled() -> Unavailable:
    return Unavailable("This edge has no master data yet; enroll it and pull", "NOT_ENROLLED")


def _load_tenant(session) -> TenantInfo:
    row = session.execute(select(MirrorTenant)).scalars().first()
    if row is None:
        raise _not_enrolled()
    return TenantInfo(row.id, row.name, row.currency, row.tax_rate_bp, row.service_charge_bp,
                      row.tax_on_service_charge, row.cash_rounding, row.points_per_amount, row.receipt_footer,
                      row.logo_url, row.primary_color, row.phone, row.email, row.address)


def _load_outlet(session) -> OutletInfo:
    row = session.execute(select(MirrorOutlet)).scalars().first()
    if row is None:
        raise _not_enrolled()
    return OutletInfo(row.id, row.tenant_id, row.code, row.name, row.address, row.phone, row.timezone,
                      row.tax_rate_bp, row.service_charge_bp, row.auto_print_receipt,
                      row.zero_stock if row.zero_stock in vocab.ZERO_STOCK_RULE else vocab.ZERO_STOCK_DEFAULT,
                      row.static_qris or "")


def tenant(session) -> TenantInfo:
    return mirror_cache.get("tenant", lambda: _load_tenant(session))


def outlet(session) -> OutletInfo:
    return mirror_cache.get("outlet", lambda: _load_outlet(session))


def zero_stock(session) -> vocab.ZeroStockRule:
    """What the till does with a tracked product at or below zero stock (the outlet's setting)."""
    return vocab.ZERO_STOCK_RULE[outlet(session).zero_stock]


def charges(session) -> ChargeSettings:
    t, o = tenant(session), outlet(session)
    return ChargeSettings(
        tax_rate_bp=o.tax_rate_bp if o.tax_rate_bp is not None else t.tax_rate_bp,
        service_charge_bp=o.service_charge_bp if o.service_charge_bp is not None else t.service_charge_bp,
        tax_on_service_charge=t.tax_on_service_charge,
        cash_rounding=t.cash_rounding,
    )


def local_date(session, moment: datetime) -> date:
    """The outlet's business day of a naive-UTC moment: its local date, whatever the
    device's own timezone (orders, payments and refunds are dated alike)."""
    return moment.replace(tzinfo=UTC).astimezone(timezone(session)).date()


def timezone(session) -> ZoneInfo:
    try:
        return ZoneInfo(outlet(session).timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
