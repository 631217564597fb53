"""Messages a user asks for: a test message, and bulk sends (brief 004) with a schedule.

Both only queue (the worker sends), in the request's transaction. A bulk send goes to a
contact who agreed to it: a customer of the tenant with marketing consent, or the
customer of the order the line names (a message about their own order). Anyone on the
tenant's opt-out list for the channel is skipped.
"""
from __future__ import annotations

import html
import uuid
from datetime import UTC

from sqlalchemy import or_, select

from cloud.models import Customer, SyncedOrder
from cloud.notifications import catalogue, templates
from cloud.notifications.catalogue import BOOL, DATETIME, INT, ITEMS, MONEY
from cloud.notifications.errors import TemplateError
from cloud.services import notification_outbox as outbox
from cloud.services.actor import Actor
from cloud.services.notification_templates import currency_of, get_template, refusal, source_of
from cloud.services.notification_triggers import order_values
from sync.errors import Conflict, Invalid
from sync.timeutil import utcnow

BLANK = {MONEY: 0, INT: 0, BOOL: False, ITEMS: []}


def _plain(channel: str, text: str, subject: str) -> templates.Rendered:
    if channel == "whatsapp":
        return templates.Rendered("", text, None)
    body = html.escape(text).replace("\n", "<br>\n")
    return templates.Rendered(subject or "Test message", text, f"<!doctype html>\n<html><body>{body}</body></html>\n")


def send_test(session, actor: Actor, data: dict):
    """Queue one message to `recipient`: `message` as written, or a template rendered with
    its samples (some replaced by `template_vars`)."""
    tenant_id = actor.require_tenant()
    channel = data["channel"]
    recipient = outbox.recipient_for(channel, data["recipient"])
    if outbox.opted_out(session, tenant_id, channel, recipient):
        raise Conflict("This recipient opted out of messages on this channel", "OPTED_OUT", "recipient")
    template = None
    if data.get("template_id") is not None:
        template = get_template(session, actor, data["template_id"])
        if template.channel != channel:
            raise Invalid(f"template {template.id} is a {template.channel} template", "CHANNEL_MISMATCH",
                                   "channel")
        source = source_of(template)
        try:
            values = templates.wire_values(template.type, data.get("template_vars") or {})
            rendered = templates.preview(source, currency=currency_of(session, tenant_id), values=values)
        except TemplateError as error:
            raise refusal(error) from None
    elif data.get("message"):
        rendered = _plain(channel, data["message"], data.get("subject", ""))
    else:
        raise Invalid("Send a message or a template_id", "MESSAGE_REQUIRED", "message")
    return outbox.enqueue(session, tenant_id, channel=channel, recipient=recipient, rendered=rendered,
                          key=f"test:{uuid.uuid4()}", template=template)


def _blank_values(template_type: catalogue.TemplateType) -> dict:
    now = utcnow().replace(tzinfo=UTC)
    return {name: (now if variable.kind == DATETIME else BLANK.get(variable.kind, ""))
            for name, variable in template_type.variables.items()}


def _customer_by_contact(session, tenant_id: int, recipient: str) -> Customer | None:
    return session.execute(select(Customer).where(Customer.tenant_id == tenant_id, or_(
        Customer.phone == recipient, Customer.email == recipient))).scalars().first()


def _order(session, tenant_id: int, order_uuid: str | None) -> SyncedOrder | None:
    if not order_uuid:
        return None
    return session.execute(select(SyncedOrder).where(SyncedOrder.tenant_id == tenant_id,
                                                     SyncedOrder.uuid == order_uuid)).scalars().first()


def _skip(contact: str, reason: str) -> dict:
    return {"contact": contact, "status": "skipped", "notification_id": None, "reason": reason}


def send_bulk(session, actor: Actor, data: dict) -> dict:
    tenant_id = actor.require_tenant()
    template = get_template(session, actor, data["template_id"])
    if not template.is_active:
        raise Invalid("This template is not active", "TEMPLATE_INACTIVE", "template_id")
    schedule_at = data.get("schedule_at")
    if schedule_at is not None:
        schedule_at = schedule_at.astimezone(UTC).replace(tzinfo=None) if schedule_at.tzinfo else schedule_at
    template_type = catalogue.template_type(template.type)
    source = source_of(template)
    currency = currency_of(session, tenant_id)
    batch = uuid.uuid4()
    results = []
    for index, line in enumerate(data["recipients"]):
        contact = line["contact"]
        try:
            recipient = outbox.recipient_for(template.channel, contact, f"recipients.{index}.contact")
        except Invalid as error:
            results.append(_skip(contact, f"{error.code}: {error.message}"))
            continue
        if outbox.opted_out(session, tenant_id, template.channel, recipient):
            results.append(_skip(contact, "OPTED_OUT"))
            continue
        order = _order(session, tenant_id, line.get("order_id"))
        if line.get("order_id") and order is None:
            results.append(_skip(contact, "ORDER_NOT_FOUND"))
            continue
        customer = _customer_by_contact(session, tenant_id, recipient)
        own_order = order is not None and customer is not None and order.customer_id == customer.id
        if not own_order and (customer is None or not customer.marketing_consent):
            results.append(_skip(contact, "NO_CONSENT: not a customer who agreed to messages, nor their order"))
            continue
        values = _blank_values(template_type)
        if order is not None:
            values.update(order_values(session, order, customer))
        values["customer_name"] = line.get("customer_name") or customer.name
        try:
            values.update(templates.wire_values(template.type, line.get("template_vars") or {},
                                                f"recipients.{index}.template_vars"))
            rendered = templates.render(source, values, currency=currency)
        except TemplateError as error:
            raise refusal(error) from None
        queued = outbox.enqueue(session, tenant_id, channel=template.channel, recipient=recipient, rendered=rendered,
                                key=f"bulk:{batch}:{index}", type_=template.type, template=template,
                                customer_id=customer.id, order_uuid=order.uuid if order else None,
                                order_code=order.order_number if order else "", not_before=schedule_at)
        results.append({"contact": contact, "status": "queued", "notification_id": queued.id, "reason": None})
    queued_count = sum(1 for r in results if r["status"] == "queued")
    return {"queued": queued_count, "skipped": len(results) - queued_count, "schedule_at": schedule_at,
            "results": results}
