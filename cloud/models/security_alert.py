"""Security alerts (issue 21): raised by `pos cloud worker`'s scan, acknowledged by an
owner (who and when is kept). One open alert per kind and subject: a repeat updates it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base
from sync.vocab import SECURITY_ALERT_KINDS, check_in


class SecurityAlert(Base):
    __tablename__ = "security_alerts"
    __table_args__ = (CheckConstraint(check_in("kind", SECURITY_ALERT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(Integer, index=True)  # None: the platform's (an address)
    outlet_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200), index=True)  # the username, address or outlet[:day]
    message: Mapped[str] = mapped_column(String(300))
    count: Mapped[int] = mapped_column(Integer, default=1)
    detail: Mapped[dict] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(Integer)
    acknowledged_by_username: Mapped[str] = mapped_column(String(150), default="")
