"""Xendit: dynamic QRIS through the QR Codes API (api-version 2022-07-31), OVO, DANA and
ShopeePay through the eWallet Charges API, refunds, and callbacks authenticated by the
`x-callback-token` header. Wire format and sources: docs/gateways.md.

Xendit takes the callback URL from the account's dashboard, not from the request, and
offers no way to withdraw a pending QR or e-wallet charge: it stays payable until it
expires, so `cancel` says so instead of pretending.
"""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
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
    REFUND_FAILED,
    REFUND_PENDING,
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
    CallbackIgnored,
    CallbackMalformed,
    GatewayBadResponse,
    GatewayRejected,
    GatewayUnsupported,
    InvalidChargeRequest,
)
from sync.timeutil import parse_iso

NAME = "xendit"
BASE_URL = "https://api.xendit.co"  # one host; test mode is the key's (xnd_development_...)
QR_API_VERSION = "2022-07-31"
EWALLET_CHANNELS = {"ovo": "ID_OVO", "dana": "ID_DANA", "shopeepay": "ID_SHOPEEPAY"}
METHODS = frozenset({"qris", *EWALLET_CHANNELS})
REFUND_REASONS = ("FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS")
CALLBACK_TOKEN_HEADER = "x-callback-token"
# A failed e-wallet charge with this code was never authorised in time: it expired.
EXPIRY_FAILURE_CODES = frozenset({"USER_DID_NOT_AUTHORIZE_THE_PAYMENT"})
_EWALLET_STATUSES = {"PENDING": PENDING, "SUCCEEDED": PAID, "FAILED": FAILED, "VOIDED": CANCELLED}
_REFUND_STATUSES = {"PENDING": REFUND_PENDING, "SUCCEEDED": REFUND_SUCCEEDED, "FAILED": REFUND_FAILED}


def xendit_time(value: datetime) -> str:
    """Naive UTC -> '2022-07-31T17:00:00.000Z'."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def headers(secret_key: str, *, api_version: str | None = None, idempotency_key: str | None = None) -> dict:
    result = {"Accept": "application/json", "Content-Type": "application/json",
              "Authorization": http.basic_auth(secret_key)}
    if api_version:
        result["api-version"] = api_version
    if idempotency_key:
        result["idempotency-key"] = idempotency_key
    return result


def _reference(request: ChargeRequest) -> str:
    if not request.order_id or len(request.order_id) > 255:
        raise InvalidChargeRequest(NAME, "A Xendit reference_id is 1-255 characters", "INVALID_ORDER_ID", "order_id")
    return request.order_id


def qr_code_body(request: ChargeRequest, now: datetime) -> dict:
    """POST /qr_codes (api-version 2022-07-31): a one-time dynamic QRIS for the amount."""
    if request.expiry_seconds <= 0:
        raise InvalidChargeRequest(NAME, "The QR must expire in the future", "INVALID_EXPIRY", "expiry_seconds")
    return {"reference_id": _reference(request), "type": "DYNAMIC", "currency": request.currency,
            "amount": whole_units(NAME, request.amount, request.currency),
            "expires_at": xendit_time(now + timedelta(seconds=request.expiry_seconds))}


def ewallet_charge_body(request: ChargeRequest) -> dict:
    """POST /ewallets/charges: a one-time checkout on OVO (push to the phone) or DANA /
    ShopeePay (redirect, then back to `return_url`)."""
    channel = EWALLET_CHANNELS[request.method]
    if channel == "ID_OVO":
        phone = request.customer_phone or ""
        if not (phone.startswith("+62") and phone[1:].isdigit()):
            raise InvalidChargeRequest(NAME, "OVO needs the customer's phone as +62...", "PHONE_REQUIRED",
                                       "customer_phone")
        properties = {"mobile_number": phone}
    else:
        if not request.return_url:
            raise InvalidChargeRequest(NAME, "DANA and ShopeePay need the URL the app returns the customer to",
                                       "RETURN_URL_REQUIRED", "return_url")
        properties = {"success_redirect_url": request.return_url}
    return {"reference_id": _reference(request), "currency": request.currency,
            "amount": whole_units(NAME, request.amount, request.currency),
            "checkout_method": "ONE_TIME_PAYMENT", "channel_code": channel, "channel_properties": properties}


def _required(payload: dict, key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise GatewayBadResponse(NAME, f"Xendit answer without {key}")
    return value


def _checked(http_status: int, payload: dict) -> dict:
    if 200 <= http_status < 300:
        return payload
    code = str(payload.get("error_code") or f"XENDIT_{http_status}")
    raise GatewayRejected(NAME, str(payload.get("message") or f"Xendit answered {http_status}"), code)


def _check_order(payload: dict, request: ChargeRequest, amount_key: str) -> int:
    amount = minor_from_wire(NAME, payload.get(amount_key))
    if amount != request.amount or payload.get("reference_id") != request.order_id:
        raise GatewayBadResponse(NAME, "Xendit answered for another reference or amount than we asked")
    return amount


def charge_from_qr(payload: dict, request: ChargeRequest) -> GatewayCharge:
    if payload.get("status") != "ACTIVE":
        raise GatewayRejected(NAME, f"Xendit created the QR as {payload.get('status')}", "QR_NOT_ACTIVE")
    amount = _check_order(payload, request, "amount")
    return GatewayCharge(provider=NAME, gateway_id=_required(payload, "id"), order_id=request.order_id,
                         method="qris", status=PENDING, amount=amount,
                         currency=str(payload.get("currency") or CURRENCY), qr_string=_required(payload, "qr_string"),
                         deeplink_url=None, expires_at=_time(payload.get("expires_at")), raw=decimal_free(payload))


def charge_from_ewallet(payload: dict, request: ChargeRequest) -> GatewayCharge:
    if payload.get("status") != "PENDING":
        raise GatewayRejected(NAME, f"Xendit answered the charge as {payload.get('status')} "
                                    f"({payload.get('failure_code')})", f"EWALLET_{payload.get('status')}")
    amount = _check_order(payload, request, "charge_amount")
    actions = payload.get("actions") if isinstance(payload.get("actions"), dict) else {}
    deeplink = (actions.get("mobile_deeplink_checkout_url") or actions.get("mobile_web_checkout_url")
                or actions.get("desktop_web_checkout_url"))
    return GatewayCharge(provider=NAME, gateway_id=_required(payload, "id"), order_id=request.order_id,
                         method=request.method, status=PENDING, amount=amount,
                         currency=str(payload.get("currency") or CURRENCY),
                         qr_string=actions.get("qr_checkout_string"), deeplink_url=deeplink, expires_at=None,
                         raw=decimal_free(payload))


def outcome_from_qr(qr: dict, payments: list[dict]) -> Outcome:
    """GET /qr_codes/{id} and its payments -> pending, paid, or expired (an INACTIVE,
    unpaid dynamic QR: Xendit deactivates it at expires_at)."""
    qr_id = _required(qr, "id")
    paid = next((item for item in payments if isinstance(item, dict) and item.get("status") == "SUCCEEDED"), None)
    if paid is not None:
        status, amount, payment_id, when = PAID, paid.get("amount"), paid.get("id"), _time(paid.get("created"))
    else:
        status = EXPIRED if qr.get("status") == "INACTIVE" else PENDING
        amount, payment_id, when = qr.get("amount"), None, _time(qr.get("updated"))
    return Outcome(provider=NAME, kind=PAYMENT, gateway_id=qr_id, order_id=qr.get("reference_id"), status=status,
                   amount=minor_from_wire(NAME, amount) if amount is not None else None,
                   currency=str(qr.get("currency") or CURRENCY), event_key=f"qr:{qr_id}:{status}:{payment_id or ''}",
                   payment_id=payment_id, occurred_at=when,
                   raw=decimal_free({"qr_code": qr, "payments": payments}))


def outcome_from_ewallet(charge: dict, event: str = "ewallet.charge") -> Outcome:
    charge_id = _required(charge, "id")
    raw_status = charge.get("status")
    if raw_status not in _EWALLET_STATUSES:
        raise GatewayBadResponse(NAME, f"Unknown Xendit e-wallet status {raw_status!r}")
    status = _EWALLET_STATUSES[raw_status]
    if status == FAILED and charge.get("failure_code") in EXPIRY_FAILURE_CODES:
        status = EXPIRED
    amount = charge.get("capture_amount") if charge.get("capture_amount") is not None else charge.get("charge_amount")
    refunded = charge.get("refunded_amount")
    return Outcome(provider=NAME, kind=PAYMENT, gateway_id=charge_id, order_id=charge.get("reference_id"),
                   status=status, amount=minor_from_wire(NAME, amount) if amount is not None else None,
                   currency=str(charge.get("currency") or CURRENCY), event_key=f"{event}:{charge_id}:{raw_status}",
                   refunded_amount=minor_from_wire(NAME, refunded) if refunded else 0,
                   occurred_at=_time(charge.get("updated")), raw=decimal_free(charge))


def _data(payload: dict) -> dict:
    data = payload.get("data")
    if not isinstance(data, dict):
        raise GatewayBadResponse(NAME, "Xendit callback without data")
    return data


def outcome_from_callback(payload: dict) -> Outcome:
    """qr.payment, ewallet.capture / ewallet.void, refund.succeeded / refund.failed."""
    event = payload.get("event")
    if event == "qr.payment":
        data = _data(payload)
        qr_id, payment_id = _required(data, "qr_id"), _required(data, "id")
        status = PAID if data.get("status") == "SUCCEEDED" else FAILED
        return Outcome(provider=NAME, kind=PAYMENT, gateway_id=qr_id, order_id=data.get("reference_id"),
                       status=status, amount=minor_from_wire(NAME, data.get("amount")),
                       currency=str(data.get("currency") or CURRENCY),
                       event_key=f"qr.payment:{payment_id}:{data.get('status')}", payment_id=payment_id,
                       occurred_at=_time(data.get("created")), raw=decimal_free(payload))
    if event in ("ewallet.capture", "ewallet.void"):
        return replace(outcome_from_ewallet(_data(payload), event), raw=decimal_free(payload))
    if event in ("refund.succeeded", "refund.failed"):
        data = _data(payload)
        refund_id = _required(data, "id")
        charge_id = data.get("payment_request_id") or _required(data, "payment_id")
        succeeded = event == "refund.succeeded"
        return Outcome(provider=NAME, kind=REFUND, gateway_id=charge_id, order_id=None,
                       status=REFUNDED if succeeded else FAILED, amount=minor_from_wire(NAME, data.get("amount")),
                       currency=str(data.get("currency") or CURRENCY), event_key=f"{event}:{refund_id}",
                       payment_id=refund_id, occurred_at=_time(data.get("updated")), raw=decimal_free(payload))
    raise CallbackIgnored(NAME, f"Xendit event {event!r} is not one we act on")


def refund_reason(reason: str) -> str:
    """Xendit takes a reason code; free text travels as metadata where the API allows it."""
    upper = (reason or "").strip().upper()
    return upper if upper in REFUND_REASONS else "OTHERS"


def refund_from(payload: dict, amount_key: str) -> RefundResult:
    status = _REFUND_STATUSES.get(str(payload.get("status")))
    if status is None:
        raise GatewayBadResponse(NAME, f"Unknown Xendit refund status {payload.get('status')!r}")
    return RefundResult(provider=NAME, gateway_refund_id=_required(payload, "id"), status=status,
                        amount=minor_from_wire(NAME, payload.get(amount_key)), raw=decimal_free(payload))


def parse_callback(body: bytes) -> Outcome:
    """A callback body -> Outcome, before anything is verified (to find the charge, hence
    the tenant whose callback token verifies it)."""
    payload = http.decode_callback(NAME, body)
    try:
        return outcome_from_callback(payload)
    except GatewayBadResponse as error:
        raise CallbackMalformed(NAME, error.message) from error


class XenditGateway:
    """One merchant's Xendit account: secret API key for calls, callback token for webhooks."""

    name = NAME
    methods = METHODS

    def __init__(self, secret_key: str, callback_token: str, *, base_url: str = BASE_URL, timeout: float = 10.0):
        if not secret_key or not callback_token:
            raise ValueError("a Xendit secret key and callback token are required")
        self.secret_key = secret_key
        self.callback_token = callback_token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None, *, api_version: str | None = None,
              idempotency_key: str | None = None) -> dict:
        status, payload = http.send(NAME, method, self.base_url + path,
                                    headers=headers(self.secret_key, api_version=api_version,
                                                    idempotency_key=idempotency_key),
                                    body=body, timeout=self.timeout)
        return _checked(status, payload)

    @staticmethod
    def _supported(method: str) -> None:
        if method not in METHODS:
            raise GatewayUnsupported(NAME, f"Xendit here takes {', '.join(sorted(METHODS))}, not {method}",
                                     "METHOD_NOT_SUPPORTED", "method")

    def charge(self, request: ChargeRequest) -> GatewayCharge:
        self._supported(request.method)
        if request.method == "qris":
            now = datetime.now(UTC).replace(tzinfo=None)
            payload = self._call("POST", "/qr_codes", qr_code_body(request, now), api_version=QR_API_VERSION)
            return charge_from_qr(payload, request)
        payload = self._call("POST", "/ewallets/charges", ewallet_charge_body(request))
        return charge_from_ewallet(payload, request)

    def _qr_payments(self, qr_id: str) -> list[dict]:
        payload = self._call("GET", f"/qr_codes/{quote(qr_id, safe='')}/payments", api_version=QR_API_VERSION)
        data = payload.get("data")
        if not isinstance(data, list):
            raise GatewayBadResponse(NAME, "Xendit QR payments answer without data")
        return data

    def status(self, ref: ChargeRef) -> Outcome:
        self._supported(ref.method)
        if ref.method == "qris":
            qr = self._call("GET", f"/qr_codes/{quote(ref.gateway_id, safe='')}", api_version=QR_API_VERSION)
            outcome = outcome_from_qr(qr, self._qr_payments(ref.gateway_id))
        else:
            outcome = outcome_from_ewallet(self._call("GET", f"/ewallets/charges/{quote(ref.gateway_id, safe='')}"))
        if outcome.gateway_id != ref.gateway_id:
            raise GatewayBadResponse(NAME, "Xendit answered about another charge")
        return outcome

    def cancel(self, ref: ChargeRef) -> Outcome:
        self._supported(ref.method)
        raise GatewayUnsupported(NAME, "Xendit cannot withdraw a pending QR or e-wallet charge: it stays payable "
                                       "until it expires, and a late payment must be refunded",
                                 "CANCEL_NOT_SUPPORTED")

    def refund(self, ref: ChargeRef, *, amount: int, refund_key: str, reason: str) -> RefundResult:
        self._supported(ref.method)
        whole = whole_units(NAME, amount)
        if not refund_key:
            raise InvalidChargeRequest(NAME, "A refund needs its idempotency key", "INVALID_REFUND_KEY", "refund_key")
        if ref.method == "qris":
            paid = next((item for item in self._qr_payments(ref.gateway_id) if item.get("status") == "SUCCEEDED"),
                        None)
            if paid is None:
                raise GatewayRejected(NAME, "This QR has no successful payment to refund", "NO_PAYMENT_TO_REFUND")
            payload = self._call("POST", f"/qr_codes/payments/{quote(_required(paid, 'id'), safe='')}/refunds",
                                 {"amount": whole, "reason": refund_reason(reason)},
                                 api_version=QR_API_VERSION, idempotency_key=refund_key)
            return refund_from(payload, "refund_amount")
        body = {"payment_request_id": ref.gateway_id, "reference_id": refund_key, "amount": whole,
                "currency": CURRENCY, "reason": refund_reason(reason), "metadata": {"note": (reason or "")[:255]}}
        return refund_from(self._call("POST", "/refunds", body, idempotency_key=refund_key), "amount")

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the `x-callback-token` header is our account's callback token."""
        received = headers.get(CALLBACK_TOKEN_HEADER)
        if received is None:  # a plain dict is case-sensitive; werkzeug's Headers are not
            received = next((value for key, value in headers.items() if key.lower() == CALLBACK_TOKEN_HEADER), None)
        if not isinstance(received, str):
            return False
        return hmac.compare_digest(self.callback_token.encode("utf-8"), received.encode("utf-8"))

    def parse_callback(self, body: bytes) -> Outcome:
        return parse_callback(body)
