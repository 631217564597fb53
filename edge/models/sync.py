"""The outbox (every sale fact waiting for the cloud) and the sync bookkeeping."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base
from sync.timeutil import utcnow

OUTBOX_STATUSES = ("pending", "sent", "dead", "dismissed")


class OutboxEvent(Base):
    """One change to an order, payment, refund, shift or customer, in the order it
    happened (`seq`), written in the same transaction as the change itself."""

    __tablename__ = "outbox"
    # AUTOINCREMENT: a seq is never handed out twice, even after acknowledged events are
    # pruned, and the counter can be moved past numbers a lost copy of this database used
    __table_args__ = {"sqlite_autoincrement": True}

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
    resolution: Mapped[str | None] = mapped_column(String(10))  # retried|dismissed|superseded|renumbered


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
    # The device this database belongs to and the order-numbering space the cloud gave it
    # (terminal numbers (space - 1) * 100 + 1 .. 99 in the order number).
    device_id: Mapped[int | None] = mapped_column(Integer)
    number_space: Mapped[int] = mapped_column(Integer, default=1)


class SyncIncident(Base):
    """Something the manager and head office must know about this till's records: the
    database went back behind the cloud (a restored backup, a lost write), orders taken
    back from the cloud, an order renumbered, a snapshot the cloud refused as stale."""

    __tablename__ = "sync_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    device_id: Mapped[int | None] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class KitchenEvent(Base):
    """Every kitchen-visible change, numbered: screens replay from their last `seq`."""

    __tablename__ = "kitchen_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outlet_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    payload: Mapped[dict] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
