"""Customers: mirrored from the cloud and created here offline, one table for both.

Points and counters are the cloud's figure (`*_base`, with the highest outbox seq of
ours the cloud had applied, `applied_seq`) plus our own entries whose outbox events come
after that seq: exact whether or not the cloud has caught up.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base
from sync.timeutil import utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    cloud_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_outlet_id: Mapped[int | None] = mapped_column(Integer)
    membership_tier_base: Mapped[str] = mapped_column(String(20), default="regular")
    points_base: Mapped[int] = mapped_column(Integer, default=0)
    total_orders_base: Mapped[int] = mapped_column(Integer, default=0)
    total_spent_base: Mapped[int] = mapped_column(BigInteger, default=0)
    promotion_usage_base: Mapped[dict] = mapped_column(default=dict)  # {promotion_id: count}
    applied_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class LoyaltyEntry(Base):
    """Our own change to a customer's figures, written with the order that caused it."""

    __tablename__ = "loyalty_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_uuid: Mapped[str] = mapped_column(String(36), index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    event_id: Mapped[str] = mapped_column(String(36), index=True)  # its outbox event
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PromotionUse(Base):
    """A use (+1) or a release (-1) of a promotion by one of our orders: what the
    outlet's allowance and per-customer limits are counted from, offline."""

    __tablename__ = "promotion_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    promotion_id: Mapped[int] = mapped_column(Integer, index=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    count: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36), index=True)  # its outbox event
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
