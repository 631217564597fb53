"""Master data mirrored from the cloud by pull: read-only at the edge (cloud wins).

Rows keep the cloud's ids. Data that the engine consumes as a whole (promotions) is kept
as its wire JSON beside the few columns queries need.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base


class MirrorTenant(Base):
    __tablename__ = "mirror_tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    service_charge_bp: Mapped[int] = mapped_column(Integer)
    tax_on_service_charge: Mapped[bool] = mapped_column(Boolean)
    cash_rounding: Mapped[int] = mapped_column(Integer)
    points_per_amount: Mapped[int] = mapped_column(BigInteger)
    receipt_footer: Mapped[str] = mapped_column(String(500), default="")
    logo_url: Mapped[str | None] = mapped_column(String(500))
    primary_color: Mapped[str] = mapped_column(String(7), default="#FF6B35")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class MirrorOutlet(Base):
    __tablename__ = "mirror_outlet"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    opening_hours: Mapped[dict] = mapped_column(default=dict)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)
    service_charge_bp: Mapped[int | None] = mapped_column(Integer)
    auto_print_receipt: Mapped[bool] = mapped_column(Boolean, default=True)
    zero_stock: Mapped[str] = mapped_column(String(16), default="allow", server_default="allow")  # as sent
    static_qris: Mapped[str] = mapped_column(String(512), default="")  # the printed merchant QR; "" for none
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class MirrorCategory(Base):
    __tablename__ = "mirror_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    station: Mapped[str] = mapped_column(String(40), default="main")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class MirrorProduct(Base):
    __tablename__ = "mirror_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, index=True)
    sku: Mapped[str] = mapped_column(String(64), index=True)
    barcode: Mapped[str] = mapped_column(String(64), default="", index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)
    image_url: Mapped[str | None] = mapped_column(String(500))
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    track_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_quantity: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    modifier_groups: Mapped[list] = mapped_column(default=list)  # wire JSON: groups with modifiers


class MirrorOutletProduct(Base):
    __tablename__ = "mirror_outlet_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, unique=True)
    price: Mapped[int | None] = mapped_column(BigInteger)
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)


class MirrorPromotion(Base):
    __tablename__ = "mirror_promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(40), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict] = mapped_column()  # the wire JSON, read by promotion_rules.PromotionRule.from_dict


class MirrorAllowance(Base):
    """How many uses of a limited promotion this outlet may grant (cumulative)."""

    __tablename__ = "mirror_allowances"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(Integer, unique=True)
    granted: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer)


class MirrorTransfer(Base):
    """Stock another outlet sent to this one (the cloud's `transfer`, pulled by the receiver).
    Whether it was received here is this outlet's ledger's to say (a `transfer_in` with
    the transfer's uuid), never this row's `status`, which is the cloud's."""

    __tablename__ = "mirror_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    from_outlet_id: Mapped[int] = mapped_column(Integer)
    from_outlet_name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12))
    lines: Mapped[list] = mapped_column(default=list)  # [{stock_item_id, quantity}]
    note: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    """Staff who may log in here, offline included (hashes come from the cloud)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(20))
    outlet_id: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.username


class RevokedToken(Base):
    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class MirrorStockItem(Base):
    """Something the outlet counts, in an integer base unit (g, ml, pcs)."""

    __tablename__ = "mirror_stock_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(3))
    cost: Mapped[int] = mapped_column(BigInteger, default=0)  # minor units per base unit
    purchase_units: Mapped[list] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class MirrorRecipe(Base):
    """One unit of a product, or of a modifier chosen with it, uses `quantity` base units."""

    __tablename__ = "mirror_recipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int | None] = mapped_column(Integer, index=True)
    modifier_id: Mapped[int | None] = mapped_column(Integer, index=True)
    stock_item_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
