"""Customers (CRM): membership tier, points, consent, preferred outlet."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Syncable, Timestamps

MEMBERSHIP_TIERS = ("regular", "silver", "gold", "platinum")  # lowest first; see services.loyalty


class Customer(Timestamps, Syncable, Base):
    __tablename__ = "customers"
    __sync_entity__ = "customer"
    __table_args__ = (UniqueConstraint("tenant_id", "phone"), UniqueConstraint("tenant_id", "uuid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))  # normalised, see services.customers
    email: Mapped[str] = mapped_column(String(254), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    membership_tier: Mapped[str] = mapped_column(String(20), default="regular")
    points: Mapped[int] = mapped_column(Integer, default=0)
    total_orders: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"))
    merged_uuids: Mapped[list] = mapped_column(default=list)  # edge-made duplicates folded in
    # per outlet, the highest outbox seq of theirs counted in these figures (edges add what came after)
    applied_seqs: Mapped[dict] = mapped_column(default=dict)
    last_order_at: Mapped[datetime | None] = mapped_column(DateTime)
