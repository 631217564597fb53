"""Tenants (brands/franchises) and their outlets (physical stores)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloud.models.base import Base, Syncable, Timestamps
from sync.vocab import ZERO_STOCK_DEFAULT, ZERO_STOCK_LENGTH, ZERO_STOCK_RULES, check_in

if TYPE_CHECKING:  # the mapper resolves the name from the registry at run time
    from cloud.models.sync import TenantVersion


class Tenant(Timestamps, Syncable, Base):
    __tablename__ = "tenants"
    __sync_entity__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    logo_url: Mapped[str | None] = mapped_column(String(500))
    primary_color: Mapped[str] = mapped_column(String(7), default="#FF6B35")
    secondary_color: Mapped[str] = mapped_column(String(7), default="#1F2937")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=1000)
    service_charge_bp: Mapped[int] = mapped_column(Integer, default=500)
    tax_on_service_charge: Mapped[bool] = mapped_column(Boolean, default=True)
    cash_rounding: Mapped[int] = mapped_column(Integer, default=0)  # minor units; 0 = none
    points_per_amount: Mapped[int] = mapped_column(Integer, default=1_000_000)  # 1 point per Rp 10.000
    receipt_footer: Mapped[str] = mapped_column(String(500), default="Thank you!")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    outlets: Mapped[list[Outlet]] = relationship(back_populates="tenant", cascade="all, delete-orphan")
    version_counter: Mapped[TenantVersion] = relationship(cascade="all, delete-orphan", single_parent=True)

    @property
    def tenant_id(self) -> int:
        return self.id


class Outlet(Timestamps, Syncable, Base):
    __tablename__ = "outlets"
    __sync_entity__ = "outlet"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),
                      CheckConstraint(check_in("zero_stock", ZERO_STOCK_RULES), name="zero_stock"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    opening_hours: Mapped[dict] = mapped_column(default=dict)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)  # None: the tenant's rate
    service_charge_bp: Mapped[int | None] = mapped_column(Integer)
    auto_print_receipt: Mapped[bool] = mapped_column(Boolean, default=True)
    # what the till does with a product whose stock items are at or below zero (vocab.ZERO_STOCK_RULE)
    zero_stock: Mapped[str] = mapped_column(String(ZERO_STOCK_LENGTH), default=ZERO_STOCK_DEFAULT,
                                            server_default=ZERO_STOCK_DEFAULT)
    # the outlet's printed merchant QR (its QRIS payload), "" for none: the tills offer static QRIS
    static_qris: Mapped[str] = mapped_column(String(512), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    tenant: Mapped[Tenant] = relationship(back_populates="outlets")
