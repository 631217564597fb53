"""The outbox (every sale fact waiting for the cloud) and the sync bookkeeping."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base
from sync.timeutil import utcnow

OUTBOX_STATUSES = ("pending", "sent", "dead", "dismissed")


class OutboxEvent(Base):
    """One change to an order, payment, refund, shift or customer, in the order it
    happened (`seq`), written in the same transaction as the change itself."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    aggregate_id: Mapped[str] = mapped_column(String(36), index=True)
    aggregate_version: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as sent
    payload_sha256: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    dead_reason: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(10))  # "retried" | "dismissed"


class SyncState(Base):
    """Single row: the pull cursor and the last outcomes of push and pull."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_pull_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_pull_error: Mapped[str | None] = mapped_column(Text)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_push_error: Mapped[str | None] = mapped_column(Text)
    clock_skew_s: Mapped[int | None] = mapped_column(Integer)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)


class KitchenEvent(Base):
    """Every kitchen-visible change, numbered: screens replay from their last `seq`."""

    __tablename__ = "kitchen_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outlet_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
