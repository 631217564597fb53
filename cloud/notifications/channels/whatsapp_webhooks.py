"""Meta's webhooks for the messages we sent: verify, then read the statuses.

Every POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the app secret>`; the body is `{"object": "whatsapp_business_account", "entry":
[{"id", "changes": [{"field": "messages", "value": {"metadata", "statuses": [{"id":
"wamid.…", "status": "sent"|"delivered"|"read"|"failed", "timestamp", "recipient_id",
"biz_opaque_callback_data"?, "errors"?: [{"code", "title", "message", "error_data":
{"details"}}]}]}}]}]}`. Meta signs the body exactly as it sends it (non-ASCII escaped),
so the signature is checked over the raw bytes, before any parsing. Notifications may
arrive out of order and more than once: the caller orders by `timestamp` and treats a
repeated (message id, status) as a duplicate.

Setting the webhook up, Meta first sends `GET ?hub.mode=subscribe&hub.verify_token=…
&hub.challenge=…` and expects the challenge back (`verify_subscription`).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cloud.notifications.errors import WebhookRefused

SIGNATURE_HEADER = "X-Hub-Signature-256"
STATUSES = ("sent", "delivered", "read", "failed")


@dataclass(frozen=True)
class StatusUpdate:
    """One status of one message we sent."""

    provider_id: str               # the wamid our send got back
    status: str                    # sent, delivered, read, failed
    at: datetime                   # Meta's timestamp (aware, UTC)
    recipient_id: str
    reference: str | None          # our biz_opaque_callback_data, echoed
    error_code: int | None = None  # failed: Meta's code (131026: undeliverable, ...)
    error_message: str | None = None

    @property
    def event_key(self) -> str:
        """Equal for a repeated delivery of the same status."""
        return f"{self.provider_id}:{self.status}"


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta would send for `body`."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the body's signature under `app_secret` (constant-time compare)."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(app_secret, body).encode("ascii"), header.strip().encode("utf-8", "replace"))


def verify_subscription(params: Mapping, verify_token: str) -> str:
    """The challenge to answer Meta's subscription check, or WebhookRefused (403)."""
    supplied = params.get("hub.verify_token") or ""
    if params.get("hub.mode") != "subscribe" or not verify_token or not hmac.compare_digest(
            supplied.encode("utf-8"), verify_token.encode("utf-8")):
        raise WebhookRefused("the subscription check does not carry our verify token", "WEBHOOK_VERIFY_TOKEN")
    challenge = params.get("hub.challenge")
    if not challenge:
        raise WebhookRefused("the subscription check has no hub.challenge", "WEBHOOK_MALFORMED")
    return str(challenge)


def _malformed(why: str) -> WebhookRefused:
    return WebhookRefused(f"not a WhatsApp webhook: {why}", "WEBHOOK_MALFORMED")


def _moment(value) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise _malformed(f"timestamp {value!r} is not Unix seconds") from None


def _status(item) -> StatusUpdate | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise _malformed("a status without a message id")
    if item.get("status") not in STATUSES:
        return None  # deleted, warning, played…: nothing we act on
    error = (item.get("errors") or [None])[0] if isinstance(item.get("errors"), list) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = None
    if isinstance(error, dict):
        details = error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
        message = " — ".join(str(part) for part in (error.get("title") or error.get("message"), details) if part)
    reference = item.get("biz_opaque_callback_data")
    return StatusUpdate(item["id"], item["status"], _moment(item.get("timestamp")), str(item.get("recipient_id", "")),
                        reference if isinstance(reference, str) else None,
                        code if isinstance(code, int) and not isinstance(code, bool) else None, message or None)


def parse_statuses(body: bytes) -> list[StatusUpdate]:
    """Every status in a (verified) webhook body, in the order sent; [] for webhooks about
    other things (a customer's own message, template reviews). WebhookRefused if malformed."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _malformed("the body is not JSON") from None
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise _malformed("object is not whatsapp_business_account")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise _malformed("no entry list")
    updates = []
    for entry in entries:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        if not isinstance(changes, list):
            raise _malformed("an entry without changes")
        for change in changes:
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            statuses = value.get("statuses", []) if isinstance(value, dict) else None
            if not isinstance(statuses, list):
                raise _malformed("statuses is not a list")
            updates.extend(update for update in map(_status, statuses) if update is not None)
    return updates
