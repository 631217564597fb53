"""Printers configured at this outlet, their print jobs, and what they last reported."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base
from sync.timeutil import utcnow
from sync.vocab import PRINT_JOB_STATES, PRINTER_ROLES, check_in


class Printer(Base):
    __tablename__ = "printers"
    __table_args__ = (CheckConstraint(check_in("role", PRINTER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    config: Mapped[dict] = mapped_column()  # printers.PrinterConfig.to_dict()
    role: Mapped[str] = mapped_column(String(10))  # receipt | kitchen
    station: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PrintJobRow(Base):
    """A job stored in the same transaction as what caused it (confirm, payment...)."""

    __tablename__ = "print_jobs"
    __table_args__ = (CheckConstraint(check_in("state", PRINT_JOB_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id", ondelete="CASCADE"), index=True)
    queue_position: Mapped[float] = mapped_column(Float, index=True)  # a COPY takes its original's place
    kind: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    shift_id: Mapped[int | None] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column()
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # rendered by the print worker when empty
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    copy: Mapped[bool] = mapped_column(Boolean, default=False)
    copy_of: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    retry_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(Integer)  # a manager's retry or cancel


class PrinterState(Base):
    """The print worker's last word on each printer, for the API and the status bar."""

    __tablename__ = "printer_states"

    printer_id: Mapped[int] = mapped_column(ForeignKey("printers.id", ondelete="CASCADE"), primary_key=True)
    online: Mapped[bool | None] = mapped_column(Boolean)  # None: never answered / unknown
    problem: Mapped[str] = mapped_column(String(200), default="")
    waiting_for: Mapped[str] = mapped_column(String(200), default="")
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
