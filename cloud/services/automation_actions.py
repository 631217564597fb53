"""What a fired rule does, action by action, in the caller's transaction: a message queued
in the notification outbox, a signed webhook queued for the worker, a security alert
raised. Each carries a key made of the firing's key and the action's place, so a repeated
firing writes nothing new. `preview` says the same without writing (the dry-run).

No action updates a status: orders, payments and shifts belong to the tills (the cloud
keeps synced copies that the next snapshot overwrites), so a cloud-side change would be
lost or fight the till; docs/api-extensions.md says so."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from cloud.notifications.templates import Rendered
from cloud.services import notification_outbox as outbox
from cloud.services import security_alerts, webhook_deliveries
from cloud.services.automation_conditions import on_the_wire
from sync.timeutil import isoformat


@dataclass(frozen=True)
class Firing:
    """One subject of a rule meeting its trigger and conditions: what the actions say."""

    subject: str
    outlet_id: int | None
    outlet_name: str
    subject_text: str  # the email's subject, the alert's title
    text: str  # the message
    fields: dict = field(default_factory=dict)  # the event's fields (conditions, webhook payload)
    occurred_at: datetime | None = None


def rendered_for(channel: str, firing: Firing) -> Rendered:
    if channel == "email":
        text = firing.text.replace("*", "")
        return Rendered(firing.subject_text, text, "<p>" + html.escape(text).replace("\n", "<br>\n") + "</p>")
    return Rendered("", firing.text, None)


def payload(rule, firing: Firing) -> dict:
    """The webhook's JSON: the event, the rule, and the event's fields (money as strings)."""
    return {"event": rule.trigger, "rule": {"id": rule.id, "name": rule.name}, "subject": firing.subject,
            "outlet_id": firing.outlet_id, "outlet_name": firing.outlet_name,
            "occurred_at": isoformat(firing.occurred_at) if firing.occurred_at else None,
            "text": firing.text.replace("*", ""), "data": on_the_wire(rule.trigger, firing.fields)}


@dataclass
class Done:
    messages: int = 0
    webhooks: int = 0
    alerts: int = 0


def perform(session, rule, firing: Firing, key: str, now: datetime) -> Done:
    """Every action of the rule for this firing (nothing committed here)."""
    done = Done()
    for index, action in enumerate(rule.actions):
        kind = action.get("type", "notify")
        if kind == "notify":
            row = outbox.enqueue(session, rule.tenant_id, channel=action["channel"], recipient=action["recipient"],
                                 rendered=rendered_for(action["channel"], firing), type_=rule.trigger,
                                 key=f"{key}:{index}")
            done.messages += row is not None
        elif kind == "webhook":
            queued = webhook_deliveries.enqueue(
                session, rule.tenant_id, rule_id=rule.id, outlet_id=firing.outlet_id, event=rule.trigger,
                url=action["url"], secret_sealed=action["secret_sealed"], payload=payload(rule, firing),
                key=f"{key}:{index}")
            done.webhooks += queued is not None
        elif kind == "alert":
            done.alerts += security_alerts.raise_alert(
                session, kind="automation", tenant_id=rule.tenant_id, outlet_id=firing.outlet_id,
                subject=f"rule:{rule.id}:{firing.subject}", message=firing.subject_text + ": " + firing.text,
                detail={"rule_id": rule.id, "rule_name": rule.name, "trigger": rule.trigger,
                        "data": on_the_wire(rule.trigger, firing.fields)},
                evidence_at=firing.occurred_at or now, now=now)
    return done


def preview(rule, firing: Firing) -> dict:
    """What `perform` would write, written nowhere (the webhook's secret is not shown)."""
    messages, webhooks, alerts = [], [], []
    for action in rule.actions:
        kind = action.get("type", "notify")
        if kind == "notify":
            rendered = rendered_for(action["channel"], firing)
            messages.append({"channel": action["channel"], "recipient": action["recipient"],
                             "subject": rendered.subject, "text": rendered.text})
        elif kind == "webhook":
            webhooks.append({"url": action["url"], "body": webhook_deliveries.body_of(payload(rule, firing))})
        elif kind == "alert":
            alerts.append({"message": (firing.subject_text + ": " + firing.text)[:300]})
    return {"messages": messages, "webhooks": webhooks, "alerts": alerts}
