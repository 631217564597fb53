"""What every channel takes and gives back: one `Message`, one `SendResult`.

A channel is one small interface, `send(message) -> SendResult`, so the worker (next
part) treats SMTP and WhatsApp alike: it never sees smtplib or HTTP. `send` does not
raise for a failed delivery: the result says `failed`, carries the `DeliveryError`
(`retryable` or not) and whatever the provider said. It raises only for programming
errors (a message missing what its channel needs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cloud.notifications.errors import DeliveryError

SENT, FAILED = "sent", "failed"


@dataclass(frozen=True)
class WhatsAppTemplate:
    """A template approved by Meta (business-initiated messages outside the 24-hour
    window must be one): its name, language code and the body's parameters in order."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """One message to one recipient.

    `recipient` is an email address or a phone number (any form `sync.phones` accepts).
    `text` is the WhatsApp body or the email's text part; `html` the email's HTML part;
    `subject` the email's subject. `whatsapp_template` sends Meta's template message
    instead of `text`. `reference` is ours (the notification's id): it travels with the
    message (email header `X-POS-Notification`, WhatsApp `biz_opaque_callback_data`,
    which Meta echoes in status webhooks) so a status can be matched without the
    provider's id.
    """

    recipient: str
    text: str = ""
    subject: str = ""
    html: str | None = None
    whatsapp_template: WhatsAppTemplate | None = None
    reference: str | None = None


@dataclass(frozen=True)
class SendResult:
    """`sent` (handed to the provider; `provider_id` is its id) or `failed` (`error` says why
    and whether to retry). `provider_status` is the provider's own word, for the history."""

    status: str
    provider_id: str | None = None
    error: DeliveryError | None = None
    provider_status: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == SENT

    @property
    def retryable(self) -> bool:
        return self.error is not None and self.error.retryable

    @classmethod
    def failed(cls, error: DeliveryError) -> SendResult:
        return cls(FAILED, error=error, provider_status=str(error.provider_code) if error.provider_code else None)


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> SendResult:
        ...
