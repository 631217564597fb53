"""The Xendit adapter's wire format, checked against the examples Xendit publishes.

Sources (quoted values below come from them; see docs/gateways.md):
- QR Codes API reference: `curl -u xnd_development_O46JfOtygef9kMNsK+ZPGT+TeStIngw3Dn+R1k+2fT/7GlCAN3jg==:`
  (Basic auth, key as user, empty password); xendit-php's QRCode test for api-version
  2022-07-31: reference_id external_123, type DYNAMIC, currency IDR, amount 10000.
- eWallet test guideline: the ID_DANA charge order-id-123 / 25000 /
  success_redirect_url https://redirect.me/payment.
- eWallet callback sample: ewallet.capture for ewc_532as23lew2321id, 123456 IDR.
- Refund webhook notification sample: refund.succeeded rfd-6f4a377d-..., 10000.
- "Handling webhooks": the token is sent in the `x-callback-token` header.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from cloud.gateways import base
from cloud.gateways.base import ChargeRef, ChargeRequest
from cloud.gateways.errors import CallbackIgnored, CallbackMalformed, GatewayUnsupported, InvalidChargeRequest
from cloud.gateways.xendit import (
    QR_API_VERSION,
    XenditGateway,
    ewallet_charge_body,
    headers,
    outcome_from_ewallet,
    qr_code_body,
)

DOC_KEY = "xnd_development_O46JfOtygef9kMNsK+ZPGT+TeStIngw3Dn+R1k+2fT/7GlCAN3jg=="
TOKEN = "callback-token-test-only"

# eWallet callback sample (ewallet.capture)
DOC_EWALLET_CAPTURE = {
    "event": "ewallet.capture", "business_id": "5abe2389ewpejrt238", "created": "2020-04-20T16:25:52Z",
    "data": {"id": "ewc_532as23lew2321id", "reference_id": "test_reference_id", "status": "SUCCEEDED",
             "currency": "IDR", "checkout_method": "ONE_TIME_PAYMENT", "charge_amount": 123456,
             "capture_amount": 123456, "refunded_amount": 0, "channel_code": "OVO",
             "channel_properties": {"mobile_number": "+6287777771111"}, "actions": None,
             "is_redirect_required": False, "callback_url": "https://webhook.me/gethooked",
             "created": "2020-04-20T16:23:52Z", "updated": "2020-04-20T16:23:52Z", "void_status": None,
             "voided_at": None, "capture_now": True, "customer_id": None, "payment_method_id": None,
             "failure_code": None, "basket": None, "metadata": {"branch_code": "senayan_372"}}}

# Refund webhook notification sample (refund.succeeded), its inner event
DOC_REFUND_SUCCEEDED = {
    "event": "refund.succeeded", "business_id": "5f27a14a9bf05c73dd040bc8", "created": "2020-08-29T09:12:33.001Z",
    "data": {"id": "rfd-6f4a377d-a201-437f-9119-f8b00cbbe857",
             "payment_id": "ddpy-3cd658ae-25b9-4659-aa36-596ae41a809f",
             "invoice_id": None, "amount": 10000, "payment_method_type": "DIRECT_DEBIT", "channel_code": "BPI",
             "currency": "PHP", "status": "SUCCEEDED", "reason": "CANCELLATION",
             "reference_id": "b2756a1e-e6cd-4352-9a68-0483aa2b6a2", "failure_code": None, "refund_fee_amount": None,
             "created": "2020-08-30T09:12:33.001Z", "updated": "2020-08-30T09:12:33.001Z", "metadata": None}}

QR_PAYMENT = {
    "event": "qr.payment", "api_version": QR_API_VERSION, "business_id": "5850eteStin791bd40096364",
    "created": "2022-09-19T19:29:05.123Z",
    "data": {"id": "qrpy_8182837te-87st-49ing-8696-1239bd4d759c", "business_id": "5850eteStin791bd40096364",
             "currency": "IDR", "amount": 10000, "status": "SUCCEEDED", "created": "2022-07-28T06:26:40.514Z",
             "qr_id": "qr_8182837te-87st-49ing-8696-1239bd4d759c", "qr_string": "0002010102...", "reference_id":
             "order-id-abc", "type": "DYNAMIC", "channel_code": "ID_DANA", "expires_at": "2022-07-31T17:00:00.000Z",
             "metadata": None, "payment_detail": {"receipt_id": "005983000000", "source": "OVO"}}}


def gateway() -> XenditGateway:
    return XenditGateway("xnd_development_test_only", TOKEN)


def body(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def test_authorization_is_basic_with_the_key_and_an_empty_password_as_the_docs_curl_sends():
    expected = "Basic eG5kX2RldmVsb3BtZW50X080NkpmT3R5Z2VmOWtNTnNLK1pQR1QrVGVTdEluZ3czRG4rUjFrKzJmVC83R2xDQU4zamc9PTo="
    assert headers(DOC_KEY)["Authorization"] == expected


def test_qr_code_body_is_the_documented_2022_07_31_request_with_its_expiry():
    request = ChargeRequest(order_id="external_123", method="qris", amount=10000_00, expiry_seconds=600)
    assert qr_code_body(request, datetime(2026, 11, 23, 10, 0, 0)) == {
        "reference_id": "external_123", "type": "DYNAMIC", "currency": "IDR", "amount": 10000,
        "expires_at": "2026-11-23T10:10:00.000Z"}
    assert headers(DOC_KEY, api_version=QR_API_VERSION)["api-version"] == "2022-07-31"


def test_dana_charge_body_is_the_documented_request():
    request = ChargeRequest(order_id="order-id-123", method="dana", amount=25000_00,
                            return_url="https://redirect.me/payment")
    assert ewallet_charge_body(request) == {
        "reference_id": "order-id-123", "currency": "IDR", "amount": 25000, "checkout_method": "ONE_TIME_PAYMENT",
        "channel_code": "ID_DANA", "channel_properties": {"success_redirect_url": "https://redirect.me/payment"}}


def test_ovo_pushes_to_the_customers_phone_so_it_needs_one():
    request = ChargeRequest(order_id="o-1", method="ovo", amount=15000_00)
    with pytest.raises(InvalidChargeRequest) as refused:
        ewallet_charge_body(request)
    assert refused.value.field == "customer_phone"
    ovo = ChargeRequest(order_id="o-1", method="ovo", amount=15000_00, customer_phone="+6287777771111")
    assert ewallet_charge_body(ovo)["channel_properties"] == {"mobile_number": "+6287777771111"}


def test_an_amount_with_cents_is_refused_before_sending():
    with pytest.raises(InvalidChargeRequest):
        qr_code_body(ChargeRequest(order_id="o", method="qris", amount=10000_01), datetime(2026, 1, 1))


def test_the_documented_ewallet_capture_callback_is_paid_in_minor_units():
    outcome = gateway().parse_callback(body(DOC_EWALLET_CAPTURE))
    assert (outcome.kind, outcome.status, outcome.amount) == (base.PAYMENT, base.PAID, 123456_00)
    assert (outcome.gateway_id, outcome.order_id) == ("ewc_532as23lew2321id", "test_reference_id")


def test_a_qr_payment_callback_is_paid_and_names_the_qr_and_its_payment():
    outcome = gateway().parse_callback(body(QR_PAYMENT))
    assert (outcome.status, outcome.amount, outcome.gateway_id) == (base.PAID, 10000_00,
                                                                    "qr_8182837te-87st-49ing-8696-1239bd4d759c")
    assert outcome.payment_id == "qrpy_8182837te-87st-49ing-8696-1239bd4d759c"


def test_the_documented_refund_succeeded_callback_is_refund_news_for_the_payment():
    outcome = gateway().parse_callback(body(DOC_REFUND_SUCCEEDED))
    assert (outcome.kind, outcome.status, outcome.amount) == (base.REFUND, base.REFUNDED, 10000_00)
    assert outcome.gateway_id == "ddpy-3cd658ae-25b9-4659-aa36-596ae41a809f"
    assert outcome.payment_id == "rfd-6f4a377d-a201-437f-9119-f8b00cbbe857"


def test_a_charge_the_customer_never_authorised_expired():
    charge = {**DOC_EWALLET_CAPTURE["data"], "status": "FAILED", "failure_code": "USER_DID_NOT_AUTHORIZE_THE_PAYMENT"}
    assert outcome_from_ewallet(charge).status == base.EXPIRED
    assert outcome_from_ewallet({**charge, "failure_code": "INSUFFICIENT_BALANCE"}).status == base.FAILED


def test_the_callback_token_header_verifies_whatever_its_case():
    assert gateway().verify_callback({"x-callback-token": TOKEN}, body(QR_PAYMENT))
    assert gateway().verify_callback({"X-Callback-Token": TOKEN}, body(QR_PAYMENT))


@pytest.mark.parametrize("sent", [{}, {"x-callback-token": "guess"}, {"x-callback-token": TOKEN + " "},
                                  {"x-callback-token": ""}])
def test_a_missing_or_wrong_callback_token_does_not_verify(sent):
    assert not gateway().verify_callback(sent, body(QR_PAYMENT))


def test_an_event_we_do_not_act_on_is_ignored_and_a_non_json_body_is_malformed():
    with pytest.raises(CallbackIgnored):
        gateway().parse_callback(body({"event": "qr.code.created", "data": {}}))
    with pytest.raises(CallbackMalformed):
        gateway().parse_callback(b"<html>")
    with pytest.raises(CallbackMalformed):
        gateway().parse_callback(body({"event": "qr.payment", "data": {"status": "SUCCEEDED"}}))


def test_a_repeated_callback_has_the_same_event_key():
    assert gateway().parse_callback(body(QR_PAYMENT)).event_key == gateway().parse_callback(body(QR_PAYMENT)).event_key


def test_cancelling_a_pending_charge_is_not_offered_and_says_so():
    with pytest.raises(GatewayUnsupported) as refused:
        gateway().cancel(ChargeRef("qr_1", "qris"))
    assert refused.value.code == "CANCEL_NOT_SUPPORTED"


def test_a_method_xendit_does_not_take_here_is_unsupported():
    with pytest.raises(GatewayUnsupported):
        gateway().charge(ChargeRequest(order_id="o", method="gopay", amount=1000_00))


def test_a_callback_can_be_read_before_its_tenant_is_known():
    from cloud.gateways import parse_callback

    assert parse_callback("xendit", body(QR_PAYMENT)).gateway_id == "qr_8182837te-87st-49ing-8696-1239bd4d759c"
