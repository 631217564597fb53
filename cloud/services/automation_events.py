"""Event rules: a synced event (a payment taken, an order cancelled, refunded, bumped
ready) fires every active rule of its tenant with that trigger whose conditions hold.

Ingest already notes each such event once (`notification_triggers`, unique per outlet,
kind and subject, in the event's transaction); the worker settles each note once, claimed
with SKIP LOCKED (`notification_triggers.expand`), and calls `on_note` in that same
transaction. So a rule acts once per event, whatever replays the till sends and however
many workers run; the actions' keys (`rule:<id>:note:<note id>:<action>`) make even a
repeated settle write nothing new. `recent` replays the last day's notes for a dry-run.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cloud.models import AutomationRule, NotificationTrigger, Outlet, SyncedOrder, SyncedPayment, SyncedRefund
from cloud.services import automation_actions as actions
from cloud.services.automation_actions import Firing
from cloud.services.automation_conditions import holds
from sync.money import format_amount
from sync.vocab import AUTOMATION_EVENT_TRIGGERS, METHOD_LABELS

HEADLINES = {"payment_received": "Payment received", "order_cancelled": "Order cancelled",
             "order_refunded": "Order refunded", "order_ready": "Order ready"}


def _local(moment: datetime, timezone: str) -> str:
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (KeyError, ValueError):
        zone = UTC
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%d/%m/%Y %H:%M")


def fields_of(session, note: NotificationTrigger, order: SyncedOrder) -> dict | None:
    """The event's fields (money in minor units), None when its row is missing."""
    fields = {"outlet_id": note.outlet_id, "order_total": order.total_amount, "order_source": order.source,
              "order_code": order.order_number}
    if note.kind == "payment_received":
        payment = session.execute(select(SyncedPayment).where(SyncedPayment.outlet_id == note.outlet_id,
                                                              SyncedPayment.uuid == note.subject_uuid)).scalar()
        if payment is None:
            return None
        fields.update(amount=payment.amount, method=payment.method)
    elif note.kind == "order_refunded":
        refund = session.execute(select(SyncedRefund).where(SyncedRefund.outlet_id == note.outlet_id,
                                                            SyncedRefund.uuid == note.subject_uuid)).scalar()
        if refund is None:
            return None
        fields.update(amount=refund.amount, method=refund.method or "cash", reason=refund.reason or "")
    elif note.kind == "order_cancelled":
        fields["cancel_reason"] = order.cancel_reason or ""
    return fields


def firing_of(session, note: NotificationTrigger, order: SyncedOrder, fields: dict) -> Firing:
    outlet = session.get(Outlet, note.outlet_id)
    name = outlet.name if outlet else f"outlet {note.outlet_id}"
    headline = HEADLINES[note.kind]
    text = f"*{headline}* at {name}: order {order.order_number}, total {format_amount(order.total_amount)}"
    if "amount" in fields:
        text += f"; {format_amount(fields['amount'])} by {METHOD_LABELS.get(fields['method'], fields['method'])}"
    if fields.get("cancel_reason"):
        text += f" ({fields['cancel_reason']})"
    text += f", {_local(note.occurred_at, outlet.timezone if outlet else 'UTC')}."
    return Firing(subject=f"outlet:{note.outlet_id}:{note.kind}:{note.subject_uuid}", outlet_id=note.outlet_id,
                  outlet_name=name, subject_text=f"{headline}: {order.order_number} at {name}", text=text,
                  fields=fields, occurred_at=note.occurred_at)


def _rules_for(session, note: NotificationTrigger) -> list[AutomationRule]:
    return list(session.execute(
        select(AutomationRule).where(
            AutomationRule.tenant_id == note.tenant_id, AutomationRule.trigger == note.kind,
            AutomationRule.is_active.is_(True),
            (AutomationRule.outlet_id.is_(None)) | (AutomationRule.outlet_id == note.outlet_id))
        .order_by(AutomationRule.id)).scalars())


def on_note(session, note: NotificationTrigger, order: SyncedOrder, now: datetime) -> str:
    """Fire the rules this note's event meets (the caller's transaction): what happened,
    for the note's outcome ('' when no rule watches this kind)."""
    if note.kind not in AUTOMATION_EVENT_TRIGGERS:
        return ""
    rules = _rules_for(session, note)
    if not rules:
        return ""
    fields = fields_of(session, note, order)
    if fields is None:
        return "rules: the event's row is missing"
    fired, base = [], firing_of(session, note, order, fields)
    for rule in rules:
        if not holds(rule.trigger, rule.conditions or [], fields):
            continue
        firing = replace(base, text=base.text + f"\nRule: {rule.name}")
        actions.perform(session, rule, firing, f"rule:{rule.id}:note:{note.id}", now)
        fired.append(str(rule.id))
    return f"rules fired: {', '.join(fired)}" if fired else "rules: conditions not met"


def recent(session, rule: AutomationRule, now: datetime, window: timedelta = timedelta(days=1)) -> list[dict]:
    """The last `window`'s events of the rule's trigger, each with whether its conditions
    hold and what the rule would have done (nothing is written)."""
    stmt = (select(NotificationTrigger, SyncedOrder)
            .join(SyncedOrder, (SyncedOrder.outlet_id == NotificationTrigger.outlet_id)
                  & (SyncedOrder.uuid == NotificationTrigger.order_uuid))
            .where(NotificationTrigger.tenant_id == rule.tenant_id, NotificationTrigger.kind == rule.trigger,
                   NotificationTrigger.occurred_at >= now - window, NotificationTrigger.occurred_at <= now)
            .order_by(NotificationTrigger.occurred_at, NotificationTrigger.id).limit(500))
    if rule.outlet_id is not None:
        stmt = stmt.where(NotificationTrigger.outlet_id == rule.outlet_id)
    found = []
    for note, order in session.execute(stmt).all():
        fields = fields_of(session, note, order)
        if fields is None:
            continue
        firing = firing_of(session, note, order, fields)
        firing = replace(firing, text=firing.text + f"\nRule: {rule.name}")
        found.append({"firing": firing, "holds": holds(rule.trigger, rule.conditions or [], fields)})
    return found
