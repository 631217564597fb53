"""One pass of the notification worker: notes into messages, then due messages sent.

Each message is claimed (and committed) before its send, sent outside any transaction,
and its result recorded in a transaction of its own; see notification_outbox.py for
why a message is never sent twice by two workers. `pos cloud worker` runs passes on
APScheduler's schedule (cloud/worker.py); tests call `run_once` directly.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cloud.models import Notification
from cloud.services import notification_outbox as outbox
from cloud.services import notification_triggers as triggers
from sync.timeutil import utcnow


@dataclass(frozen=True)
class WorkerSettings:
    max_attempts: int = 6
    backoff_base_s: int = 30
    backoff_cap_s: int = 3600
    lease_s: int = 120
    batch: int = 20
    public_url: str = ""  # the cloud's public URL: e-receipt links in messages

    @classmethod
    def from_config(cls, config: Mapping) -> WorkerSettings:
        return cls(config["NOTIFY_MAX_ATTEMPTS"], config["NOTIFY_BACKOFF_BASE_S"], config["NOTIFY_BACKOFF_CAP_S"],
                   config["NOTIFY_LEASE_S"], public_url=config.get("CLOUD_PUBLIC_URL", ""))


@dataclass
class PassResult:
    triggers: int = 0
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver(session, channels: Mapping, notification_id: int, settings: WorkerSettings) -> str:
    """Send one claimed message and record the result; its status afterwards."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.status != outbox.QUEUED:
        session.rollback()
        return "gone"
    if outbox.refuse_before_send(session, notification, channels, utcnow()):
        session.commit()
        return notification.status
    message = outbox.message_of(notification)
    channel = channels[notification.channel]
    session.rollback()  # no transaction stays open while the provider answers
    result = channel.send(message)
    notification = session.get(Notification, notification_id)
    outbox.record_result(session, notification, result, max_attempts=settings.max_attempts,
                         backoff_base_s=settings.backoff_base_s, backoff_cap_s=settings.backoff_cap_s)
    session.commit()
    if notification.status == outbox.QUEUED:
        return "retrying"
    return notification.status


def run_once(session, channels: Mapping, settings: WorkerSettings | None = None) -> PassResult:
    """Everything due now: pending notes, then claimed messages one by one."""
    settings = settings or WorkerSettings()
    found = PassResult(triggers=triggers.expand(session, public_url=settings.public_url))
    while True:
        claimed = outbox.claim(session, limit=settings.batch, lease_s=settings.lease_s)
        if not claimed:
            return found
        found.claimed += len(claimed)
        for notification_id in claimed:
            status = deliver(session, channels, notification_id, settings)
            if status == "retrying":
                found.retrying += 1
            elif status == outbox.FAILED:
                found.failed += 1
            elif status != "gone":
                found.sent += 1
