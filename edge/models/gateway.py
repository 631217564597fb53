"""A QRIS or e-wallet payment's charge at the gateway, as the cloud answered it: what the
till shows (QR string or deeplink, expiry) while the payment is `pending`. The gateway's
credentials never reach the edge; the cloud knows this charge by the payment's uuid.

`late_payment`: the customer paid after the till cancelled the QR or it expired; the
payment was recorded anyway (money is not lost) and the order shows the overpayment
until a manager gives it back (`returned_at`)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from edge.models.base import Base


class GatewayPayment(Base):
    __tablename__ = "gateway_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    gateway_id: Mapped[str] = mapped_column(String(100))
    qr_string: Mapped[str | None] = mapped_column(Text)
    deeplink_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    late_payment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    returned_at: Mapped[datetime | None] = mapped_column(DateTime)
