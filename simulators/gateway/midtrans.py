"""Midtrans Core API, the subset a till uses: POST /v2/charge (qris, gopay, shopeepay),
GET /v2/<id>/status, POST /v2/<id>/cancel, /expire, /refund (and /refund/online/direct),
and HTTP notifications signed with `signature_key` = SHA-512(order_id + status_code +
gross_amount + server key). Authentication: HTTP Basic, server key as user name.

Answers carry Midtrans' own `status_code` in the body; the HTTP status is 200 when the
call did what was asked and the body's code otherwise (401, 404, 406, 412, ...).
"""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta, timezone

import qrcode
from flask import Blueprint, Response, jsonify, request

from simulators.gateway.core import Simulator
from simulators.gateway.qris import dynamic_qris
from simulators.gateway.store import CANCELLED, EXPIRED, FAILED, OPEN, PAID, REFUNDED, SimCharge, now
from simulators.gateway.web import basic_user_is, host_url, json_object, simulator, whole_number

bp = Blueprint("midtrans", __name__)

PROVIDER = "midtrans"
MERCHANT_ID = "G000000SIM"
PAYMENT_TYPES = ("qris", "gopay", "shopeepay")
DEFAULT_EXPIRY = {"qris": timedelta(minutes=15), "gopay": timedelta(minutes=15), "shopeepay": timedelta(minutes=5)}
MIN_EXPIRY, MAX_EXPIRY = timedelta(seconds=20), timedelta(days=7)
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
CREATED_MESSAGES = {"qris": "QRIS transaction is created", "gopay": "GO-PAY transaction is created",
                    "shopeepay": "ShopeePay transaction is created"}
ORDER_ID = re.compile(r"^[A-Za-z0-9\-_.~]{1,50}$")
WIB = timezone(timedelta(hours=7))
MAX_NOTIFICATION_URLS = 3


def wib(value) -> str | None:
    return value.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def rupiah(amount: int) -> str:
    return f"{amount}.00"


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def transaction_status(charge: SimCharge) -> str:
    if charge.state == PAID:
        return "partial_refund" if charge.refunds else "settlement"
    return {OPEN: "pending", REFUNDED: "refund", EXPIRED: "expire", CANCELLED: "cancel", FAILED: "deny"}[charge.state]


def transaction(charge: SimCharge, status_code: str, message: str) -> dict:
    """The transaction as status answers and notifications show it."""
    body = {"status_code": status_code, "status_message": message, "transaction_id": charge.id,
            "order_id": charge.order_id, "merchant_id": MERCHANT_ID, "gross_amount": rupiah(charge.amount),
            "currency": charge.currency, "payment_type": charge.method, "transaction_time": wib(charge.created_at),
            "transaction_status": transaction_status(charge), "fraud_status": "accept",
            "expiry_time": wib(charge.expires_at)}
    if charge.paid_at is not None:
        body["settlement_time"] = wib(charge.paid_at)
    if charge.method == "qris":
        body["acquirer"] = "gopay"
        if charge.paid_at is not None:
            body.update({"issuer": "gopay", "transaction_type": "on-us"})
    if charge.refunds:
        body["refund_amount"] = rupiah(charge.refunded)
        body["refunds"] = [{"refund_chargeback_id": refund["number"], "refund_chargeback_uuid": refund["id"],
                            "refund_amount": rupiah(refund["amount"]), "created_at": wib(refund["created_at"]),
                            "reason": refund["reason"], "refund_key": refund["key"], "refund_method": ""}
                           for refund in charge.refunds]
    return body


# status_code of a notification for each transaction_status, as Midtrans' samples show them
NOTIFICATION_CODES = {"pending": "201", "settlement": "200", "refund": "200", "partial_refund": "200",
                      "expire": "202", "cancel": "202", "deny": "202"}


def announce(sim: Simulator, charge: SimCharge, event: str, options: dict | None) -> None:
    """Send the HTTP notification of the charge's current state to its notification URLs."""
    status = transaction_status(charge)
    code = NOTIFICATION_CODES[status]
    body = transaction(charge, code, "midtrans payment notification")
    body["signature_key"] = signature_key(charge.order_id, code, body["gross_amount"],
                                          sim.credentials.midtrans_server_key)
    sim.dispatcher.submit(charge.id, f"midtrans.{status}", charge.webhook_urls, body, {},
                          final=charge.state != OPEN, options=options)


def error(status_code: str, message: str, validation: list[str] | None = None):
    body = {"status_code": status_code, "status_message": message, "id": str(uuid.uuid4())}
    if validation:
        body["validation_messages"] = validation
    return jsonify(body), int(status_code)


@bp.before_request
def authenticate():
    if request.endpoint == "midtrans.qr_code":
        return None  # Midtrans' QR image URL is meant to be hot-linked in an <img>: no credentials
    if not basic_user_is(simulator().credentials.midtrans_server_key):
        return error("401", "Unknown Merchant server_key/id")
    return None


def _notification_urls(sim: Simulator) -> list[str]:
    """X-Override-Notification replaces the dashboard URL, X-Append-Notification adds to it."""
    def split(header):
        return [url.strip() for url in request.headers.get(header, "").split(",") if url.strip()]

    override = split("X-Override-Notification")
    if override:
        return override[:MAX_NOTIFICATION_URLS]
    dashboard = [sim.config.midtrans_notification_url] if sim.config.midtrans_notification_url else []
    return (dashboard + split("X-Append-Notification"))[:MAX_NOTIFICATION_URLS]


def _expiry(payload: dict, payment_type: str) -> tuple[timedelta | None, str | None]:
    custom = payload.get("custom_expiry")
    if custom is None:
        return DEFAULT_EXPIRY[payment_type], None
    if not isinstance(custom, dict):
        return None, "custom_expiry must be an object"
    duration, unit = whole_number(custom.get("expiry_duration")), custom.get("unit", "minute")
    if duration is None or unit not in UNITS:
        return None, "custom_expiry.expiry_duration must be a number and unit second, minute, hour or day"
    expiry = timedelta(seconds=duration * UNITS[unit])
    if not MIN_EXPIRY <= expiry <= MAX_EXPIRY:
        return None, "custom_expiry must be between 20 seconds and 7 days"
    return expiry, None


@bp.post("/v2/charge")
def charge():
    sim = simulator()
    payload = json_object()
    if payload is None:
        return error("400", "Request body is not a JSON object")
    payment_type = payload.get("payment_type")
    if payment_type is None:
        return error("400", "One or more parameters in the payload is invalid.", ["payment_type is required"])
    if payment_type not in PAYMENT_TYPES:
        return error("402", "Payment channel is not activated in this simulator (qris, gopay, shopeepay)")
    details = payload.get("transaction_details")
    details = details if isinstance(details, dict) else {}
    order_id, amount = details.get("order_id"), whole_number(details.get("gross_amount"))
    problems = []
    if not isinstance(order_id, str) or not ORDER_ID.match(order_id):
        problems.append("transaction_details.order_id is required: 1-50 letters, digits or - _ . ~")
    if amount is None or amount <= 0:
        problems.append("transaction_details.gross_amount must be a positive whole number of rupiah")
    expiry, expiry_problem = _expiry(payload, payment_type)
    if expiry_problem:
        problems.append(expiry_problem)
    if payment_type == "shopeepay" and not (payload.get("shopeepay") or {}).get("callback_url"):
        problems.append("shopeepay.callback_url is required")
    if problems:
        return error("400", "One or more parameters in the payload is invalid.", problems)
    with sim.store.lock:
        taken = sim.store.find(PROVIDER, order_id)
        if taken is not None and taken.order_id == order_id and taken.state in (OPEN, PAID, REFUNDED):
            return error("406", "Duplicate order ID. Order ID has already been utilized previously")
        created = now()
        record = SimCharge(id=str(uuid.uuid4()), provider=PROVIDER, method=payment_type, order_id=order_id,
                           amount=amount, currency="IDR", created_at=created, expires_at=created + expiry,
                           webhook_urls=_notification_urls(sim))
        if payment_type in ("qris", "gopay"):  # GoPay's QR is a QRIS too; only qris answers it as text
            record.qr_string = dynamic_qris(acquirer_domain="COM.GO-JEK.WWW", merchant_pan="936009140000000001",
                                            amount=amount, reference=record.id)
        if payment_type != "qris":
            record.deeplink_url = f"{host_url()}/?charge={record.id}"
        sim.store.add(record)
    body = transaction(record, "201", CREATED_MESSAGES[payment_type])
    base = host_url()
    actions = []
    if payment_type in ("qris", "gopay"):
        actions.append({"name": "generate-qr-code", "method": "GET",
                        "url": f"{base}/v2/{payment_type}/{record.id}/qr-code"})
    if record.deeplink_url:
        actions.append({"name": "deeplink-redirect", "method": "GET", "url": record.deeplink_url})
    if payment_type == "gopay":
        actions += [{"name": "get-status", "method": "GET", "url": f"{base}/v2/{record.id}/status"},
                    {"name": "cancel", "method": "POST", "url": f"{base}/v2/{record.id}/cancel"}]
    body["actions"] = actions
    if payment_type == "qris":
        body["qr_string"] = record.qr_string
    announce(sim, record, "pending", None)
    return jsonify(body)


def _found(reference: str) -> SimCharge | None:
    return simulator().store.find(PROVIDER, reference)


STATUS_CODES = {OPEN: "201", PAID: "200", REFUNDED: "200", CANCELLED: "200", EXPIRED: "407", FAILED: "202"}


@bp.get("/v2/<reference>/status")
def status(reference):
    record = _found(reference)
    if record is None:
        return error("404", "Transaction doesn't exist.")
    return jsonify(transaction(record, STATUS_CODES[record.state], "Success, transaction is found"))


def _close(reference: str, state: str, code: str, message: str):
    sim = simulator()
    record = _found(reference)
    if record is None:
        return error("404", "Transaction doesn't exist.")
    with sim.store.lock:
        if record.state != OPEN:
            return error("412", "Merchant cannot modify the status of the transaction")
        record.state, record.closed_at = state, now()
        announce(sim, record, state, None)
    return jsonify(transaction(record, code, message))


@bp.post("/v2/<reference>/cancel")
def cancel(reference):
    return _close(reference, CANCELLED, "200", "Success, transaction is canceled")


@bp.post("/v2/<reference>/expire")
def expire(reference):
    return _close(reference, EXPIRED, "407", "Success, transaction has expired")


@bp.post("/v2/<reference>/refund")
@bp.post("/v2/<reference>/refund/online/direct")
def refund(reference):
    sim = simulator()
    record = _found(reference)
    if record is None:
        return error("404", "Transaction doesn't exist.")
    payload = json_object() or {}
    key = payload.get("refund_key") or f"sim-{uuid.uuid4().hex[:12]}"
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9\-_]{1,50}", key):
        return error("400", "One or more parameters in the payload is invalid.",
                     ["refund_key: letters, digits, - and _ only"])
    with sim.store.lock:
        previous = next((item for item in record.refunds if item["key"] == key), None)
        if previous is not None:  # the same refund_key again: the same refund, not a second one
            return jsonify(_refund_answer(record, previous))
        if record.state != PAID:
            return error("412", "Merchant cannot modify the status of the transaction")
        remaining = record.amount - record.refunded
        amount = whole_number(payload["amount"]) if payload.get("amount") is not None else remaining
        if amount is None or amount <= 0:
            return error("400", "One or more parameters in the payload is invalid.",
                         ["amount must be a positive whole number of rupiah"])
        if amount > remaining:
            return error("412", f"Refund amount is more than the {remaining} rupiah left to refund")
        item = {"id": str(uuid.uuid4()), "number": sum(len(charge.refunds) for charge in sim.store.all()) + 1,
                "key": key, "amount": amount, "reason": str(payload.get("reason") or "")[:255],
                "created_at": now()}
        record.refunds.append(item)
        if record.refunded == record.amount:
            record.state = REFUNDED
        announce(sim, record, "refunded", None)
    return jsonify(_refund_answer(record, item))


def _refund_answer(record: SimCharge, item: dict) -> dict:
    return {"status_code": "200", "status_message": "Success, refund request is approved",
            "transaction_id": record.id, "order_id": record.order_id, "payment_type": record.method,
            "transaction_time": wib(record.created_at), "transaction_status": transaction_status(record),
            "gross_amount": rupiah(record.amount), "refund_chargeback_id": item["number"],
            "refund_amount": rupiah(item["amount"]), "refund_key": item["key"]}


@bp.get("/v2/<kind>/<charge_id>/qr-code")
def qr_code(kind, charge_id):
    record = simulator().store.get(charge_id)
    if record is None or record.provider != PROVIDER or record.method != kind or kind not in ("qris", "gopay"):
        return error("404", "The requested resource is not found")
    image = qrcode.make(record.qr_string)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png")
