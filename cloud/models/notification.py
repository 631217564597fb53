"""Notifications: tenant templates, the outbox of messages to send, their status history,
opt-outs, and the synced facts that trigger messages.

The outbox is the one place a message exists: a row is written (queued) in the
transaction that decides to send it, the worker claims it, sends it outside any
transaction and records the result; the provider's webhooks move it on (delivered,
read). `(tenant, idempotency_key)` is unique, so a re-synced event or a repeated request
queues one message, never two.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Timestamps
from sync.timeutil import utcnow

QUEUED, SENT, DELIVERED, READ, FAILED = "queued", "sent", "delivered", "read", "failed"
STATUSES = (QUEUED, SENT, DELIVERED, READ, FAILED)
# how far a message has got: a status never moves back (a late "delivered" after "read")
STATUS_RANK = {QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3, FAILED: 4}


class NotificationTemplate(Timestamps, Base):
    """Brief 004's template: a type (the moment), a channel, a body (and an email subject)."""

    __tablename__ = "notification_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    variables: Mapped[list] = mapped_column(default=list)  # those the body and subject use
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)  # the one events use (type, channel)
    # WhatsApp only: the Meta-approved template it is sent as, {"name", "language", "variables"}
    # (our variables filling its body's {{1}}, {{2}}, ... in order); None sends the body as free text
    whatsapp_template: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)


class Notification(Base):
    """One message to one recipient (the outbox row)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("notification_templates.id", ondelete="SET NULL"))
    template_name: Mapped[str] = mapped_column(String(120), default="")
    type: Mapped[str] = mapped_column(String(30), default="")  # '' for a test message
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))  # normalised phone or email address
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    order_uuid: Mapped[str | None] = mapped_column(String(36))
    order_code: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)  # WhatsApp text or the email's text part, rendered when queued
    html: Mapped[str | None] = mapped_column(Text)
    # the approved template this message is sent as, {"name", "language", "parameters"}; None: free text
    whatsapp_template: Mapped[dict | None] = mapped_column(JSON, nullable=True, default=None)
    status: Mapped[str] = mapped_column(String(12), default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)  # a worker holds it until then
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)  # the type's freshness: not sent after
    provider_message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    last_error_code: Mapped[str] = mapped_column(String(40), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationStatusEvent(Base):
    """A notification's history: every status it took, when, and why. A provider
    webhook's `event_key` is unique, so a repeated delivery is recorded once."""

    __tablename__ = "notification_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(String(500), default="")
    event_key: Mapped[str | None] = mapped_column(String(250), unique=True)


class NotificationOptOut(Base):
    """A recipient who asked for no more messages on a channel (the tenant's list)."""

    __tablename__ = "notification_opt_outs"
    __table_args__ = (UniqueConstraint("tenant_id", "channel", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class NotificationTrigger(Base):
    """A synced fact that may call for messages (a payment taken), written in the ingest
    transaction and turned into outbox rows by the worker. Unique per (outlet, kind,
    subject), so a replayed event triggers once."""

    __tablename__ = "notification_triggers"
    __table_args__ = (UniqueConstraint("outlet_id", "kind", "subject_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # a template type: payment_received, ...
    order_uuid: Mapped[str] = mapped_column(String(36))
    subject_uuid: Mapped[str] = mapped_column(String(36))  # the payment's uuid, ...
    occurred_at: Mapped[datetime] = mapped_column(DateTime)  # the outlet's clock, UTC
    # an e-receipt asked for at the till: to whom, how, and the link the till printed
    channel: Mapped[str] = mapped_column(String(10), default="", server_default="")
    recipient: Mapped[str] = mapped_column(String(254), default="", server_default="")
    link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(200), default="")
