"""The notification outbox: queue a message, claim due ones, record what a send gave,
and move a message on when the provider reports its status.

A message is queued in the transaction that decides to send it, with a key unique per
tenant (a replayed event or a repeated request queues nothing new). Workers claim due
messages with one UPDATE whose inner SELECT skips rows another worker holds
(PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite runs one statement at a time): a claim
is a lease (`locked_until`), and the send happens outside any transaction. A worker
that dies after claiming leaves the lease to run out; the message is then claimed
again. That is the one way a message can go twice: email keeps its Message-ID (mail
clients show one), and a WhatsApp message whose status webhook (carrying our
reference) arrived meanwhile is no longer queued, so it is not sent again.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cloud.models import Notification, NotificationOptOut, NotificationStatusEvent
from cloud.models.notification import DELIVERED, FAILED, QUEUED, READ, SENT, STATUS_RANK
from cloud.notifications.channels.base import Message, SendResult, WhatsAppTemplate
from cloud.notifications.channels.email import email_address
from cloud.notifications.channels.whatsapp_webhooks import StatusUpdate
from cloud.notifications.errors import NotificationError
from cloud.notifications.templates import Rendered
from sync import phones
from sync.errors import Invalid
from sync.timeutil import utcnow

REFERENCE_PREFIX = "notification-"
UNDELIVERABLE_OPT_OUT_CODES = {131050}  # Meta: the user stopped marketing messages from this business


def reference(notification_id: int) -> str:
    """Ours, sent with the message (WhatsApp's biz_opaque_callback_data, the email's Message-ID)."""
    return f"{REFERENCE_PREFIX}{notification_id}"


def recipient_for(channel: str, raw: str, field: str = "recipient") -> str:
    """The recipient as stored and compared: a phone as the customers module keeps it
    (`0812…`, `+65…`), an email address as written (one plain address)."""
    if channel == "whatsapp":
        try:
            return phones.normalize(raw)
        except phones.PhoneError as error:
            raise Invalid(str(error), "INVALID_PHONE", field) from None
    if channel == "email":
        try:
            return email_address(raw, field)
        except NotificationError as error:
            raise Invalid(error.message, error.code, field) from None
    raise Invalid(f"unknown channel '{channel}' (whatsapp or email)", "INVALID_CHANNEL", "channel")


def opted_out(session, tenant_id: int, channel: str, recipient: str) -> bool:
    return session.execute(select(NotificationOptOut.id).where(
        NotificationOptOut.tenant_id == tenant_id, NotificationOptOut.channel == channel,
        NotificationOptOut.recipient == recipient)).first() is not None


def opt_out(session, tenant_id: int, channel: str, recipient: str, reason: str = "") -> None:
    """Add the recipient to the tenant's opt-out list (once)."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert_(NotificationOptOut).values(
        tenant_id=tenant_id, channel=channel, recipient=recipient, reason=reason[:200], created_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["tenant_id", "channel", "recipient"]))


def _history(session, notification_id: int, status: str, detail: str = "", at: datetime | None = None,
             event_key: str | None = None) -> None:
    session.add(NotificationStatusEvent(notification_id=notification_id, status=status, at=at or utcnow(),
                                        detail=detail[:500], event_key=event_key))


def enqueue(session, tenant_id: int, *, channel: str, recipient: str, rendered: Rendered, key: str,
            type_: str = "", template=None, customer_id: int | None = None, order_uuid: str | None = None,
            order_code: str = "", not_before: datetime | None = None,
            expires_at: datetime | None = None) -> Notification | None:
    """Queue one message in the caller's transaction. None when a message with this key
    was queued before (nothing is written)."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    row_id = session.execute(insert_(Notification).values(
        tenant_id=tenant_id, template_id=template.id if template is not None else None,
        template_name=template.name if template is not None else "", type=type_, channel=channel,
        recipient=recipient, customer_id=customer_id, order_uuid=order_uuid, order_code=order_code,
        subject=rendered.subject, body=rendered.text, html=rendered.html,
        whatsapp_template=rendered.whatsapp_template if channel == "whatsapp" else None, status=QUEUED, attempts=0,
        next_attempt_at=not_before or now, expires_at=expires_at, idempotency_key=key[:200],
        last_error_code="", last_error="", created_at=now,
    ).on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"]).returning(Notification.id)).scalar()
    if row_id is None:
        return None
    _history(session, row_id, QUEUED, "scheduled" if not_before and not_before > now else "", at=now)
    return session.get(Notification, row_id)


def claim(session, *, limit: int, lease_s: int, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due messages for this worker and commit: their ids. Rows
    another worker holds (locked, or leased and not expired) are skipped."""
    now = now or utcnow()
    due = (select(Notification.id)
           .where(Notification.status == QUEUED, Notification.next_attempt_at <= now,
                  (Notification.locked_until.is_(None)) | (Notification.locked_until <= now))
           .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
           .with_for_update(skip_locked=True))
    ids = list(session.execute(
        update(Notification).where(Notification.id.in_(due.scalar_subquery()))
        .values(locked_until=now + timedelta(seconds=lease_s), attempts=Notification.attempts + 1)
        .returning(Notification.id).execution_options(synchronize_session=False)).scalars())
    session.commit()
    return sorted(ids)


def message_of(notification: Notification) -> Message:
    """The channel's message: a WhatsApp one with an approved-template mapping goes as that
    template (outside the 24-hour window free text would fail with 131047), else as text."""
    mapped = notification.whatsapp_template if notification.channel == "whatsapp" else None
    template = WhatsAppTemplate(mapped["name"], mapped["language"], tuple(mapped.get("parameters") or ())) \
        if mapped else None
    return Message(recipient=notification.recipient, text=notification.body, subject=notification.subject,
                   html=notification.html, whatsapp_template=template, reference=reference(notification.id))


def backoff_s(attempt: int, base_s: int, cap_s: int, retry_after_s: float | None = None) -> float:
    """Exponential with full jitter in its upper half (attempt 1: base..2*base/2 …), at
    least what the provider asked for."""
    ceiling = min(cap_s, base_s * 2 ** max(0, attempt - 1))
    wait = random.uniform(ceiling / 2, ceiling)
    return max(wait, retry_after_s or 0)


def _fail(notification: Notification, code: str, message: str, now: datetime) -> None:
    notification.status, notification.failed_at = FAILED, now
    notification.last_error_code, notification.last_error = code[:40], message[:500]
    notification.locked_until = None


def refuse_before_send(session, notification: Notification, channels: dict, now: datetime) -> bool:
    """A claimed message that must not go (too late, opted out, channel off): recorded
    as failed with its reason. True when it was refused."""
    reason = None
    if notification.expires_at is not None and notification.expires_at <= now:
        reason = ("EXPIRED", "the moment it was about has passed (its type's freshness window)")
    elif notification.type and opted_out(session, notification.tenant_id, notification.channel,
                                         notification.recipient):
        reason = ("OPTED_OUT", "the recipient opted out of this channel")
    elif notification.channel not in channels:
        reason = ("CHANNEL_NOT_CONFIGURED", f"the {notification.channel} channel has no settings on this cloud")
    if reason is None:
        return False
    _fail(notification, *reason, now)
    _history(session, notification.id, FAILED, f"{reason[0]}: {reason[1]}", at=now)
    return True


def record_result(session, notification: Notification, result: SendResult, *, max_attempts: int,
                  backoff_base_s: int, backoff_cap_s: int, now: datetime | None = None) -> None:
    """What one send gave, in the caller's transaction: sent (with the provider's id),
    queued again with backoff (retryable, tries left), or failed for good."""
    now = now or utcnow()
    notification.locked_until = None
    if result.ok:
        notification.provider_message_id = result.provider_id
        if STATUS_RANK[notification.status] < STATUS_RANK[SENT]:
            notification.status = SENT
        notification.sent_at = notification.sent_at or now
        _history(session, notification.id, SENT, f"provider id {result.provider_id}", at=now)
        return
    error = result.error
    detail = f"{error.code}: {error.message}"
    if notification.status != QUEUED:
        # a status webhook already told us it went (a retry after a lease ran out): keep that
        _history(session, notification.id, notification.status, f"late send result ignored: {detail}", at=now)
        return
    if error.retryable and notification.attempts < max_attempts:
        wait = backoff_s(notification.attempts, backoff_base_s, backoff_cap_s, error.retry_after_s)
        notification.next_attempt_at = now + timedelta(seconds=wait)
        notification.last_error_code, notification.last_error = error.code[:40], error.message[:500]
        _history(session, notification.id, QUEUED, f"attempt {notification.attempts} failed, retry in "
                                                    f"{wait:.0f} s: {detail}", at=now)
        return
    _fail(notification, error.code, error.message, now)
    _history(session, notification.id, FAILED, detail, at=now)


def _find(session, update_: StatusUpdate) -> Notification | None:
    if update_.reference and update_.reference.startswith(REFERENCE_PREFIX):
        number = update_.reference[len(REFERENCE_PREFIX):]
        if number.isdigit() and len(number) < 19:
            found = session.get(Notification, int(number))
            if found is not None and found.channel == "whatsapp":
                return found
    return session.execute(select(Notification).where(
        Notification.channel == "whatsapp", Notification.provider_message_id == update_.provider_id)
    ).scalars().first()


def apply_status(session, update_: StatusUpdate) -> str:
    """One status from the provider's webhook: 'applied', 'repeated' (this event was
    recorded before), 'kept' (recorded in the history, but the message had got further:
    statuses never move back) or 'unknown' (no message of ours)."""
    notification = _find(session, update_)
    if notification is None:
        return "unknown"
    key = f"whatsapp:{update_.event_key}"
    if session.execute(select(NotificationStatusEvent.id).where(NotificationStatusEvent.event_key == key)).first():
        return "repeated"
    at = update_.at.replace(tzinfo=None)
    detail = f"webhook: {update_.status}"
    if update_.error_code is not None:
        detail += f" ({update_.error_code}: {update_.error_message or ''})"
    _history(session, notification.id, update_.status, detail, at=at, event_key=key)
    if notification.provider_message_id is None:
        notification.provider_message_id = update_.provider_id
    if STATUS_RANK.get(update_.status, -1) <= STATUS_RANK[notification.status]:
        return "kept"
    notification.status = update_.status
    notification.locked_until = None
    stamp = {SENT: "sent_at", DELIVERED: "delivered_at", READ: "read_at", FAILED: "failed_at"}[update_.status]
    setattr(notification, stamp, getattr(notification, stamp) or at)
    if update_.status == FAILED:
        notification.last_error_code = f"WHATSAPP_{update_.error_code}" if update_.error_code else "WHATSAPP_FAILED"
        notification.last_error = (update_.error_message or "")[:500]
        if update_.error_code in UNDELIVERABLE_OPT_OUT_CODES:
            opt_out(session, notification.tenant_id, "whatsapp", notification.recipient,
                    f"WhatsApp {update_.error_code}: {update_.error_message or ''}")
    return "applied"


def history_query(tenant_id: int):
    return select(Notification).where(Notification.tenant_id == tenant_id)


def status_counts(session, tenant_id: int) -> dict[str, int]:
    rows = session.execute(select(Notification.status, func.count()).where(Notification.tenant_id == tenant_id)
                           .group_by(Notification.status)).all()
    return {status: count for status, count in rows}
