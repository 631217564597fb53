"""What can go wrong with a notification, as domain errors that know no HTTP.

Two families. `TemplateError`: a template that cannot be saved or rendered (the web
layer answers 400 with `field`, and `line`/`variable` say where). `DeliveryError`: a
send that failed; `retryable` tells the worker whether to try again with backoff
(no answer, a timeout, 5xx, 429, an SMTP 4xx) or to record the failure for good (an
invalid number, a refused mailbox, bad credentials, a message the provider refuses).
"""
from __future__ import annotations


class NotificationError(Exception):
    """Base: a stable code, a readable message, the field it is about (if any)."""

    default_code = "NOTIFICATION_ERROR"

    def __init__(self, message: str, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field


class TemplateError(NotificationError):
    """A template refused when saved, previewed or rendered.

    `line` is the template's line (1-based) when the problem has one; `variable` names
    the unknown or misused variable.
    """

    default_code = "TEMPLATE_INVALID"

    def __init__(self, message: str, code: str | None = None, field: str | None = "body", *,
                 line: int | None = None, variable: str | None = None):
        super().__init__(message, code, field)
        self.line = line
        self.variable = variable

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field, "line": self.line,
                "variable": self.variable}


class DeliveryError(NotificationError):
    """A send that did not go through. `retryable` is the worker's one question.

    `channel` is "email" or "whatsapp"; `provider_code` the provider's own code
    (Meta's error code, the SMTP reply code) when it gave one; `retry_after_s` the
    wait it asked for (HTTP Retry-After), if any.
    """

    default_code = "DELIVERY_FAILED"
    retryable = False

    def __init__(self, channel: str, message: str, code: str | None = None, *,
                 provider_code: int | str | None = None, retry_after_s: float | None = None,
                 field: str | None = None):
        super().__init__(message, code, field)
        self.channel = channel
        self.provider_code = provider_code
        self.retry_after_s = retry_after_s

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "retryable": self.retryable,
                "provider_code": self.provider_code, "channel": self.channel}


class DeliveryRetryable(DeliveryError):
    """No answer, a timeout, a 5xx, a 429 or a temporary refusal: try again later.

    After a timeout the provider may have taken the message: a retry can deliver it
    twice (neither SMTP nor WhatsApp's Cloud API offers an idempotency key).
    """

    default_code = "DELIVERY_RETRYABLE"
    retryable = True


class DeliveryPermanent(DeliveryError):
    """The provider refused this message for good: record the failure, do not retry."""

    default_code = "DELIVERY_REFUSED"


class RecipientInvalid(DeliveryPermanent):
    """The address or number cannot receive messages (malformed, not on WhatsApp,
    mailbox unknown). The same message to the same recipient will fail again."""

    default_code = "RECIPIENT_INVALID"


class ChannelMisconfigured(DeliveryPermanent):
    """Our side is wrong: credentials refused, TLS cannot be verified, the sender is
    not allowed, the channel has no settings. Every message fails until someone fixes it."""

    default_code = "CHANNEL_MISCONFIGURED"


class WebhookRefused(NotificationError):
    """A provider's webhook we will not act on: its signature does not verify (answer 401,
    change nothing), its body is not the provider's format (400), or a subscription check
    with the wrong verify token (403)."""

    default_code = "WEBHOOK_REFUSED"
