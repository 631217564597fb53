"""What makes a message: synced facts (a payment taken at a till) become outbox rows.

Ingest only notes the fact (`note_payment`: one row, in the transaction that applies
the event, unique per outlet and payment, so a replay notes nothing new); the worker
turns notes into messages (`expand`) outside the sync's hot path, and fires the tenant's
event automation rules for each note in the same transaction (automation_events.py), so
each rule acts once per event. A till that was
offline sends its events late, and the messages go when they arrive, unless the type's
freshness window has passed (the message is then not sent: `expires_at`).

Who gets one: the order's customer, on each channel they have an address for
(WhatsApp: their phone; email: their address) where the tenant has an active default
template for the type, unless they opted out on that channel. These are transactional
messages about their own order; bulk sends additionally need marketing consent
(notification_bulk.py).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cloud.models import (
    Customer,
    NotificationTemplate,
    NotificationTrigger,
    Outlet,
    SyncedOrder,
    SyncedOrderItem,
    SyncedPayment,
    SyncedRefund,
    Tenant,
)
from cloud.notifications import catalogue, templates
from cloud.notifications.errors import TemplateError
from cloud.services import automation_events, receipts
from cloud.services import notification_outbox as outbox
from cloud.services.notification_templates import default_template, source_of
from sync.errors import Invalid
from sync.timeutil import utcnow

PAYMENT_RECEIVED, ORDER_CANCELLED, ORDER_READY, ORDER_REFUNDED = (
    "payment_received", "order_cancelled", "order_ready", "order_refunded")
E_RECEIPT, ORDER_CREATED, PAYMENT_REMINDER = "e_receipt", "order_created", "payment_reminder"
UNPAID_STATUSES_SKIPPED = ("draft", "cancelled")  # an order in these is owed nothing
# the template types a kind of note may use, first found wins (the brief calls the kitchen's
# "ready" production_complete; a tenant may keep either name)
TEMPLATE_TYPES_OF = {ORDER_READY: (ORDER_READY, "production_complete")}
METHOD_NAMES = {"cash": "Cash", "card": "Card", "qris": "QRIS", "ewallet": "E-wallet"}
TRIGGERS = NotificationTrigger.__table__


_INSERT_NOTE: dict[str, object] = {}


def _insert_note(dialect: str):
    """One INSERT … ON CONFLICT DO NOTHING per dialect, built once: executed with a dict of
    values it reuses its compiled form (building `.values(...)` per note cost ~2 ms of
    ingest time per event; bench/ingest_triggers.py)."""
    if dialect not in _INSERT_NOTE:
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
        _INSERT_NOTE[dialect] = insert_(TRIGGERS).on_conflict_do_nothing(
            index_elements=["outlet_id", "kind", "subject_uuid"])
    return _INSERT_NOTE[dialect]


def _note(conn, device, kind: str, order_uuid: str, subject_uuid: str, occurred_at: datetime, now: datetime,
          channel: str = "", recipient: str = "", link: str = ""):
    conn.execute(_insert_note(conn.dialect.name), {
        "tenant_id": device.tenant_id, "outlet_id": device.outlet_id, "kind": kind, "order_uuid": order_uuid,
        "subject_uuid": subject_uuid, "occurred_at": occurred_at, "created_at": now, "channel": channel,
        "recipient": recipient, "link": link, "outcome": "", "processed_at": None})


def note_receipt_request(conn, device, data: dict, now: datetime) -> None:
    """A customer asked at the till for the e-receipt (`receipt.requested`): noted once per
    request however often it is pushed; the worker sends it when the order is here."""
    _note(conn, device, E_RECEIPT, data["order_uuid"], data["uuid"], data["created_at"], now,
          channel=data["channel"], recipient=data["recipient"], link=data.get("receipt_url") or "")


def note_payment(conn, device, data: dict, now: datetime) -> None:
    """A paid payment was stored (ingest, on the event's connection and transaction)."""
    _note(conn, device, PAYMENT_RECEIVED, data["order_uuid"], data["uuid"], data["created_at"], now)


def note_order(conn, device, data: dict, now: datetime) -> None:
    """An order snapshot was stored: the kitchen's bump (ready) and a cancellation are
    moments customers hear about; each is noted once per order, however many snapshots."""
    if data.get("customer_uuid") and data["status"] not in UNPAID_STATUSES_SKIPPED:
        # only orders with a customer can be told; the first such snapshot is the moment
        _note(conn, device, ORDER_CREATED, data["uuid"], data["uuid"], data["created_at"], now)
    if data.get("ready_at") is not None:
        _note(conn, device, ORDER_READY, data["uuid"], data["uuid"], data["ready_at"], now)
    if data["status"] == "cancelled":
        _note(conn, device, ORDER_CANCELLED, data["uuid"], data["uuid"], data.get("cancelled_at") or now, now)


def note_refund(conn, device, data: dict, now: datetime) -> None:
    """Money given back (a refund, not a void before payment)."""
    if data.get("kind", "refund") == "refund":
        _note(conn, device, ORDER_REFUNDED, data["order_uuid"], data["uuid"], data["created_at"], now)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _payment_values(session, order: SyncedOrder, payment: SyncedPayment) -> dict:
    paid = session.execute(select(func.coalesce(func.sum(SyncedPayment.amount), 0)).where(
        SyncedPayment.outlet_id == order.outlet_id, SyncedPayment.order_uuid == order.uuid,
        SyncedPayment.status == "paid", SyncedPayment.created_at <= payment.created_at)).scalar()
    due = order.total_amount - order.voided_amount
    return {"payment_type": METHOD_NAMES.get(payment.method, payment.method), "amount": payment.amount,
            "payment_date": _aware(payment.created_at), "is_full_payment": int(paid) >= due,
            "remaining_amount": max(0, due - int(paid))}


def order_values(session, order: SyncedOrder, customer: Customer | None, public_url: str = "") -> dict:
    """The variables every template type shares, from the stored order (the paper's figures);
    `receipt_url` is the link the till printed, when the cloud knows its public URL."""
    tenant_name = session.execute(select(Tenant.name).where(Tenant.id == order.tenant_id)).scalar() or ""
    outlet_name = session.execute(select(Outlet.name).where(Outlet.id == order.outlet_id)).scalar() or ""
    lines = session.execute(select(SyncedOrderItem).where(SyncedOrderItem.order_id == order.id)
                            .order_by(SyncedOrderItem.line_no)).scalars()
    return {
        "business_name": tenant_name, "outlet_name": outlet_name,
        "customer_name": (customer.name if customer is not None else order.customer_name) or "",
        "order_code": order.order_number, "order_total": order.total_amount,
        "order_date": _aware(order.created_at), "receipt_url": receipts.link_for(session, order, public_url),
        "items": [{"name": line.product_name, "quantity": line.quantity, "amount": line.line_total,
                   "note": line.note or ""} for line in lines],
    }


def _addresses(customer: Customer) -> dict[str, str]:
    found = {}
    for channel, raw in (("whatsapp", customer.phone), ("email", customer.email)):
        if raw:
            try:
                found[channel] = outbox.recipient_for(channel, raw)
            except Invalid:  # an address that cannot take messages is skipped
                continue
    return found


def _kind_values(session, trigger: NotificationTrigger, order: SyncedOrder) -> dict:
    """The variables of the note's own template type."""
    if trigger.kind == PAYMENT_RECEIVED:
        payment = session.execute(select(SyncedPayment).where(
            SyncedPayment.outlet_id == trigger.outlet_id, SyncedPayment.uuid == trigger.subject_uuid)).scalar_one()
        return _payment_values(session, order, payment)
    if trigger.kind == ORDER_READY:
        return {"ready_at": _aware(order.ready_at or trigger.occurred_at)}
    if trigger.kind == ORDER_CANCELLED:
        return {"cancelled_at": _aware(order.cancelled_at or trigger.occurred_at), "cancel_reason": order.cancel_reason}
    if trigger.kind == ORDER_CREATED:
        return {}
    if trigger.kind == PAYMENT_REMINDER:
        due_date = trigger.occurred_at  # the reminder's moment: the order fell due then
        return {"remaining_amount": max(0, order.total_amount - order.voided_amount - order.paid_amount),
                "due_date": _aware(due_date), "days_overdue": max(0, (utcnow() - due_date).days)}
    refund = session.execute(select(SyncedRefund).where(
        SyncedRefund.outlet_id == trigger.outlet_id, SyncedRefund.uuid == trigger.subject_uuid)).scalar_one()
    return {"refund_amount": refund.amount, "refund_method": METHOD_NAMES.get(refund.method or "cash", refund.method),
            "refunded_at": _aware(refund.created_at), "refund_reason": refund.reason or ""}


def _receipt_message(session, trigger: NotificationTrigger, order: SyncedOrder, now: datetime,
                     public_url: str) -> str:
    """The e-receipt a customer asked for at the till, to the recipient they gave (no consent
    needed: they asked; an opt-out on the channel still holds). The tenant's default
    `e_receipt` template, else the catalogue's. The link is the one the till printed when it
    verifies, else the cloud's own for the order."""
    template_type = catalogue.template_type(E_RECEIPT)
    expires_at = trigger.occurred_at + template_type.freshness
    if expires_at <= now:
        return "too late: past the type's freshness window"
    try:
        recipient = outbox.recipient_for(trigger.channel, trigger.recipient)
    except Invalid as error:
        return f"{trigger.channel}: recipient refused ({error.code})"
    if outbox.opted_out(session, trigger.tenant_id, trigger.channel, recipient):
        return f"{trigger.channel}: opted out"
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    values = order_values(session, order, customer, public_url)
    if receipts.is_link_of(session, trigger.link, trigger.outlet_id, order.uuid):
        values["receipt_url"] = trigger.link
    if not values["receipt_url"]:
        return "no e-receipt link: the till sent none that verifies and POS_CLOUD_PUBLIC_URL is not set"
    template = default_template(session, trigger.tenant_id, E_RECEIPT, trigger.channel)
    source = source_of(template) if template is not None else templates.TemplateSource(
        E_RECEIPT, trigger.channel, template_type.default_body,
        template_type.default_subject if trigger.channel == "email" else "")
    timezone = session.execute(select(Outlet.timezone).where(Outlet.id == order.outlet_id)).scalar() or "UTC"
    currency = session.execute(select(Tenant.currency).where(Tenant.id == order.tenant_id)).scalar() or "IDR"
    try:
        rendered = templates.render(source, values, currency=currency, timezone=timezone)
    except TemplateError as error:
        return f"{trigger.channel}: template did not render ({error.code})"
    queued = outbox.enqueue(session, trigger.tenant_id, channel=trigger.channel, recipient=recipient,
                            rendered=rendered, key=f"{E_RECEIPT}:{trigger.outlet_id}:{trigger.subject_uuid}",
                            type_=E_RECEIPT, template=template, customer_id=customer.id if customer else None,
                            order_uuid=order.uuid, order_code=order.order_number, expires_at=expires_at)
    return f"{trigger.channel}: queued {queued.id}" if queued is not None else f"{trigger.channel}: queued before"


def note_payment_reminders(session, now: datetime, after: timedelta, window: timedelta, limit: int = 500) -> int:
    """Note a `payment_reminder` for every order with a customer still owing money `after`
    its creation (up to `window` old), of tenants with a default payment_reminder template:
    one per order ever (the note's unique key), due at creation + `after`. Commits; how many
    were noted. The expand step checks again that the order still owes when it sends."""
    owes = SyncedOrder.total_amount - SyncedOrder.voided_amount > SyncedOrder.paid_amount
    reminding = select(NotificationTemplate.tenant_id).where(
        NotificationTemplate.type == PAYMENT_REMINDER, NotificationTemplate.is_default.is_(True),
        NotificationTemplate.is_active.is_(True))
    already = select(NotificationTrigger.id).where(
        NotificationTrigger.outlet_id == SyncedOrder.outlet_id, NotificationTrigger.kind == PAYMENT_REMINDER,
        NotificationTrigger.subject_uuid == SyncedOrder.uuid).exists()
    rows = session.execute(
        select(SyncedOrder.tenant_id, SyncedOrder.outlet_id, SyncedOrder.uuid, SyncedOrder.created_at)
        .where(SyncedOrder.customer_id.is_not(None), SyncedOrder.status.not_in(UNPAID_STATUSES_SKIPPED), owes,
               SyncedOrder.created_at <= now - after, SyncedOrder.created_at > now - window,
               SyncedOrder.tenant_id.in_(reminding), ~already)
        .order_by(SyncedOrder.created_at).limit(limit)).all()
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for tenant_id, outlet_id, order_uuid, created_at in rows:
        session.execute(insert_(TRIGGERS).values(
            tenant_id=tenant_id, outlet_id=outlet_id, kind=PAYMENT_REMINDER, order_uuid=order_uuid,
            subject_uuid=order_uuid, occurred_at=created_at + after, created_at=now, channel="", recipient="",
            link="", outcome="").on_conflict_do_nothing(index_elements=["outlet_id", "kind", "subject_uuid"]))
    session.commit()
    return len(rows)


def _messages_for(session, trigger: NotificationTrigger, order: SyncedOrder, now: datetime, public_url: str) -> str:
    """Queue the trigger's messages; what happened, for the trigger's `outcome`."""
    if trigger.kind == E_RECEIPT:
        return _receipt_message(session, trigger, order, now, public_url)
    if trigger.kind == PAYMENT_REMINDER and order.total_amount - order.voided_amount <= order.paid_amount:
        return "paid meanwhile: no reminder"
    if trigger.kind == PAYMENT_REMINDER and order.status in UNPAID_STATUSES_SKIPPED:
        return f"order {order.status}: no reminder"
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    if customer is None:
        return "no customer on the order"
    template_type = catalogue.template_type(trigger.kind)
    expires_at = trigger.occurred_at + template_type.freshness
    if expires_at <= now:
        return "too late: past the type's freshness window"
    values = {**order_values(session, order, customer, public_url), **_kind_values(session, trigger, order)}
    timezone = session.execute(select(Outlet.timezone).where(Outlet.id == order.outlet_id)).scalar() or "UTC"
    currency = session.execute(select(Tenant.currency).where(Tenant.id == order.tenant_id)).scalar() or "IDR"
    outcomes = []
    for channel, recipient in _addresses(customer).items():
        template = next(filter(None, (default_template(session, trigger.tenant_id, type_, channel)
                                      for type_ in TEMPLATE_TYPES_OF.get(trigger.kind, (trigger.kind,)))), None)
        if template is None:
            outcomes.append(f"{channel}: no default template")
            continue
        if outbox.opted_out(session, trigger.tenant_id, channel, recipient):
            outcomes.append(f"{channel}: opted out")
            continue
        source = source_of(template)
        try:
            rendered = templates.render(source, values, currency=currency, timezone=timezone)
        except TemplateError as error:
            outcomes.append(f"{channel}: template {template.id} did not render ({error.code})")
            continue
        queued = outbox.enqueue(session, trigger.tenant_id, channel=channel, recipient=recipient, rendered=rendered,
                                key=f"{trigger.kind}:{trigger.outlet_id}:{trigger.subject_uuid}:{channel}",
                                type_=template.type, template=template, customer_id=customer.id,
                                order_uuid=order.uuid, order_code=order.order_number, expires_at=expires_at)
        outcomes.append(f"{channel}: queued {queued.id}" if queued is not None else f"{channel}: queued before")
    return "; ".join(outcomes) or "the customer has no phone or email"


def expand(session, *, limit: int = 50, now: datetime | None = None, public_url: str = "") -> int:
    """Turn pending notes into outbox rows, each note in its own transaction (claimed
    with SKIP LOCKED, so workers share the work). A payment whose order has not arrived
    yet waits for it (until the freshness window closes). Returns how many were settled."""
    now = now or utcnow()
    settled, after = 0, 0
    for _ in range(limit):
        trigger = session.execute(
            select(NotificationTrigger)
            .where(NotificationTrigger.processed_at.is_(None), NotificationTrigger.id > after)
            .order_by(NotificationTrigger.id).limit(1).with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if trigger is None:
            session.rollback()
            break
        order = session.execute(select(SyncedOrder).where(SyncedOrder.outlet_id == trigger.outlet_id,
                                                          SyncedOrder.uuid == trigger.order_uuid)).scalar_one_or_none()
        if order is None:
            freshness = catalogue.template_type(trigger.kind).freshness
            if trigger.occurred_at + freshness > now:
                session.rollback()
                after = trigger.id  # its order is still on its way; a later pass looks again
                continue
            trigger.outcome = "its order never arrived within the freshness window"
        else:
            ruled = automation_events.on_note(session, trigger, order, now)  # the tenant's event rules
            outcome = _messages_for(session, trigger, order, now, public_url)
            trigger.outcome = (f"{outcome}; {ruled}" if ruled else outcome)[:200]
        trigger.processed_at = now
        session.commit()
        settled += 1
    return settled
