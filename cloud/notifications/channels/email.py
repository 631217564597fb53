"""Email over SMTP, any server: smtplib, STARTTLS or implicit TLS, optional login.

`build_email` makes the MIME message (pure: tested without a server): From, To,
Subject, Date, a Message-ID in the sender's domain (the provider id we keep; the
same for every attempt of one notification),
`Auto-Submitted: auto-generated` (RFC 3834: automated mail, no auto-replies) and our
reference in `X-POS-Notification`; a text part and, when the template gave HTML, an
HTML alternative. `EmailChannel.send` hands it to the server and turns smtplib's
exceptions into domain errors by the SMTP reply code: 4xx is temporary (retry), 5xx
permanent (a refused mailbox is `RecipientInvalid`, a refused login or sender
`ChannelMisconfigured`); no answer, a dropped connection or a timeout retries.
Certificates are verified (against `ca_file` when set, else the system's CAs), and a
password is never sent over a connection without TLS except to a loopback server.
"""
from __future__ import annotations

import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from cloud.notifications.channels.base import SENT, Message, SendResult
from cloud.notifications.errors import (
    ChannelMisconfigured,
    DeliveryError,
    DeliveryPermanent,
    DeliveryRetryable,
    RecipientInvalid,
)

CHANNEL = "email"
SECURITY = ("starttls", "ssl", "none")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]"
                     r"(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def email_address(raw: str, field: str = "recipient") -> str:
    """One plain address ('budi@example.com'), or RecipientInvalid. No display names, no
    lists, no line breaks (a header injection), a dotted domain (or localhost)."""
    value = (raw or "").strip()
    name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if (not value or "\r" in value or "\n" in value or name or address != value or not at
            or not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local
            or not _DOMAIN.match(domain) or ("." not in domain and domain != "localhost")):
        raise RecipientInvalid(CHANNEL, f"not an email address: {raw!r}", "INVALID_EMAIL", field=field)
    return address


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str                     # "Warung Pizza <noreply@warungpizza.id>" or a bare address
    port: int = 587
    security: str = "starttls"      # starttls (587), ssl (465, implicit TLS) or none
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0
    ca_file: str | None = None      # trust this CA bundle (PEM) instead of the system's

    def __post_init__(self):
        if self.security not in SECURITY:
            raise ValueError(f"SMTP security is one of {', '.join(SECURITY)}, not {self.security!r}")
        if not 0 < self.port < 65536:
            raise ValueError("the SMTP port is 1 to 65535")
        try:
            email_address(parseaddr(self.sender)[1], "sender")
        except RecipientInvalid:
            raise ValueError(f"the SMTP sender must be an address such as 'Shop <noreply@shop.id>', "
                             f"not {self.sender!r}") from None
        if self.username and self.security == "none" and not _loopback(self.host):
            raise ValueError("refusing to send an SMTP password without TLS: set security to starttls or ssl")

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings | None:
        """From the cloud's settings (`Config.as_dict()`); None when no SMTP host is set."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(host=config["SMTP_HOST"], sender=config.get("SMTP_FROM") or "",
                   port=int(config.get("SMTP_PORT") or 587), security=config.get("SMTP_SECURITY") or "starttls",
                   username=config.get("SMTP_USER") or "", password=config.get("SMTP_PASSWORD") or "",
                   timeout_s=float(config.get("NOTIFY_TIMEOUT_S") or 10), ca_file=config.get("SMTP_CA_FILE") or None)

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


def message_id(reference: str | None, domain: str) -> str:
    """`<pos.{reference}@{domain}>` for a message with our reference, so that sending the same
    notification again (after a worker died between the server's 250 and our record of
    it) carries the same Message-ID, which mail clients show once; a random one otherwise."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", reference or "")[:128]
    return f"<pos.{safe}@{domain}>" if safe else make_msgid(domain=domain)


def build_email(settings: SmtpSettings, message: Message) -> EmailMessage:
    """The MIME message for one recipient; RecipientInvalid / DeliveryPermanent if it cannot be."""
    recipient = email_address(message.recipient)
    subject = " ".join(message.subject.split())
    if not subject:
        raise DeliveryPermanent(CHANNEL, "an email needs a subject", "SUBJECT_REQUIRED", field="subject")
    if not message.text.strip():
        raise DeliveryPermanent(CHANNEL, "an email needs a text body", "EMPTY_MESSAGE", field="text")
    name, address = parseaddr(settings.sender)
    local, _, domain = address.rpartition("@")
    mail = EmailMessage()
    mail["From"] = Address(display_name=name, username=local, domain=domain)
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id(message.reference, domain)
    mail["Auto-Submitted"] = "auto-generated"
    if message.reference:
        mail["X-POS-Notification"] = " ".join(message.reference.split())
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


def _by_reply_code(code: int | None, text: str, error_code: str, *, permanent=DeliveryPermanent) -> DeliveryError:
    if code is not None and 400 <= code < 500:
        return DeliveryRetryable(CHANNEL, text, error_code, provider_code=code)
    if code is not None and 500 <= code < 600:
        return permanent(CHANNEL, text, error_code, provider_code=code)
    return DeliveryRetryable(CHANNEL, text, error_code, provider_code=code)


def _reply(error: smtplib.SMTPResponseException) -> str:
    message = error.smtp_error
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def classify(error: Exception) -> DeliveryError:
    """An smtplib/socket/ssl failure as a domain error (see the module docstring)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return _by_reply_code(code, f"the server refused the recipient: {code} {text}", "SMTP_RECIPIENT_REFUSED",
                              permanent=RecipientInvalid)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _by_reply_code(error.smtp_code, f"the server refused the sender: {error.smtp_code} {_reply(error)}",
                              "SMTP_SENDER_REFUSED", permanent=ChannelMisconfigured)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return _by_reply_code(error.smtp_code, f"the server refused the login: {error.smtp_code} {_reply(error)}",
                              "SMTP_AUTH_FAILED", permanent=ChannelMisconfigured)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ChannelMisconfigured(CHANNEL, f"the server does not offer what the settings ask: {error}",
                                    "SMTP_NOT_SUPPORTED")
    if isinstance(error, smtplib.SMTPDataError):
        return _by_reply_code(error.smtp_code, f"the server refused the message: {error.smtp_code} {_reply(error)}",
                              "SMTP_MESSAGE_REFUSED")
    if isinstance(error, smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return _by_reply_code(error.smtp_code, f"the server refused the session: {error.smtp_code} {_reply(error)}",
                              "SMTP_SESSION_REFUSED", permanent=ChannelMisconfigured)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_reply_code(error.smtp_code, f"the server answered {error.smtp_code} {_reply(error)}", "SMTP_ERROR")
    if isinstance(error, ssl.SSLCertVerificationError):
        return ChannelMisconfigured(CHANNEL, f"the server's certificate does not verify: {error.verify_message}",
                                    "SMTP_TLS_UNVERIFIED")
    if isinstance(error, ssl.SSLError):
        return ChannelMisconfigured(CHANNEL, f"TLS with the server failed ({error.reason or error}); check the port "
                                             "and security setting", "SMTP_TLS_FAILED")
    if isinstance(error, TimeoutError | socket.timeout) or isinstance(error.__context__, TimeoutError | socket.timeout):
        # smtplib reports a read that timed out as SMTPServerDisconnected("...: timed out")
        return DeliveryRetryable(CHANNEL, "the SMTP server did not answer in time (it may have taken the message)",
                                 "SMTP_TIMEOUT")
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return DeliveryRetryable(CHANNEL, f"the SMTP server could not be reached: {type(error).__name__}: {error}",
                                 "SMTP_UNREACHABLE")
    raise error


class EmailChannel:
    name = CHANNEL

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_s, context=self._tls())
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)

    def send(self, message: Message) -> SendResult:
        try:
            mail = build_email(self.settings, message)
        except DeliveryError as error:
            return SendResult.failed(error)
        try:
            with self._connect() as client:
                client.ehlo()
                if self.settings.security == "starttls":
                    if not client.has_extn("starttls"):
                        raise smtplib.SMTPNotSupportedError("STARTTLS is not offered by the server")
                    client.starttls(context=self._tls())
                    client.ehlo()
                if self.settings.username:
                    client.login(self.settings.username, self.settings.password)
                client.send_message(mail, from_addr=self.settings.sender_address, to_addrs=[message.recipient.strip()])
        except (smtplib.SMTPException, OSError) as error:
            return SendResult.failed(classify(error))
        return SendResult(SENT, mail["Message-ID"], provider_status="250")
