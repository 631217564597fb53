"""Midtrans Core API: QRIS, GoPay and ShopeePay charges, status, cancel, refund, and the
HTTP notification with its `signature_key`. Wire format and sources: docs/gateways.md.

Every answer carries its own `status_code` in the body ("201" pending, "200" done,
"202" denied/cancelled/expired in notifications, "407" expired, 4xx refusals); that
number, not the HTTP status, says whether the call did what we asked.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

from cloud.gateways import http
from cloud.gateways.base import (
    CANCELLED,
    CURRENCY,
    EXPIRED,
    FAILED,
    PAID,
    PAYMENT,
    PENDING,
    REFUND,
    REFUND_SUCCEEDED,
    REFUNDED,
    ChargeRef,
    ChargeRequest,
    GatewayCharge,
    Outcome,
    RefundResult,
    decimal_free,
    minor_from_wire,
    whole_units,
)
from cloud.gateways.errors import (
    CallbackMalformed,
    GatewayBadResponse,
    GatewayRejected,
    GatewayUnsupported,
    InvalidChargeRequest,
)

NAME = "midtrans"
SANDBOX_URL = "https://api.sandbox.midtrans.com"
PRODUCTION_URL = "https://api.midtrans.com"
METHODS = frozenset({"qris", "gopay", "shopeepay"})
MIN_EXPIRY_S, MAX_EXPIRY_S = 20, 7 * 24 * 3600  # GoPay/QRIS limits in Midtrans' docs
_ORDER_ID = re.compile(r"^[A-Za-z0-9\-_.~]{1,50}$")
_REFUND_KEY = re.compile(r"^[A-Za-z0-9\-_]{1,50}$")
_WIB = timezone(timedelta(hours=7))  # Midtrans times are "YYYY-MM-DD HH:MM:SS" in GMT+7

# transaction_status -> (our status, what the outcome is about)
_STATUSES = {
    "pending": (PENDING, PAYMENT), "authorize": (PENDING, PAYMENT),
    "settlement": (PAID, PAYMENT), "capture": (PAID, PAYMENT),
    "deny": (FAILED, PAYMENT), "failure": (FAILED, PAYMENT),
    "cancel": (CANCELLED, PAYMENT), "expire": (EXPIRED, PAYMENT),
    "refund": (REFUNDED, REFUND), "chargeback": (REFUNDED, REFUND),
    "partial_refund": (REFUNDED, REFUND), "partial_chargeback": (REFUNDED, REFUND),
}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """SHA-512 hex of order_id + status_code + gross_amount + server key, the strings as sent."""
    return hashlib.sha512((order_id + status_code + gross_amount + server_key).encode("utf-8")).hexdigest()


def custom_expiry(seconds: int) -> dict:
    """Midtrans' `custom_expiry`, counted from the transaction time (no `order_time`)."""
    if not MIN_EXPIRY_S <= seconds <= MAX_EXPIRY_S:
        raise InvalidChargeRequest(NAME, f"Midtrans expiry must be {MIN_EXPIRY_S} s to 7 days",
                                   "INVALID_EXPIRY", "expiry_seconds")
    if seconds % 60 == 0:
        return {"expiry_duration": seconds // 60, "unit": "minute"}
    return {"expiry_duration": seconds, "unit": "second"}


def charge_body(request: ChargeRequest) -> dict:
    """The JSON of POST /v2/charge for a QRIS, GoPay or ShopeePay charge."""
    if request.method not in METHODS:
        raise GatewayUnsupported(NAME, f"Midtrans here takes {', '.join(sorted(METHODS))}, not {request.method}",
                                 "METHOD_NOT_SUPPORTED", "method")
    if not _ORDER_ID.match(request.order_id or ""):
        raise InvalidChargeRequest(NAME, "A Midtrans order_id is 1-50 letters, digits or - _ . ~",
                                   "INVALID_ORDER_ID", "order_id")
    body = {"payment_type": request.method,
            "transaction_details": {"order_id": request.order_id,
                                    "gross_amount": whole_units(NAME, request.amount, request.currency)},
            "custom_expiry": custom_expiry(request.expiry_seconds)}
    if request.method == "qris":
        body["qris"] = {"acquirer": "gopay"}
    elif request.method == "gopay" and request.return_url:
        body["gopay"] = {"enable_callback": True, "callback_url": request.return_url}
    elif request.method == "shopeepay":
        if not request.return_url:
            raise InvalidChargeRequest(NAME, "ShopeePay needs the URL the Shopee app returns the customer to",
                                       "RETURN_URL_REQUIRED", "return_url")
        body["shopeepay"] = {"callback_url": request.return_url}
    return body


def headers(server_key: str, notification_url: str | None = None) -> dict:
    """Core API headers; `X-Override-Notification` sends this charge's notifications to our URL."""
    result = {"Accept": "application/json", "Content-Type": "application/json",
              "Authorization": http.basic_auth(server_key)}
    if notification_url:
        result["X-Override-Notification"] = notification_url
    return result


def wib_time(value: object) -> datetime | None:
    """'2021-06-23 15:25:24' (GMT+7) -> naive UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        local = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=_WIB)
    except ValueError:
        return None
    return local.astimezone(UTC).replace(tzinfo=None)


def _required(payload: dict, key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise GatewayBadResponse(NAME, f"Midtrans answer without {key}")
    return value


def _checked(http_status: int, payload: dict, accepted: tuple[str, ...]) -> dict:
    """The payload if its status_code is one we expect, else the gateway's refusal."""
    code = str(payload.get("status_code") or http_status)
    if code in accepted:
        return payload
    message = str(payload.get("status_message") or f"Midtrans answered {code}")
    details = payload.get("validation_messages")
    if isinstance(details, list) and details:
        message = f"{message}: {'; '.join(str(item) for item in details)}"
    raise GatewayRejected(NAME, message, f"MIDTRANS_{code}")


def charge_from(payload: dict, request: ChargeRequest) -> GatewayCharge:
    """A POST /v2/charge answer (status_code 201, transaction_status pending) -> GatewayCharge."""
    status = payload.get("transaction_status")
    if status != "pending":
        raise GatewayRejected(NAME, str(payload.get("status_message") or f"Midtrans answered {status}"),
                              f"MIDTRANS_{str(status).upper()}")
    amount = minor_from_wire(NAME, payload.get("gross_amount"))
    if amount != request.amount or payload.get("order_id") != request.order_id:
        raise GatewayBadResponse(NAME, "Midtrans answered for another order or amount than we asked")
    deeplink = next((action.get("url") for action in payload.get("actions") or []
                     if isinstance(action, dict) and action.get("name") == "deeplink-redirect"), None)
    return GatewayCharge(provider=NAME, gateway_id=_required(payload, "transaction_id"),
                         order_id=request.order_id, method=request.method, status=PENDING, amount=amount,
                         currency=str(payload.get("currency") or CURRENCY), qr_string=payload.get("qr_string"),
                         deeplink_url=deeplink, expires_at=wib_time(payload.get("expiry_time")),
                         raw=decimal_free(payload))


def outcome_from(payload: dict) -> Outcome:
    """A status/cancel answer or an HTTP notification (same shape) -> Outcome."""
    transaction_id = _required(payload, "transaction_id")
    transaction_status = _required(payload, "transaction_status")
    if transaction_status not in _STATUSES:
        raise GatewayBadResponse(NAME, f"Unknown Midtrans transaction_status {transaction_status!r}")
    status, kind = _STATUSES[transaction_status]
    fraud = payload.get("fraud_status")
    if fraud == "deny":
        status = FAILED
    elif transaction_status == "capture" and fraud == "challenge":
        status = PENDING
    refunds = payload.get("refunds") if isinstance(payload.get("refunds"), list) else []
    if refunds:
        refunded = sum(minor_from_wire(NAME, item.get("refund_amount")) for item in refunds
                       if isinstance(item, dict))
    elif kind == REFUND and payload.get("refund_amount") is not None:
        refunded = minor_from_wire(NAME, payload.get("refund_amount"))
    else:
        refunded = 0
    gross = payload.get("gross_amount")
    key = ":".join([transaction_id, transaction_status, str(payload.get("status_code", "")),
                    str(len(refunds)), str(payload.get("refund_amount", ""))])
    return Outcome(provider=NAME, kind=kind, gateway_id=transaction_id, order_id=payload.get("order_id"),
                   status=status, amount=minor_from_wire(NAME, gross) if gross is not None else None,
                   currency=str(payload.get("currency") or CURRENCY), event_key=key, refunded_amount=refunded,
                   occurred_at=wib_time(payload.get("settlement_time")) or wib_time(payload.get("transaction_time")),
                   raw=decimal_free(payload))


def parse_callback(body: bytes) -> Outcome:
    """A notification body -> Outcome, before anything is verified (to find the charge,
    hence the tenant whose server key verifies it)."""
    payload = http.decode_callback(NAME, body)
    try:
        return outcome_from(payload)
    except GatewayBadResponse as error:
        raise CallbackMalformed(NAME, error.message) from error


class MidtransGateway:
    """One merchant's Midtrans account (server key), against `base_url` (sandbox by default)."""

    name = NAME
    methods = METHODS

    def __init__(self, server_key: str, *, base_url: str = SANDBOX_URL, timeout: float = 10.0):
        if not server_key:
            raise ValueError("a Midtrans server key is required")
        self.server_key = server_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None,
              notification_url: str | None = None) -> tuple[int, dict]:
        return http.send(NAME, method, self.base_url + path, headers=headers(self.server_key, notification_url),
                         body=body, timeout=self.timeout)

    @staticmethod
    def _path(ref: ChargeRef, action: str) -> str:
        return f"/v2/{quote(ref.gateway_id, safe='')}/{action}"

    def _outcome_for(self, ref: ChargeRef, payload: dict) -> Outcome:
        outcome = outcome_from(payload)
        if outcome.gateway_id != ref.gateway_id:
            raise GatewayBadResponse(NAME, "Midtrans answered about another transaction")
        return outcome

    def charge(self, request: ChargeRequest) -> GatewayCharge:
        body = charge_body(request)
        status, payload = self._call("POST", "/v2/charge", body, request.notification_url)
        return charge_from(_checked(status, payload, ("201",)), request)

    def status(self, ref: ChargeRef) -> Outcome:
        status, payload = self._call("GET", self._path(ref, "status"))
        return self._outcome_for(ref, _checked(status, payload, ("200", "201", "202", "407")))

    def cancel(self, ref: ChargeRef) -> Outcome:
        status, payload = self._call("POST", self._path(ref, "cancel"))
        return self._outcome_for(ref, _checked(status, payload, ("200",)))

    def refund(self, ref: ChargeRef, *, amount: int, refund_key: str, reason: str) -> RefundResult:
        if not _REFUND_KEY.match(refund_key or ""):
            raise InvalidChargeRequest(NAME, "A Midtrans refund_key is 1-50 letters, digits, - or _",
                                       "INVALID_REFUND_KEY", "refund_key")
        body = {"refund_key": refund_key, "amount": whole_units(NAME, amount), "reason": reason[:255]}
        status, payload = self._call("POST", self._path(ref, "refund"), body)
        payload = _checked(status, payload, ("200",))
        refunded = payload.get("refund_amount")
        return RefundResult(provider=NAME, gateway_refund_id=str(payload.get("refund_chargeback_id") or refund_key),
                            status=REFUND_SUCCEEDED,
                            amount=minor_from_wire(NAME, refunded) if refunded is not None else amount,
                            raw=decimal_free(payload))

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when `signature_key` is SHA-512 over the received strings and our server key."""
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return False
        if not isinstance(payload, dict):
            return False
        fields = [payload.get(key) for key in ("order_id", "status_code", "gross_amount", "signature_key")]
        if not all(isinstance(value, str) for value in fields):
            return False
        order_id, status_code, gross_amount, received = fields
        expected = signature(order_id, status_code, gross_amount, self.server_key)
        return hmac.compare_digest(expected.encode("ascii"), received.encode("utf-8"))

    def parse_callback(self, body: bytes) -> Outcome:
        return parse_callback(body)
