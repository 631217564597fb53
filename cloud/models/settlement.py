"""Static QRIS payments checked against a provider's settlement report.

A static payment is a synced fact and is never rewritten: what the cloud learns from a
settlement file is kept beside it, one `SettlementLine` per line of the file (and one per
payment the file lacks). A payment is verified when a line matched it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base
from sync.timeutil import utcnow
from sync.vocab import SETTLEMENT_OUTCOMES, SETTLEMENT_PROVIDERS, check_in


class SettlementImport(Base):
    """One settlement file imported once (its SHA-256 is unique per tenant)."""

    __tablename__ = "settlement_imports"
    __table_args__ = (UniqueConstraint("tenant_id", "file_sha256"),
                      CheckConstraint(check_in("provider", SETTLEMENT_PROVIDERS), name="provider"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    file_sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255), default="")
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SettlementLine(Base):
    """What one line of a settlement file (row_number set), or one static payment the file
    lacks (row_number null, outcome `missing_from_settlement`), came out as."""

    __tablename__ = "settlement_lines"
    __table_args__ = (CheckConstraint(check_in("outcome", SETTLEMENT_OUTCOMES), name="outcome"),
                      # a payment is verified once: one matched line per payment
                      Index("uq_settlement_lines_matched_payment", "payment_id", unique=True,
                            postgresql_where=text("outcome = 'matched'"),
                            sqlite_where=text("outcome = 'matched'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("settlement_imports.id", ondelete="CASCADE"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(120), default="")
    amount: Mapped[int | None] = mapped_column(BigInteger)  # minor units, as the file says
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
