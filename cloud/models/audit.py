"""The audit trail at head office: every till's records as they chained them, and the
cloud's own sensitive actions (user, price and device changes, exports, logins)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(Base):
    """One sensitive action. Records from a till (`source` "edge") keep every chained
    field exactly as hashed (`at` is the UTC time as a string, `before`/`after` canonical
    JSON) and whether the chain held when it arrived (`chain_ok`, `chain_problem`);
    `occurred_at` is the same moment as a timestamp, for filters. Records made by the
    cloud itself (`source` "cloud") have no device, seq or chain."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_device_seq", "device_id", "seq"),
                      Index("ix_audit_entries_tenant_occurred", "tenant_id", "occurred_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(10))
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    terminal: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(80), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    at: Mapped[str] = mapped_column(String(32))
    at_local: Mapped[str] = mapped_column(String(40), default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    chain_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    chain_problem: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)
