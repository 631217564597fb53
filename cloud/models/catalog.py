"""The menu: categories, products with modifier groups, and per-outlet price/availability."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloud.models.base import Base, Syncable, Timestamps

PRODUCT_STATUSES = ("draft", "pending_approval", "approved", "rejected")
MODIFIER_TYPES = ("size", "topping", "extra", "option")


class Category(Timestamps, Syncable, Base):
    __tablename__ = "categories"
    __sync_entity__ = "category"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    station: Mapped[str] = mapped_column(String(40), default="main")  # kitchen routing
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Product(Timestamps, Syncable, Base):
    """A menu item. Outlets see only published (once-approved) values; a manager's new
    product or price change waits in `status='pending_approval'` / `pending_changes`."""

    __tablename__ = "products"
    __sync_entity__ = "product"
    __table_args__ = (UniqueConstraint("tenant_id", "sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    barcode: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(BigInteger)  # minor units
    image_url: Mapped[str | None] = mapped_column(String(500))
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    track_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    stock_quantity: Mapped[int | None] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_changes: Mapped[dict] = mapped_column(default=dict)  # e.g. {"price": 1200000}
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str] = mapped_column(String(500), default="")

    category: Mapped[Category] = relationship()
    modifier_groups: Mapped[list[ModifierGroup]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ModifierGroup.sort_order, ModifierGroup.id"
    )


class ModifierGroup(Base):
    """Choices that go with a product (size, toppings), with min/max rules."""

    __tablename__ = "modifier_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(20), default="option")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    min_choices: Mapped[int] = mapped_column(Integer, default=0)
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="modifier_groups")
    modifiers: Mapped[list[Modifier]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="Modifier.sort_order, Modifier.id"
    )


class Modifier(Base):
    __tablename__ = "modifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("modifier_groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    price: Mapped[int] = mapped_column(BigInteger, default=0)  # delta in minor units, >= 0
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    group: Mapped[ModifierGroup] = relationship(back_populates="modifiers")


class OutletProduct(Timestamps, Syncable, Base):
    """An outlet's own price and availability for a product (None price: the product's)."""

    __tablename__ = "outlet_products"
    __sync_entity__ = "outlet_product"
    __table_args__ = (UniqueConstraint("outlet_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    price: Mapped[int | None] = mapped_column(BigInteger)
    pending_price: Mapped[int | None] = mapped_column(BigInteger)  # a manager's change awaiting approval
    has_pending_price: Mapped[bool] = mapped_column(Boolean, default=False)
    is_available: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship()
