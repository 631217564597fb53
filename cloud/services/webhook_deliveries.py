"""Outbound webhooks of automation rules: queue a signed POST, deliver it from the worker
with retries and backoff, keep every attempt.

The signature: `X-POS-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
with `X-POS-Timestamp` (Unix seconds) and `X-POS-Delivery` (the delivery's id, the same on
every retry, so a receiver can drop a repeat). The receiver recomputes it over the raw
body and refuses a timestamp far from its clock (replays).

The secret is given when the rule is saved and is never read back: the rule keeps it
sealed (AES-GCM under a key derived from the cloud's secret), and so does each delivery
(a rule changed or deleted later does not change what a queued delivery signs with).

Exactly once across workers: a delivery is claimed (a lease, `locked_until`) by one
UPDATE whose inner SELECT skips rows another worker holds (`FOR UPDATE SKIP LOCKED`), as
the notification outbox claims messages; the POST goes outside any transaction and its
result is recorded in one of its own. A worker that dies mid-POST leaves the lease to run
out and the delivery goes again with the same `X-POS-Delivery`.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cloud.context import running_app
from cloud.models import WebhookAttempt, WebhookDelivery
from cloud.services.notification_outbox import backoff_s
from sync.timeutil import utcnow

QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"
SEALED = "sealed:v1:"
SIGNATURE, TIMESTAMP, DELIVERY, EVENT = "X-POS-Signature", "X-POS-Timestamp", "X-POS-Delivery", "X-POS-Event"
USER_AGENT = "pos-cloud-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header's value for this timestamp and raw body."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance_s: int = 300) -> bool:
    """What a receiver does (the tests' receiver and docs/api-extensions.md's recipe)."""
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def _key(tenant_id: int) -> bytes:
    secret = running_app().config["JWT_SECRET_KEY"]
    return hmac.new(secret.encode("utf-8"), b"webhook-secret\0" + str(tenant_id).encode(), hashlib.sha256).digest()


def seal(tenant_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    return SEALED + base64.b64encode(nonce + AESGCM(_key(tenant_id)).encrypt(nonce, secret.encode(), None)).decode()


def unseal(tenant_id: int, stored: str) -> str | None:
    """The secret, or None when it was sealed under another cloud secret (or tenant)."""
    if not stored.startswith(SEALED):
        return None
    raw = base64.b64decode(stored[len(SEALED):])
    try:
        return AESGCM(_key(tenant_id)).decrypt(raw[:12], raw[12:], None).decode()
    except InvalidTag:
        return None


def body_of(payload: dict) -> str:
    """The JSON as sent and signed (compact, keys sorted: the same bytes on every retry)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str)


def enqueue(session, tenant_id: int, *, rule_id: int | None, outlet_id: int | None, event: str, url: str,
            secret_sealed: str, payload: dict, key: str) -> int | None:
    """Queue one delivery in the caller's transaction: its id, None when the key was queued before."""
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    return session.execute(insert_(WebhookDelivery).values(
        tenant_id=tenant_id, rule_id=rule_id, outlet_id=outlet_id, event=event, url=url, secret_sealed=secret_sealed,
        body=body_of(payload), status=QUEUED, attempts=0, next_attempt_at=now, idempotency_key=key[:200],
        last_error="", created_at=now,
    ).on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"]).returning(WebhookDelivery.id)).scalar()


def claim(session, *, limit: int, lease_s: int, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due deliveries for this worker and commit: their ids."""
    now = now or utcnow()
    due = (select(WebhookDelivery.id)
           .where(WebhookDelivery.status == QUEUED, WebhookDelivery.next_attempt_at <= now,
                  (WebhookDelivery.locked_until.is_(None)) | (WebhookDelivery.locked_until <= now))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
           .with_for_update(skip_locked=True))
    ids = list(session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(due.scalar_subquery()))
        .values(locked_until=now + timedelta(seconds=lease_s), attempts=WebhookDelivery.attempts + 1)
        .returning(WebhookDelivery.id).execution_options(synchronize_session=False)).scalars())
    session.commit()
    return sorted(ids)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """No answer, a timeout, 408, 429 or a 5xx: try again; another 4xx will not change."""
        return self.status_code is None or self.status_code in (408, 429) or self.status_code >= 500


def post(url: str, secret: str, delivery_id: int, event: str, body: str, timeout_s: float) -> Answer:
    """One signed POST; what came back (never raises for the receiver's faults)."""
    raw = body.encode("utf-8")
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, TIMESTAMP: str(timestamp),
               SIGNATURE: sign(secret, timestamp, raw), DELIVERY: str(delivery_id), EVENT: event}
    started = time.monotonic()
    try:
        response = requests.post(url, data=raw, headers=headers, timeout=timeout_s, allow_redirects=False)
    except requests.RequestException as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:500], int((time.monotonic() - started) * 1000))
    took = int((time.monotonic() - started) * 1000)
    return Answer(response.status_code, "" if response.ok else f"HTTP {response.status_code}: "
                  f"{response.text[:200]}", took)


@dataclass(frozen=True)
class WebhookSettings:
    max_attempts: int = 6
    backoff_base_s: int = 30
    backoff_cap_s: int = 3600
    lease_s: int = 120
    timeout_s: float = 10
    batch: int = 20

    @classmethod
    def from_config(cls, config) -> WebhookSettings:
        return cls(config["NOTIFY_MAX_ATTEMPTS"], config["NOTIFY_BACKOFF_BASE_S"], config["NOTIFY_BACKOFF_CAP_S"],
                   config["NOTIFY_LEASE_S"], config["NOTIFY_TIMEOUT_S"])


def record(session, delivery: WebhookDelivery, answer: Answer, settings: WebhookSettings,
           now: datetime | None = None) -> None:
    """The attempt kept, and the delivery moved on: delivered, due again later, or failed."""
    now = now or utcnow()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=answer.status_code,
                               error=answer.error[:500], duration_ms=answer.duration_ms))
    delivery.locked_until, delivery.last_status_code, delivery.last_error = None, answer.status_code, answer.error[:500]
    if answer.ok:
        delivery.status, delivery.delivered_at = DELIVERED, now
    elif answer.retryable and delivery.attempts < settings.max_attempts:
        wait = backoff_s(delivery.attempts, settings.backoff_base_s, settings.backoff_cap_s)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    else:
        delivery.status, delivery.failed_at = FAILED, now


def deliver(session, delivery_id: int, settings: WebhookSettings) -> str:
    """Send one claimed delivery and record the result: its status afterwards ('gone' if
    another worker settled it meanwhile)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != QUEUED:
        session.rollback()
        return "gone"
    secret = unseal(delivery.tenant_id, delivery.secret_sealed)
    if secret is None:
        record(session, delivery, Answer(None, "SECRET_UNREADABLE: the cloud's secret changed since the rule was "
                                               "saved; save the rule's secret again", 0),
               WebhookSettings(max_attempts=0))
        session.commit()
        return delivery.status
    url, event, body = delivery.url, delivery.event, delivery.body
    session.rollback()  # no transaction stays open while the receiver answers
    answer = post(url, secret, delivery_id, event, body, settings.timeout_s)
    delivery = session.get(WebhookDelivery, delivery_id)
    record(session, delivery, answer, settings)
    session.commit()
    return delivery.status if delivery.status != QUEUED else "retrying"


@dataclass
class WebhookPass:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def run_once(session, settings: WebhookSettings | None = None) -> WebhookPass:
    """Every delivery due now, claimed in batches."""
    settings = settings or WebhookSettings()
    found = WebhookPass()
    while True:
        claimed = claim(session, limit=settings.batch, lease_s=settings.lease_s)
        if not claimed:
            return found
        found.claimed += len(claimed)
        for delivery_id in claimed:
            status = deliver(session, delivery_id, settings)
            if status == DELIVERED:
                found.delivered += 1
            elif status == FAILED:
                found.failed += 1
            elif status == "retrying":
                found.retrying += 1


def history_query(tenant_id: int, rule_id: int):
    return (select(WebhookDelivery).where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.rule_id == rule_id)
            .order_by(WebhookDelivery.id.desc()))


def attempts_of(session, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    found: dict[int, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if delivery_ids:
        for attempt in session.execute(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(delivery_ids))
                                       .order_by(WebhookAttempt.id)).scalars():
            found[attempt.delivery_id].append(attempt)
    return found
