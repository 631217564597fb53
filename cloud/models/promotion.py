"""Promotions: four types, product roles, windows, limits, codes, stacking."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cloud.models.base import Base, Syncable, Timestamps
from sync.vocab import PROMO_PRODUCT_ROLES, PROMO_TYPES, check_in

if TYPE_CHECKING:
    from cloud.models.catalog import Product



class Promotion(Timestamps, Syncable, Base):
    __tablename__ = "promotions"
    __sync_entity__ = "promotion"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    promo_type: Mapped[str] = mapped_column(String(20))
    discount_percent_bp: Mapped[int] = mapped_column(Integer, default=0)   # percentage; bxgy "get" discount
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)    # fixed_amount
    max_discount: Mapped[int | None] = mapped_column(BigInteger)           # cap on the discount, any type
    min_purchase: Mapped[int] = mapped_column(BigInteger, default=0)
    buy_quantity: Mapped[int] = mapped_column(Integer, default=0)
    get_quantity: Mapped[int] = mapped_column(Integer, default=0)
    bundle_price: Mapped[int | None] = mapped_column(BigInteger)
    start_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_at: Mapped[datetime | None] = mapped_column(DateTime)
    days_of_week: Mapped[list] = mapped_column(default=list)  # 0=Monday..6; empty = every day
    start_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", outlet local time
    end_time: Mapped[str | None] = mapped_column(String(5))
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    usage_limit_per_customer: Mapped[int | None] = mapped_column(Integer)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str | None] = mapped_column(String(40))
    auto_apply: Mapped[bool] = mapped_column(Boolean, default=False)
    is_stackable: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    outlet_ids: Mapped[list] = mapped_column(default=list)  # empty = every outlet

    products: Mapped[list[PromotionProduct]] = relationship(
        back_populates="promotion", cascade="all, delete-orphan", order_by="PromotionProduct.id"
    )

    __table_args__ = (UniqueConstraint("tenant_id", "code"),
                      CheckConstraint(check_in("promo_type", PROMO_TYPES), name="promo_type"))

    @property
    def requires_code(self) -> bool:
        """Applies only when its code is given (it has a code and is not auto_apply)."""
        return bool(self.code) and not self.auto_apply


class PromotionProduct(Base):
    __tablename__ = "promotion_products"
    __table_args__ = (UniqueConstraint("promotion_id", "product_id"),
                      CheckConstraint(check_in("role", PROMO_PRODUCT_ROLES), name="role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(4), default="both")
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # units of this product in a bundle

    promotion: Mapped[Promotion] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()


class PromotionUsage(Base):
    """One order's use of a promotion, as reported by its outlet (deduplicated by order)."""

    __tablename__ = "promotion_usages"
    __table_args__ = (UniqueConstraint("outlet_id", "order_uuid", "promotion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    customer_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    order_uuid: Mapped[str] = mapped_column(String(36))
    count: Mapped[int] = mapped_column(Integer, default=1)
    discount_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class PromotionAllowance(Timestamps, Syncable, Base):
    """How many uses of a limited promotion an outlet may grant on its own (offline)."""

    __tablename__ = "promotion_allowances"
    __sync_entity__ = "promotion_allowance"
    __table_args__ = (UniqueConstraint("promotion_id", "outlet_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    granted: Mapped[int] = mapped_column(Integer, default=0)  # cumulative uses this outlet may make
    used: Mapped[int] = mapped_column(Integer, default=0)     # uses it has reported
