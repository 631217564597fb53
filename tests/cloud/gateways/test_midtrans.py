"""The Midtrans adapter's wire format, checked against the examples Midtrans publishes.

Sources (quoted values below come from them; see docs/gateways.md):
- "Receiving Notifications" / "HTTP(S) Notification": signature_key inputs 1111 / 200 /
  100000.00 / askvnoibnosifnboseofinbofinfgbiufglnbfg. Midtrans prints no hash; the
  expected one is the value published by independent implementations (omnipay-midtrans'
  tests, a Go notification-handler test), so the formula, not our code, sets it.
- "API Authorization & Headers": server key SB-Mid-server-abc123cde456 ->
  Basic U0ItTWlkLXNlcnZlci1hYmMxMjNjZGU0NTY6.
- "GoPay QRIS POS Integration": the order102 / 789000 charge, its response and the
  qris-01 settlement notification.
"""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from cloud.gateways import base
from cloud.gateways.base import ChargeRequest
from cloud.gateways.errors import CallbackMalformed, GatewayBadResponse, GatewayRejected, InvalidChargeRequest
from cloud.gateways.midtrans import MidtransGateway, charge_body, charge_from, headers, outcome_from, signature

DOC_SERVER_KEY = "askvnoibnosifnboseofinbofinfgbiufglnbfg"
DOC_SIGNATURE = ("edc076b21793ebe3e17926350f5b8ae67d902fe657b3d0aa31b932d5c127e2375d308a2bc94f3265ac2d80a1f181a79b9"
                 "97ac178a236fcff35af263fc4d4c231")

# "GoPay QRIS POS Integration": Charge API Response
DOC_QRIS_RESPONSE = {
    "status_code": "201", "status_message": "QRIS transaction is created",
    "transaction_id": "1015a919-b03f-450a-bc85-b38202a79a96", "order_id": "order102", "merchant_id": "G490526303",
    "gross_amount": "789000.00", "currency": "IDR", "payment_type": "qris", "transaction_time": "2021-06-23 15:25:24",
    "transaction_status": "pending", "fraud_status": "accept",
    "actions": [{"name": "generate-qr-code", "method": "GET",
                 "url": "https://api.midtrans.com/v2/qris/1015a919-b03f-450a-bc85-b38202a79a96/qr-code"}],
    "qr_string": "00020101021226620014COM.GO-JEK.WWW011993600914349052630340210G4905263030303UKE51440014ID.CO.QRIS."
                 "WWW0215AID0607336128660303UKE5204341453033605802ID5904Test6007BANDUNG6105402845409789000.006247503"
                 "6c032f87c-f773-4619-aefa-675e1f06f9210703A016304A623",
    "acquirer": "gopay"}

# "HTTP(S) Notification / Webhooks": the QRIS sample
DOC_QRIS_NOTIFICATION = {
    "transaction_type": "on-us", "transaction_time": "2021-06-23 14:02:42", "transaction_status": "settlement",
    "transaction_id": "513f1f01-c9da-474c-9fc9-d5c64364b709", "status_message": "midtrans payment notification",
    "status_code": "200",
    "signature_key": "2496c78cac93a70ca08014bdaaff08eb7119ef79ef69c4833d4399cada077147febc1a231992eb8665a7e26d89b1dc3"
                     "23c13f721d21c7485f70bff06cca6eed3",
    "settlement_time": "2021-06-23 14:06:48", "payment_type": "qris", "order_id": "qris-01",
    "merchant_id": "G141532850", "issuer": "gopay", "gross_amount": "5539.00", "fraud_status": "accept",
    "currency": "IDR", "acquirer": "gopay"}

KEY = "SB-Mid-server-test-only"


def qris_request(**overrides) -> ChargeRequest:
    values = {"order_id": "order102", "method": "qris", "amount": 789000_00}
    return ChargeRequest(**{**values, **overrides})


def signed(payload: dict, key: str = KEY) -> bytes:
    payload = dict(payload)
    payload["signature_key"] = signature(payload["order_id"], payload["status_code"], payload["gross_amount"], key)
    return json.dumps(payload).encode()


def test_signature_matches_the_documented_example():
    assert signature("1111", "200", "100000.00", DOC_SERVER_KEY) == DOC_SIGNATURE


def test_authorization_header_matches_the_documented_example():
    assert headers("SB-Mid-server-abc123cde456")["Authorization"] == "Basic U0ItTWlkLXNlcnZlci1hYmMxMjNjZGU0NTY6"


def test_charge_headers_send_this_charges_notifications_to_our_url():
    sent = headers(KEY, "https://cloud.example/api/payments/webhook/midtrans/")
    assert sent["X-Override-Notification"] == "https://cloud.example/api/payments/webhook/midtrans/"
    assert sent["Content-Type"] == sent["Accept"] == "application/json"


def test_qris_charge_body_is_the_documented_request_in_whole_rupiah():
    body = charge_body(qris_request())
    assert body["payment_type"] == "qris"
    assert body["transaction_details"] == {"order_id": "order102", "gross_amount": 789000}
    assert body["qris"] == {"acquirer": "gopay"}
    assert body["custom_expiry"] == {"expiry_duration": 15, "unit": "minute"}


def test_an_expiry_that_is_not_whole_minutes_is_sent_in_seconds():
    assert charge_body(qris_request(expiry_seconds=90))["custom_expiry"] == {"expiry_duration": 90, "unit": "second"}


@pytest.mark.parametrize("amount", [789000_50, 0, -100])
def test_an_amount_the_gateway_cannot_take_is_refused_before_sending(amount):
    with pytest.raises(InvalidChargeRequest) as refused:
        charge_body(qris_request(amount=amount))
    assert refused.value.field == "amount"


def test_shopeepay_needs_the_url_the_app_returns_to():
    with pytest.raises(InvalidChargeRequest) as refused:
        charge_body(qris_request(method="shopeepay"))
    assert refused.value.code == "RETURN_URL_REQUIRED"
    body = charge_body(qris_request(method="shopeepay", return_url="https://kiosk.example/back"))
    assert body["shopeepay"] == {"callback_url": "https://kiosk.example/back"}


def test_the_documented_qris_response_becomes_a_pending_charge_with_its_qr_string():
    charge = charge_from(DOC_QRIS_RESPONSE, qris_request())
    assert (charge.gateway_id, charge.status, charge.amount) == ("1015a919-b03f-450a-bc85-b38202a79a96",
                                                                 base.PENDING, 789000_00)
    assert charge.qr_string == DOC_QRIS_RESPONSE["qr_string"]


def test_an_answer_for_another_amount_is_not_taken_as_our_charge():
    with pytest.raises(GatewayBadResponse):
        charge_from(DOC_QRIS_RESPONSE, qris_request(amount=789001_00))


def test_a_denied_charge_is_a_refusal_not_a_charge():
    with pytest.raises(GatewayRejected) as refused:
        charge_from({**DOC_QRIS_RESPONSE, "transaction_status": "deny", "status_code": "202"}, qris_request())
    assert refused.value.code == "MIDTRANS_DENY"


def test_the_documented_qris_settlement_notification_is_paid_in_minor_units():
    outcome = MidtransGateway(KEY).parse_callback(json.dumps(DOC_QRIS_NOTIFICATION).encode())
    assert (outcome.kind, outcome.status, outcome.amount) == (base.PAYMENT, base.PAID, 5539_00)
    assert outcome.order_id == "qris-01"
    assert outcome.occurred_at == datetime(2021, 6, 23, 7, 6, 48)  # 14:06:48 GMT+7


@pytest.mark.parametrize("transaction_status, fraud_status, expected", [
    ("pending", "accept", base.PENDING), ("settlement", "accept", base.PAID), ("expire", "accept", base.EXPIRED),
    ("cancel", "accept", base.CANCELLED), ("deny", "accept", base.FAILED), ("capture", "challenge", base.PENDING),
    ("capture", "accept", base.PAID), ("settlement", "deny", base.FAILED), ("refund", "accept", base.REFUNDED),
])
def test_transaction_status_maps_to_our_payment_status(transaction_status, fraud_status, expected):
    payload = {**DOC_QRIS_NOTIFICATION, "transaction_status": transaction_status, "fraud_status": fraud_status}
    assert outcome_from(payload).status == expected


def test_a_partial_refund_notification_is_refund_news_with_the_total_refunded():
    payload = {**DOC_QRIS_NOTIFICATION, "transaction_status": "partial_refund",
               "refunds": [{"refund_amount": "1000.00"}, {"refund_amount": "539.00"}]}
    outcome = outcome_from(payload)
    assert (outcome.kind, outcome.status, outcome.refunded_amount) == (base.REFUND, base.REFUNDED, 1539_00)


def test_a_notification_signed_with_our_server_key_verifies():
    assert MidtransGateway(KEY).verify_callback({}, signed(DOC_QRIS_NOTIFICATION))


@pytest.mark.parametrize("tamper", [
    {"gross_amount": "5539"},          # the same amount, not the same string: the signature is over strings
    {"status_code": "201"},
    {"order_id": "qris-02"},
    {"transaction_status": None, "signature_key": "0" * 128},
    {"signature_key": None},
])
def test_a_forged_or_tampered_notification_does_not_verify(tamper):
    body = json.loads(signed(DOC_QRIS_NOTIFICATION))
    body.update(tamper)
    body = {key: value for key, value in body.items() if value is not None}
    assert not MidtransGateway(KEY).verify_callback({}, json.dumps(body).encode())


def test_a_notification_signed_with_another_key_does_not_verify():
    assert not MidtransGateway(KEY).verify_callback({}, signed(DOC_QRIS_NOTIFICATION, key="another-merchant"))


def test_the_documented_notification_does_not_verify_with_a_key_that_did_not_sign_it():
    assert not MidtransGateway(KEY).verify_callback({}, json.dumps(DOC_QRIS_NOTIFICATION).encode())


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", json.dumps({"transaction_status": "settlement"}).encode(),
                                  json.dumps({**DOC_QRIS_NOTIFICATION, "transaction_status": "teleported"}).encode()])
def test_a_body_that_is_not_a_notification_is_malformed(body):
    with pytest.raises(CallbackMalformed):
        MidtransGateway(KEY).parse_callback(body)
    assert not MidtransGateway(KEY).verify_callback({}, body)


def test_a_repeated_delivery_has_the_same_event_key_and_news_another():
    gateway = MidtransGateway(KEY)
    first = gateway.parse_callback(signed(DOC_QRIS_NOTIFICATION))
    again = gateway.parse_callback(signed(DOC_QRIS_NOTIFICATION))
    expired = gateway.parse_callback(signed({**DOC_QRIS_NOTIFICATION, "transaction_status": "expire",
                                             "status_code": "202"}))
    assert first.event_key == again.event_key != expired.event_key


def test_a_notification_can_be_read_before_its_tenant_is_known():
    from cloud.gateways import parse_callback

    outcome = parse_callback("midtrans", json.dumps(DOC_QRIS_NOTIFICATION).encode())
    assert (outcome.gateway_id, outcome.order_id) == ("513f1f01-c9da-474c-9fc9-d5c64364b709", "qris-01")
