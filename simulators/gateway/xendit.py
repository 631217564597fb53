"""Xendit, the subset a till uses: the QR Codes API at api-version 2022-07-31 (POST
/qr_codes, GET /qr_codes/<id>, its payments, the test-mode payment simulation, refunds
of a QR payment), the eWallet Charges API (POST/GET /ewallets/charges) and the Refunds
API (POST/GET /refunds). Authentication: HTTP Basic, secret key as user name.

Callbacks go to the account's callback URL (Xendit's dashboard setting; here
--webhook-base or POST /_sim/config) with the `x-callback-token` header. Errors are
{"error_code", "message"} with the HTTP status Xendit uses.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from flask import Blueprint, jsonify, request

from simulators.gateway.core import Simulator
from simulators.gateway.qris import dynamic_qris
from simulators.gateway.store import EXPIRED, FAILED, OPEN, PAID, REFUNDED, SimCharge, iso, now
from simulators.gateway.web import basic_user_is, json_object, simulator, whole_number

bp = Blueprint("xendit", __name__)

PROVIDER = "xendit"
BUSINESS_ID = "5f27a14a9bf05c73dd040sim"
QR_API_VERSION = "2022-07-31"
QR_MAX_AMOUNT = 10_000_000   # QRIS' channel limit
QR_DEFAULT_EXPIRY = timedelta(hours=48)
CHANNELS = {"ID_OVO": "ovo", "ID_DANA": "dana", "ID_SHOPEEPAY": "shopeepay"}
EWALLET_EXPIRY = {"ID_OVO": timedelta(seconds=60), "ID_DANA": timedelta(minutes=15),
                  "ID_SHOPEEPAY": timedelta(minutes=15)}
EWALLET_MIN_AMOUNT = 100
REFUND_REASONS = ("FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS")
EXPIRY_FAILURE = "USER_DID_NOT_AUTHORIZE_THE_PAYMENT"
PHONE = re.compile(r"^\+62\d{8,13}$")


def error(status: int, code: str, message: str):
    return jsonify({"error_code": code, "message": message}), status


class Refusal(Exception):
    """A request Xendit would refuse: answered as {"error_code", "message"}."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(Refusal)
def refused(refusal: Refusal):
    return error(refusal.status, refusal.code, refusal.message)


@bp.before_request
def authenticate():
    if not basic_user_is(simulator().credentials.xendit_secret_key):
        return error(401, "INVALID_API_KEY", "API key is invalid")
    return None


def _urls(sim: Simulator) -> list[str]:
    return [sim.config.xendit_callback_url] if sim.config.xendit_callback_url else []


def _time(value: str) -> datetime | None:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else None


# --- QR codes (api-version 2022-07-31) ---------------------------------------------------

def qr_code(charge: SimCharge) -> dict:
    return {"id": charge.id, "reference_id": charge.order_id, "business_id": BUSINESS_ID, "type": "DYNAMIC",
            "currency": charge.currency, "amount": charge.amount, "channel_code": "ID_DANA",
            "status": "ACTIVE" if charge.state == OPEN else "INACTIVE", "qr_string": charge.qr_string,
            "expires_at": iso(charge.expires_at), "created": iso(charge.created_at),
            "updated": iso(charge.updated_at), "metadata": None}


def qr_payment(charge: SimCharge) -> dict:
    return {"id": charge.payment_id, "business_id": BUSINESS_ID, "currency": charge.currency,
            "amount": charge.amount, "status": "SUCCEEDED", "created": iso(charge.paid_at), "qr_id": charge.id,
            "qr_string": charge.qr_string, "reference_id": charge.order_id, "type": "DYNAMIC",
            "channel_code": "ID_DANA", "expires_at": iso(charge.expires_at), "metadata": None,
            "payment_detail": {"receipt_id": charge.details.get("receipt_id"), "source": "DANA"}}


def _qr_version_problem() -> tuple | None:
    if request.headers.get("api-version") != QR_API_VERSION:
        return error(400, "API_VALIDATION_ERROR",
                     f"This simulator speaks the QR Codes API at api-version {QR_API_VERSION}: send that header")
    return None


@bp.post("/qr_codes")
def create_qr_code():
    sim = simulator()
    problem = _qr_version_problem()
    if problem:
        return problem
    payload = json_object()
    if payload is None:
        return error(400, "API_VALIDATION_ERROR", "The body must be a JSON object")
    if "callback_url" in payload:
        return error(400, "API_VALIDATION_ERROR", "The API version 2022-07-31 does not support passing callback "
                     "URL in the request. Please set the callback URL from your Xendit Dashboard instead.")
    reference, amount = payload.get("reference_id"), whole_number(payload.get("amount"))
    if not isinstance(reference, str) or not 1 <= len(reference) <= 255:
        return error(400, "API_VALIDATION_ERROR", "reference_id is required (1-255 characters)")
    if payload.get("type") != "DYNAMIC":
        return error(400, "API_VALIDATION_ERROR", "type must be DYNAMIC (this simulator makes dynamic QRIS only)")
    if payload.get("currency") != "IDR":
        return error(400, "API_VALIDATION_ERROR", "currency must be IDR")
    if amount is None or not 1 <= amount <= QR_MAX_AMOUNT:
        return error(400, "API_VALIDATION_ERROR", f"amount must be a whole number from 1 to {QR_MAX_AMOUNT}")
    created = now()
    expires = created + QR_DEFAULT_EXPIRY
    if payload.get("expires_at") is not None:
        try:
            expires = _time(str(payload["expires_at"]))
        except ValueError:
            expires = None
        if expires is None or expires <= created:
            return error(400, "API_VALIDATION_ERROR", "expires_at must be a future ISO 8601 time with a zone")
    record = SimCharge(id=f"qr_{uuid.uuid4()}", provider=PROVIDER, method="qris", order_id=reference,
                       amount=amount, currency="IDR", created_at=created, expires_at=expires,
                       webhook_urls=_urls(sim))
    record.qr_string = dynamic_qris(acquirer_domain="ID.CO.XENDIT.WWW", merchant_pan="936008990000000001",
                                    amount=amount, reference=record.id[3:])
    sim.store.add(record)
    return jsonify(qr_code(record)), 201


def _qr(qr_id: str) -> SimCharge | None:
    record = simulator().store.get(qr_id)
    return record if record is not None and record.provider == PROVIDER and record.method == "qris" else None


@bp.get("/qr_codes/<qr_id>")
def get_qr_code(qr_id):
    record = _qr(qr_id)
    if record is None:
        return error(404, "DATA_NOT_FOUND", "QR code not found")
    return jsonify(qr_code(record))


@bp.get("/qr_codes/<qr_id>/payments")
def qr_code_payments(qr_id):
    record = _qr(qr_id)
    if record is None:
        return error(404, "DATA_NOT_FOUND", "QR code not found")
    return jsonify({"data": [qr_payment(record)] if record.payment_id else [], "has_more": False})


@bp.post("/qr_codes/<qr_id>/payments/simulate")
def simulate_qr_payment(qr_id):
    """Xendit's own test-mode 'pay this QR'; the same as the simulator's pay button."""
    record = _qr(qr_id)
    if record is None:
        return error(404, "DATA_NOT_FOUND", "QR code not found")
    payload = json_object() or {}
    if payload.get("amount") is not None and whole_number(payload.get("amount")) != record.amount:
        return error(400, "API_VALIDATION_ERROR", "amount must be the dynamic QR's amount")
    if record.state != OPEN:
        return error(400, "INACTIVE_QR_CODE", "The QR code is inactive")
    simulator().pay(record.id)
    return jsonify(qr_payment(record))


@bp.post("/qr_codes/payments/<payment_id>/refunds")
def refund_qr_payment(payment_id):
    sim = simulator()
    problem = _qr_version_problem()
    if problem:
        return problem
    record = next((charge for charge in sim.store.all() if charge.provider == PROVIDER
                   and charge.payment_id == payment_id), None)
    if record is None:
        return error(404, "DATA_NOT_FOUND", "QR payment not found")
    payload = json_object() or {}
    reason = payload.get("reason", "OTHERS")
    if reason not in REFUND_REASONS:
        return error(400, "API_VALIDATION_ERROR", f"reason must be one of {', '.join(REFUND_REASONS)}")
    refund, _ = _refund(sim, record, payload.get("amount"), reason, request.headers.get("idempotency-key"),
                        prefix="qrrf_")
    return jsonify({"id": refund["id"], "qr_id": record.id, "qrpy_id": payment_id, "status": "SUCCEEDED",
                    "currency": record.currency, "payment_amount": record.amount, "refund_amount": refund["amount"],
                    "channel_code": "ID_DANA", "reason": reason, "created": iso(refund["created_at"]),
                    "updated": iso(refund["created_at"])})


def _refund(sim: Simulator, record: SimCharge, amount_value, reason: str, key: str | None, *, prefix: str,
            metadata: dict | None = None) -> tuple[dict, bool]:
    """Record a refund of a paid charge: (the refund, whether it is new). The same
    idempotency key again answers the refund it made, without a second one."""
    with sim.store.lock:
        if key:
            previous = next((item for item in record.refunds if item["key"] == key), None)
            if previous is not None:
                return previous, False
        if record.state != PAID:
            raise Refusal(400, "INELIGIBLE_TRANSACTION" if record.state != REFUNDED else "REFUND_AMOUNT_EXCEEDED",
                          f"The payment is not refundable (it is {record.state})")
        remaining = record.amount - record.refunded
        amount = remaining if amount_value is None else whole_number(amount_value)
        if amount is None or amount <= 0:
            raise Refusal(400, "API_VALIDATION_ERROR", "amount must be a positive whole number")
        if amount > remaining:
            raise Refusal(400, "REFUND_AMOUNT_EXCEEDED", f"Only {remaining} is left to refund")
        item = {"id": f"{prefix}{uuid.uuid4()}", "number": len(record.refunds) + 1, "key": key or "",
                "amount": amount, "reason": reason, "created_at": now(), "metadata": metadata}
        record.refunds.append(item)
        if record.refunded == record.amount:
            record.state = REFUNDED
    return item, True


# --- eWallet charges -----------------------------------------------------------------------

def ewallet_charge(sim: Simulator, charge: SimCharge) -> dict:
    status = {OPEN: "PENDING", PAID: "SUCCEEDED", REFUNDED: "SUCCEEDED", EXPIRED: "FAILED", FAILED: "FAILED"}.get(
        charge.state, "FAILED")
    channel = charge.details["channel_code"]
    checkout = f"{charge.details['host']}/?charge={charge.id}"
    actions = {"desktop_web_checkout_url": None, "mobile_web_checkout_url": None,
               "mobile_deeplink_checkout_url": None, "qr_checkout_string": None}
    if channel == "ID_DANA":
        actions.update(desktop_web_checkout_url=checkout, mobile_web_checkout_url=checkout)
    elif channel == "ID_SHOPEEPAY":
        actions.update(mobile_deeplink_checkout_url=checkout, qr_checkout_string=charge.qr_string)
    return {"id": charge.id, "business_id": BUSINESS_ID, "reference_id": charge.order_id, "status": status,
            "currency": charge.currency, "charge_amount": charge.amount,
            "capture_amount": charge.amount if charge.paid_at else None,
            "refunded_amount": charge.refunded or None, "checkout_method": "ONE_TIME_PAYMENT",
            "channel_code": channel, "channel_properties": charge.details["channel_properties"],
            "actions": None if channel == "ID_OVO" else actions, "is_redirect_required": channel != "ID_OVO",
            "callback_url": sim.config.xendit_callback_url, "created": iso(charge.created_at),
            "updated": iso(charge.updated_at), "void_status": None, "voided_at": None, "capture_now": True,
            "customer_id": None, "payment_method_id": None,
            "failure_code": EXPIRY_FAILURE if charge.state == EXPIRED else None, "basket": None, "metadata": None}


@bp.post("/ewallets/charges")
def create_ewallet_charge():
    sim = simulator()
    payload = json_object()
    if payload is None:
        return error(400, "API_VALIDATION_ERROR", "The body must be a JSON object")
    reference, amount, channel = payload.get("reference_id"), whole_number(payload.get("amount")), \
        payload.get("channel_code")
    properties = payload.get("channel_properties") if isinstance(payload.get("channel_properties"), dict) else {}
    if not isinstance(reference, str) or not 1 <= len(reference) <= 255:
        return error(400, "API_VALIDATION_ERROR", "reference_id is required (1-255 characters)")
    if payload.get("currency") != "IDR":
        return error(400, "UNSUPPORTED_CURRENCY", "currency must be IDR")
    if amount is None or amount < EWALLET_MIN_AMOUNT:
        return error(400, "API_VALIDATION_ERROR", f"amount must be a whole number of at least {EWALLET_MIN_AMOUNT}")
    if payload.get("checkout_method") != "ONE_TIME_PAYMENT":
        return error(400, "API_VALIDATION_ERROR", "checkout_method must be ONE_TIME_PAYMENT in this simulator")
    if channel not in CHANNELS:
        return error(403, "CHANNEL_NOT_ACTIVATED", f"channel_code must be one of {', '.join(CHANNELS)}")
    if channel == "ID_OVO" and not PHONE.match(str(properties.get("mobile_number", ""))):
        return error(400, "API_VALIDATION_ERROR", "channel_properties.mobile_number is required for OVO (+62...)")
    if channel != "ID_OVO" and not properties.get("success_redirect_url"):
        return error(400, "API_VALIDATION_ERROR", "channel_properties.success_redirect_url is required")
    created = now()
    record = SimCharge(id=f"ewc_{uuid.uuid4()}", provider=PROVIDER, method=CHANNELS[channel], order_id=reference,
                       amount=amount, currency="IDR", created_at=created,
                       expires_at=created + EWALLET_EXPIRY[channel], webhook_urls=_urls(sim),
                       details={"channel_code": channel, "channel_properties": properties,
                                "host": request.host_url.rstrip("/")})
    if channel == "ID_SHOPEEPAY":
        record.qr_string = dynamic_qris(acquirer_domain="ID.CO.SHOPEE.WWW", merchant_pan="936009180000000001",
                                        amount=amount, reference=record.id[4:])
    record.deeplink_url = f"{record.details['host']}/?charge={record.id}"
    sim.store.add(record)
    return jsonify(ewallet_charge(sim, record)), 202


@bp.get("/ewallets/charges/<charge_id>")
def get_ewallet_charge(charge_id):
    sim = simulator()
    record = sim.store.get(charge_id)
    if record is None or record.provider != PROVIDER or record.method == "qris":
        return error(404, "DATA_NOT_FOUND", "eWallet charge not found")
    return jsonify(ewallet_charge(sim, record))


# --- Refunds API ---------------------------------------------------------------------------

def refund_object(record: SimCharge, item: dict) -> dict:
    return {"id": item["id"], "payment_request_id": record.id, "payment_id": record.id, "invoice_id": None,
            "amount": item["amount"], "payment_method_type": "EWALLET", "channel_code": record.details["channel_code"],
            "currency": record.currency, "status": "SUCCEEDED", "reason": item["reason"],
            "reference_id": item["key"] or None, "failure_code": None, "refund_fee_amount": 0,
            "created": iso(item["created_at"]), "updated": iso(item["created_at"]), "metadata": item.get("metadata")}


@bp.post("/refunds")
def create_refund():
    sim = simulator()
    payload = json_object()
    if payload is None:
        return error(400, "API_VALIDATION_ERROR", "The body must be a JSON object")
    record = sim.store.get(str(payload.get("payment_request_id") or ""))
    if record is None or record.provider != PROVIDER:
        return error(404, "DATA_NOT_FOUND", "payment_request_id not found")
    if record.method == "qris":
        return error(400, "REFUND_NOT_SUPPORTED", "QR code payments are refunded through "
                     "/qr_codes/payments/{id}/refunds")
    if payload.get("reason") not in REFUND_REASONS:
        return error(400, "API_VALIDATION_ERROR", f"reason is required: one of {', '.join(REFUND_REASONS)}")
    if payload.get("currency") not in (None, "IDR"):
        return error(400, "API_VALIDATION_ERROR", "currency must be the payment's (IDR)")
    key = request.headers.get("idempotency-key") or payload.get("reference_id")
    item, new = _refund(sim, record, payload.get("amount"), payload["reason"], key, prefix="rfd-",
                        metadata=payload.get("metadata"))
    if new:
        announce(sim, record, "refunded", None, refund=item)
    answer = refund_object(record, item)
    if sim.config.refunds_pending and new:  # the e-wallet takes its time: the callback says when it is done
        answer["status"] = "PENDING"
    return jsonify(answer)


@bp.get("/refunds/<refund_id>")
def get_refund(refund_id):
    for record in simulator().store.all():
        for item in record.refunds:
            if item["id"] == refund_id and record.provider == PROVIDER and record.method != "qris":
                return jsonify(refund_object(record, item))
    return error(404, "DATA_NOT_FOUND", "Refund not found")


# --- callbacks -----------------------------------------------------------------------------

def announce(sim: Simulator, charge: SimCharge, event: str, options: dict | None, refund: dict | None = None) -> None:
    """qr.payment when a QR is paid, ewallet.capture when an e-wallet charge succeeds or
    fails, refund.succeeded for a Refunds API refund. An expiring QR only turns INACTIVE."""
    if charge.method == "qris":
        if event != "paid":
            return
        with sim.store.lock:
            if charge.payment_id is None:
                charge.payment_id = f"qrpy_{uuid.uuid4()}"
                charge.details["receipt_id"] = uuid.uuid4().hex[:12].upper()
        name, data = "qr.payment", qr_payment(charge)
    elif event == "refunded":
        name, data = "refund.succeeded", refund_object(charge, refund)
    elif event in ("paid", "expired"):
        name, data = "ewallet.capture", ewallet_charge(sim, charge)
    else:
        return
    body = {"event": name, "business_id": BUSINESS_ID, "created": iso(now()), "data": data}
    if name == "qr.payment":
        body["api_version"] = QR_API_VERSION
    charge.webhook_urls = _urls(sim)  # the dashboard's callback URL at the time of sending
    sim.dispatcher.submit(charge.id, name, charge.webhook_urls, body,
                          {"x-callback-token": sim.credentials.xendit_callback_token}, final=True, options=options)
