"""WhatsApp through Meta's WhatsApp Business Cloud API (docs/notifications.md).

`POST {api_url}/{api_version}/{phone_number_id}/messages` with `Authorization: Bearer
<access token>` and a JSON message: `{"messaging_product": "whatsapp",
"recipient_type": "individual", "to": "+62812…", "type": "text", "text": {"body": …,
"preview_url": false}}`, or `"type": "template"` with a Meta-approved template's name,
language and body parameters. The answer names the message:
`{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages":
[{"id": "wamid.…"}]}`; what happens next (sent, delivered, read, failed) arrives by
webhook (`whatsapp_webhooks`).

Refusals carry Graph API errors `{"error": {"message", "type", "code", "error_data":
{"details"}, "fbtrace_id"}}`. Meta asks clients to act on `code`, not the HTTP status;
`classify` does, and falls back to the status (5xx and 429 retry, other 4xx do not).
Request building and answer reading are pure functions, tested against Meta's
published examples; the class only sends.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from cloud.notifications.channels.base import SENT, Message, SendResult
from cloud.notifications.errors import (
    ChannelMisconfigured,
    DeliveryError,
    DeliveryPermanent,
    DeliveryRetryable,
    RecipientInvalid,
)
from sync import phones

CHANNEL = "whatsapp"
DEFAULT_API_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
DEFAULT_COUNTRY_CODE = "62"     # sync.phones keeps Indonesian numbers in national form (0812…)
CONNECT_TIMEOUT_S = 3.05
MAX_TEXT_CHARS = 4096           # text.body: "Maximum 4096 characters"
MAX_REFERENCE_CHARS = 512       # biz_opaque_callback_data
_VERSION = re.compile(r"^v\d{1,3}\.\d{1,2}$")

# Meta error codes (Cloud API error codes page; pywa's errors module groups them the same way).
RETRYABLE_CODES = {
    1,        # API Unknown: invalid request or possible server error
    2,        # API Service: temporary, downtime or overload
    4,        # API Too Many Calls: app rate limit
    80007,    # WhatsApp Business Account rate limit
    130429,   # Rate limit hit: Cloud API throughput
    131000,   # Something went wrong
    131016,   # Service unavailable
    131048,   # Spam rate limit hit: restricted for now
    131056,   # (business, consumer) pair rate limit
}
RECIPIENT_CODES = {
    131021,   # recipient cannot be sender
    131026,   # message undeliverable: not on WhatsApp, old app, terms not accepted, blocked
    131030,   # recipient not in the allowed list (test numbers)
    131049,   # not delivered to keep the ecosystem healthy (per-user marketing limit)
    131050,   # user stopped marketing messages
    130472,   # user's number is part of an experiment
}
CONFIGURATION_CODES = {
    0, 3, 10, 190,   # authentication and permissions (190: access token expired)
    33,              # the business phone number was deleted
    368, 131031,     # account restricted or locked for policy violations
    131042,          # business payment issue
    131045,          # incorrect certificate
    131037,          # display name not approved
    132001,          # template does not exist
    132015, 132016,  # template paused, disabled
}


@dataclass(frozen=True)
class WhatsAppSettings:
    phone_number_id: str
    access_token: str
    app_secret: str = ""           # verifies status webhooks (X-Hub-Signature-256)
    verify_token: str = ""         # answers Meta's webhook subscription check
    api_url: str = DEFAULT_API_URL
    api_version: str = DEFAULT_API_VERSION
    timeout_s: float = 10.0
    country_code: str = DEFAULT_COUNTRY_CODE

    def __post_init__(self):
        if not _VERSION.match(self.api_version):
            raise ValueError(f"WhatsApp API version must look like v25.0, not {self.api_version!r}")
        if not self.phone_number_id.isdigit():
            raise ValueError("the WhatsApp phone number id is the number Meta shows (digits only)")
        if not self.api_url.startswith(("http://", "https://")):
            raise ValueError("the WhatsApp API URL must be an http(s) URL")

    @classmethod
    def from_config(cls, config: Mapping) -> WhatsAppSettings | None:
        """From the cloud's settings (`Config.as_dict()`); None when no phone number id is set."""
        if not config.get("WHATSAPP_PHONE_NUMBER_ID"):
            return None
        return cls(phone_number_id=str(config["WHATSAPP_PHONE_NUMBER_ID"]),
                   access_token=config.get("WHATSAPP_ACCESS_TOKEN") or "",
                   app_secret=config.get("WHATSAPP_APP_SECRET") or "",
                   verify_token=config.get("WHATSAPP_VERIFY_TOKEN") or "",
                   api_url=(config.get("WHATSAPP_API_URL") or DEFAULT_API_URL).rstrip("/"),
                   api_version=config.get("WHATSAPP_API_VERSION") or DEFAULT_API_VERSION,
                   timeout_s=float(config.get("NOTIFY_TIMEOUT_S") or 10))

    @property
    def messages_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"


def whatsapp_number(raw: str, country_code: str = DEFAULT_COUNTRY_CODE) -> str:
    """A phone number as Meta takes it: E.164 with '+' ('+6281234567890').

    Normalised by `sync.phones` first (the customers module's rule), whose national form
    (0812…) is Indonesian: the leading 0 becomes the country code.
    """
    try:
        phone = phones.normalize(raw)
    except phones.PhoneError as error:
        raise RecipientInvalid(CHANNEL, f"not a phone number: {error}", "INVALID_PHONE", field="recipient") from None
    return "+" + country_code + phone[1:] if phone.startswith("0") else phone


def build_request(settings: WhatsAppSettings, message: Message) -> tuple[str, dict, dict]:
    """(URL, headers, JSON body) of the send; raises DeliveryPermanent for a message
    WhatsApp would refuse anyway (no text, too long)."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": whatsapp_number(message.recipient, settings.country_code)}
    template = message.whatsapp_template
    # Meta's template object (WhatsApp Node.js SDK, api-reference/types/TemplateObject, and Cloud API
    # "Send message templates"): {"name", "language": {"code"}, "components": [{"type": "body",
    # "parameters": [{"type": "text", "text": ...}]}]}; the parameters fill {{1}}, {{2}}, ... in order
    if template is not None:
        component = [{"type": "body", "parameters": [{"type": "text", "text": value}
                                                      for value in template.parameters]}]
        body.update(type="template", template={"name": template.name, "language": {"code": template.language},
                                               **({"components": component} if template.parameters else {})})
    else:
        if not message.text.strip():
            raise DeliveryPermanent(CHANNEL, "a WhatsApp text message needs a body", "EMPTY_MESSAGE", field="text")
        if len(message.text) > MAX_TEXT_CHARS:
            raise DeliveryPermanent(CHANNEL, f"a WhatsApp text is at most {MAX_TEXT_CHARS} characters",
                                    "MESSAGE_TOO_LONG", field="text")
        body.update(type="text", text={"preview_url": False, "body": message.text})
    if message.reference:
        body["biz_opaque_callback_data"] = message.reference[:MAX_REFERENCE_CHARS]
    headers = {"Authorization": f"Bearer {settings.access_token}", "Content-Type": "application/json",
               "Accept": "application/json"}
    return settings.messages_url, headers, body


def _retry_after(headers: Mapping) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def classify(http_status: int, error: dict | None, headers: Mapping | None = None) -> DeliveryError:
    """A refused send as a domain error: Meta's `code` first, the HTTP status otherwise."""
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    text = str(error.get("message") or f"WhatsApp answered {http_status}")
    if details and details not in text:
        text = f"{text}: {details}"
    our_code = f"WHATSAPP_{code}" if code is not None else f"WHATSAPP_HTTP_{http_status}"
    retry_after = _retry_after(headers or {})
    if code in RETRYABLE_CODES:
        return DeliveryRetryable(CHANNEL, text, our_code, provider_code=code, retry_after_s=retry_after)
    if code in RECIPIENT_CODES:
        return RecipientInvalid(CHANNEL, text, our_code, provider_code=code)
    if code in CONFIGURATION_CODES or (code is not None and 200 <= code <= 299):
        return ChannelMisconfigured(CHANNEL, text, our_code, provider_code=code)
    if http_status >= 500 or http_status == 429:
        return DeliveryRetryable(CHANNEL, text, our_code, provider_code=code, retry_after_s=retry_after)
    if http_status in (401, 403):
        return ChannelMisconfigured(CHANNEL, text, our_code, provider_code=code)
    return DeliveryPermanent(CHANNEL, text, our_code, provider_code=code)


def read_answer(http_status: int, body: str, headers: Mapping | None = None) -> SendResult:
    """The result of one send from Meta's answer (status, raw body, headers)."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = None
    if http_status != 200:
        error = payload.get("error") if isinstance(payload, dict) else None
        return SendResult.failed(classify(http_status, error, headers))
    messages = payload.get("messages") if isinstance(payload, dict) else None
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    message_id = first.get("id")
    if not isinstance(message_id, str) or not message_id:
        # it may have been taken: failing for good is better than sending it twice
        return SendResult.failed(DeliveryPermanent(CHANNEL, "WhatsApp answered 200 without a message id",
                                                   "WHATSAPP_BAD_RESPONSE"))
    contacts = payload.get("contacts") if isinstance(payload.get("contacts"), list) else []
    wa_id = contacts[0].get("wa_id") if contacts and isinstance(contacts[0], dict) else None
    return SendResult(SENT, message_id, provider_status=first.get("message_status") or "accepted",
                      details={"wa_id": wa_id} if wa_id else {})


class WhatsAppChannel:
    name = CHANNEL

    def __init__(self, settings: WhatsAppSettings, session: requests.Session | None = None):
        self.settings = settings
        self.session = session or requests.Session()

    def send(self, message: Message) -> SendResult:
        try:
            url, headers, body = build_request(self.settings, message)
        except DeliveryError as error:
            return SendResult.failed(error)
        if not self.settings.access_token:
            return SendResult.failed(ChannelMisconfigured(CHANNEL, "no WhatsApp access token is set",
                                                          "WHATSAPP_NOT_CONFIGURED"))
        try:
            response = self.session.post(url, headers=headers, data=json.dumps(body, separators=(",", ":")),
                                         timeout=(CONNECT_TIMEOUT_S, self.settings.timeout_s),
                                         allow_redirects=False)
        except requests.Timeout:
            return SendResult.failed(DeliveryRetryable(
                CHANNEL, f"WhatsApp did not answer within {self.settings.timeout_s:g} s (it may have taken the "
                         "message)", "WHATSAPP_TIMEOUT"))
        except requests.RequestException as error:
            return SendResult.failed(DeliveryRetryable(CHANNEL, f"WhatsApp could not be reached: "
                                                                f"{type(error).__name__}", "WHATSAPP_UNREACHABLE"))
        return read_answer(response.status_code, response.text, response.headers)
