"""Automation rules: a tenant's standing orders ("tell the manager when Dough runs low at an
outlet", "tell me when an outlet goes silent"), and per rule and subject whether it is
firing now, so a rule fires once per episode and re-arms when its condition clears."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cloud.models.base import Base, Timestamps
from sync.vocab import AUTOMATION_TRIGGERS, check_in


class AutomationRule(Timestamps, Base):
    """A trigger, its condition (threshold or minutes, optionally narrowed to one outlet
    and one stock item) and its actions ([{"type": "notify", "channel", "recipient"}])."""

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
    actions: Mapped[list] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


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
