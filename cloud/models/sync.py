"""Bookkeeping of the sync protocol: change versions, tombstones, processed events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")


class TenantVersion(Base):
    """The per-tenant change counter. Its row lock serialises version assignment, so
    versions become visible in commit order (unlike a Postgres sequence)."""

    __tablename__ = "tenant_versions"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigId, default=0)
    tombstone_floor: Mapped[int] = mapped_column(BigId, default=0)  # versions <= this were pruned


class Tombstone(Base):
    """A deleted master-data record, kept so that pulls can tell outlets to drop it."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(BigId)
    outlet_id: Mapped[int | None] = mapped_column(Integer)
    sync_version: Mapped[int] = mapped_column(BigId, index=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime)


class ProcessedEvent(Base):
    """Every pushed event the cloud has seen, keyed by (outlet, event_id): the guard
    that makes at-least-once delivery apply exactly once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("outlet_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigId)
    event_type: Mapped[str] = mapped_column(String(40))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # applied | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class SyncDiscrepancy(Base):
    """Something head office must look at in an outlet's records: a till whose database
    went back behind what the cloud had seen (a restored backup, a lost write), a
    snapshot older than the cloud's copy (two copies of one till), more paid on an order
    than it was due, an order number another order of the outlet already had."""

    __tablename__ = "sync_discrepancies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    order_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(DateTime)
