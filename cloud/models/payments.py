"""Dynamic payments through a gateway (QRIS, e-wallets): a tenant's gateway accounts,
the charges outlets asked for, and every webhook the gateways sent.

The cloud alone holds gateway credentials (sealed, never answered); an edge knows a
charge by its payment uuid. Callbacks are logged before anything acts on them, so a
forged, replayed or mismatched one is on record with why it changed nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Timestamps
from sync.timeutil import utcnow


class GatewayAccount(Timestamps, Base):
    """One tenant's credentials at one provider. `sealed_credentials` is AES-GCM under a
    key made from the app's secret (cloud.services.gateway_accounts); no answer carries it."""

    __tablename__ = "gateway_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    sealed_credentials: Mapped[str] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class GatewayCharge(Timestamps, Base):
    """A QR or e-wallet charge an outlet asked for, keyed by the edge's payment uuid."""

    __tablename__ = "gateway_charges"
    __table_args__ = (UniqueConstraint("outlet_id", "payment_uuid"), UniqueConstraint("provider", "gateway_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(Integer)
    order_uuid: Mapped[str] = mapped_column(String(36), index=True)
    payment_uuid: Mapped[str] = mapped_column(String(36))
    provider: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(10))  # ours: qris | ewallet
    channel: Mapped[str] = mapped_column(String(20))  # the provider's: qris, gopay, dana, ...
    gateway_order_id: Mapped[str] = mapped_column(String(64))  # the order id we sent
    gateway_id: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="IDR")
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending paid failed cancelled expired refunded
    qr_string: Mapped[str | None] = mapped_column(Text)
    deeplink_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    late_payment: Mapped[bool] = mapped_column(Boolean, default=False)  # paid after it was cancelled/expired
    refunded_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class GatewayRefund(Base):
    """A refund of a charge asked of its gateway; only `succeeded` means money went back."""

    __tablename__ = "gateway_refunds"
    __table_args__ = (UniqueConstraint("charge_id", "refund_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("gateway_charges.id", ondelete="CASCADE"), index=True)
    refund_uuid: Mapped[str] = mapped_column(String(36))
    gateway_refund_id: Mapped[str] = mapped_column(String(100), default="")
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # pending succeeded failed
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PaymentCallback(Base):
    """Every webhook received, logged first: what came, and what we made of it."""

    __tablename__ = "payment_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), index=True)
    tenant_id: Mapped[int | None] = mapped_column(Integer, index=True)
    charge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(default=dict)  # only those that matter, never a token
    verdict: Mapped[str] = mapped_column(String(20), default="received")
    detail: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
