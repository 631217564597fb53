"""Edge devices enrolled to outlets, and the one-time keys that enrol them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Timestamps


class EnrollmentKey(Timestamps, Base):
    __tablename__ = "enrollment_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    used_by_device_id: Mapped[int | None] = mapped_column(Integer)
    # re-enrolling replaces the outlet's other devices unless the key was made to keep them
    keeps_other_devices: Mapped[bool] = mapped_column(Boolean, default=False)


class Device(Timestamps, Base):
    """An enrolled edge. Each device of an outlet numbers its orders in a space of its own
    (`number_space`: terminals (space - 1) * 100 + 1..99 in the order number), never
    reused in the outlet, so two edges, a re-enrolled one or a copy that took a new
    identity never hand out the same number. `forked_from_id`: the device whose database
    this one's was a copy of (a restored backup, a lost write) when it took a new identity."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("outlet_id", "number_space"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str] = mapped_column(String(40), default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_clock_skew_s: Mapped[int | None] = mapped_column(Integer)
    last_pushed_seq: Mapped[int] = mapped_column(Integer, default=0)
    number_space: Mapped[int] = mapped_column(Integer)
    forked_from_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
