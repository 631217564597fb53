"""The audit trail: who did what at this till, append-only and hash-chained per device."""
from __future__ import annotations

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base


class AuditRecord(Base):
    """One sensitive action (a void, a refund, a cash movement, a login, ...), written in
    the transaction of the action. `before`/`after` are canonical JSON (or null); `at`
    is UTC and `at_local` the outlet's wall clock, both ISO strings exactly as hashed."""

    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("device_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    outlet_id: Mapped[int | None] = mapped_column(Integer)
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
    at_local: Mapped[str] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Where each device's chain ends: the next record links to this, not to whatever
    row happens to be last, so deleting the last records leaves a gap the cloud sees
    (and `verify` compares it with the last row). `device_id` 0: not enrolled yet."""

    __tablename__ = "audit_heads"

    device_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
