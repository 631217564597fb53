"""Automation rules: a tenant's standing orders ("tell the manager when Dough runs low at an
outlet", "tell me when an outlet goes silent"), and per rule and subject whether it is
firing now, so a rule fires once per episode and re-arms when its condition clears."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Timestamps
from sync.vocab import AUTOMATION_TRIGGERS, WEBHOOK_DELIVERY_STATUSES, check_in


class AutomationRule(Timestamps, Base):
    """A trigger, its condition (threshold, minutes, hours or a time of day, optionally
    narrowed to one outlet and one stock item), `conditions` over the event's fields
    ([{"field", "op", "value"}]) and its actions ([{"type": "notify", "channel", "recipient"}],
    [{"type": "webhook", "url", "secret_sealed"}], [{"type": "alert"}])."""

    __tablename__ = "automation_rules"
    __table_args__ = (CheckConstraint(check_in("trigger", AUTOMATION_TRIGGERS), name="trigger"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    trigger: Mapped[str] = mapped_column(String(30))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))  # None: every outlet
    stock_item_id: Mapped[int | None] = mapped_column(  # stock_low; None: every item
        ForeignKey("stock_items.id", ondelete="CASCADE"))
    threshold: Mapped[int | None] = mapped_column(BigInteger)  # stock_low: fires while on-hand < threshold
    offline_minutes: Mapped[int | None] = mapped_column(Integer)  # outlet_offline: silent for longer
    open_hours: Mapped[int | None] = mapped_column(Integer)  # shift_not_closed: open for longer
    at_time: Mapped[str | None] = mapped_column(String(5))  # schedule: "HH:MM", outlet time, daily
    conditions: Mapped[list] = mapped_column(default=list)
    actions: Mapped[list] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def shown_actions(self) -> list[dict]:
        """The actions as the API shows them: a webhook's sealed secret never leaves."""
        return [{**{k: v for k, v in action.items() if k != "secret_sealed"},
                 **({"has_secret": bool(action.get("secret_sealed"))} if action.get("type") == "webhook" else {})}
                for action in self.actions or []]


class AutomationRuleState(Base):
    """Whether a rule is firing for one subject (`outlet:3:item:5`, `outlet:3`). Going from
    not firing to firing is one conditional UPDATE, so two workers never both fire an
    episode; `episodes` numbers them (the messages' idempotency keys carry it)."""

    __tablename__ = "automation_rule_states"
    __table_args__ = (UniqueConstraint("rule_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("automation_rules.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(60))
    firing: Mapped[bool] = mapped_column(Boolean, default=False)
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[int | None] = mapped_column(BigInteger)  # what the condition read when it last changed
    fired_at: Mapped[datetime | None] = mapped_column(DateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebhookDelivery(Base):
    """One signed POST a rule's webhook action owes (the body fixed when the rule fired),
    delivered by the worker: claimed with a lease (SKIP LOCKED), retried with backoff,
    every attempt kept. The secret is sealed (AES-GCM under the cloud's key) and never
    leaves the cloud except as the signature."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),
                      CheckConstraint(check_in("status", WEBHOOK_DELIVERY_STATUSES), name="status"),
                      Index("ix_webhook_deliveries_due", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("automation_rules.id", ondelete="SET NULL"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(30))  # the rule's trigger
    url: Mapped[str] = mapped_column(String(500))
    secret_sealed: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebhookAttempt(Base):
    """One try at a delivery: what the receiver answered (or why nothing came back)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
