"""`pos gateway-sim` on its own: the providers' auth, validation and status codes, the
customer's side (/_sim), and the webhook faults a test can ask for.

The simulator app runs in-process (test client for requests, its ticker thread for
expiries and deliveries); its webhooks go over real HTTP to a loopback receiver.
"""
from __future__ import annotations

import base64
import hashlib
import time

import pytest

from simulators.gateway import create_app
from simulators.gateway.core import Credentials
from simulators.gateway.qris import crc16
from tests.support.webhook_receiver import WebhookReceiver

KEYS = Credentials("SB-Mid-server-sim-tests", "xnd_development_sim_tests", "sim-tests-token")


def basic(secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}


MIDTRANS = basic(KEYS.midtrans_server_key)
XENDIT = basic(KEYS.xendit_secret_key)
QR_VERSION = {**XENDIT, "api-version": "2022-07-31"}


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def app(receiver):
    app = create_app(KEYS, webhook_base=receiver.url)
    yield app
    app.extensions["gateway_sim"].stop()


@pytest.fixture
def client(app):
    return app.test_client()


def qris_charge(client, order_id="order-1", amount=10000, headers=None) -> dict:
    response = client.post("/v2/charge", headers={**MIDTRANS, **(headers or {})}, json={
        "payment_type": "qris", "transaction_details": {"order_id": order_id, "gross_amount": amount}})
    assert response.status_code == 200, response.json
    return response.json


def settled(log: list[dict]) -> bool:
    return all(item["state"] != "queued" for item in log)


def deliveries(client, charge_id: str, until=settled, timeout: float = 5.0) -> list[dict]:
    """The charge's delivery log, once `until(log)` holds (the sim records an answer after it arrives)."""
    deadline = time.monotonic() + timeout
    while not until(log := client.get(f"/_sim/webhooks/?charge_id={charge_id}").json["data"]):
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    return log


def configure(client, **settings) -> dict:
    response = client.post("/_sim/config", json=settings)
    assert response.status_code == 200, response.json
    return response.json


# --- Midtrans -------------------------------------------------------------------------------

def test_midtrans_refuses_a_wrong_server_key_with_its_401(client):
    response = client.post("/v2/charge", headers=basic("SB-Mid-server-guess"), json={})
    assert response.status_code == 401 and response.json["status_code"] == "401"


def test_midtrans_charge_validation_names_what_is_wrong(client):
    response = client.post("/v2/charge", headers=MIDTRANS, json={
        "payment_type": "qris", "transaction_details": {"order_id": "o 1", "gross_amount": 100.5}})
    assert response.status_code == 400
    messages = " ".join(response.json["validation_messages"])
    assert "order_id" in messages and "gross_amount" in messages


def test_midtrans_qris_answer_carries_a_valid_qris_payload(client):
    answer = qris_charge(client, amount=789000)
    qr = answer["qr_string"]
    assert answer["status_code"] == "201" and answer["transaction_status"] == "pending"
    assert answer["gross_amount"] == "789000.00"
    assert "5409789000.00" in qr and qr[-8:-4] == "6304" and qr[-4:] == crc16(qr[:-4])


def test_the_qris_checksum_matches_midtrans_documented_qr_string():
    documented = ("00020101021226620014COM.GO-JEK.WWW011993600914349052630340210G4905263030303UKE51440014ID.CO.QRIS."
                  "WWW0215AID0607336128660303UKE5204341453033605802ID5904Test6007BANDUNG6105402845409789000.006247503"
                  "6c032f87c-f773-4619-aefa-675e1f06f9210703A016304A623")
    assert crc16(documented[:-4]) == "A623"


def test_midtrans_notifications_go_to_the_override_else_the_dashboard_and_appended_urls(client, receiver):
    override = qris_charge(client, "o-override", headers={"X-Override-Notification": "http://a.test/1,http://a.test/2"})
    append = qris_charge(client, "o-append", headers={"X-Append-Notification": "http://b.test/1"})
    urls = {charge["transaction_id"]: client.get(f"/_sim/charges/{charge['transaction_id']}").json["webhook_urls"]
            for charge in (override, append)}
    assert urls[override["transaction_id"]] == ["http://a.test/1", "http://a.test/2"]
    assert urls[append["transaction_id"]] == [f"{receiver.url}/api/payments/webhook/midtrans/", "http://b.test/1"]


def test_midtrans_notification_is_signed_with_the_documented_formula(client, receiver):
    charge = qris_charge(client, "order-signed", 15000)
    client.post(f"/_sim/charges/{charge['transaction_id']}/pay")
    notification = receiver.wait_for(2)[1].json()
    expected = hashlib.sha512(("order-signed" + notification["status_code"] + "15000.00"
                               + KEYS.midtrans_server_key).encode()).hexdigest()
    assert notification["transaction_status"] == "settlement" and notification["status_code"] == "200"
    assert notification["signature_key"] == expected


def test_midtrans_refuses_a_reused_order_id_while_its_charge_is_open(client):
    qris_charge(client, "order-twice")
    response = client.post("/v2/charge", headers=MIDTRANS, json={
        "payment_type": "qris", "transaction_details": {"order_id": "order-twice", "gross_amount": 1000}})
    assert response.status_code == 406 and response.json["status_code"] == "406"


def test_midtrans_refund_key_makes_a_retried_refund_the_same_refund(client):
    charge = qris_charge(client, "order-refund", 20000)
    client.post(f"/_sim/charges/{charge['transaction_id']}/pay")
    for _ in range(2):
        answer = client.post(f"/v2/{charge['transaction_id']}/refund", headers=MIDTRANS,
                             json={"refund_key": "rk-1", "amount": 5000, "reason": "wrong size"}).json
        assert answer["status_code"] == "200" and answer["transaction_status"] == "partial_refund"
    assert client.get(f"/_sim/charges/{charge['transaction_id']}").json["refunded_amount"] == "5000.00"


def test_midtrans_cannot_cancel_a_settled_charge(client):
    charge = qris_charge(client, "order-412")
    client.post(f"/_sim/charges/{charge['transaction_id']}/pay")
    response = client.post(f"/v2/{charge['transaction_id']}/cancel", headers=MIDTRANS)
    assert response.status_code == 412 and response.json["status_code"] == "412"


def test_midtrans_status_is_found_by_order_id_too(client):
    charge = qris_charge(client, "order-lookup")
    answer = client.get("/v2/order-lookup/status", headers=MIDTRANS).json
    assert answer["transaction_id"] == charge["transaction_id"] and answer["status_code"] == "201"


def test_the_generate_qr_code_action_serves_a_png_an_img_tag_can_show(client):
    charge = qris_charge(client, "order-png")
    url = charge["actions"][0]["url"].split("localhost", 1)[1]
    response = client.get(url)
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")


# --- Xendit ---------------------------------------------------------------------------------

def test_xendit_qr_codes_need_api_version_2022_07_31_and_refuse_a_callback_url_in_it(client):
    body = {"reference_id": "r-1", "type": "DYNAMIC", "currency": "IDR", "amount": 10000}
    assert client.post("/qr_codes", headers=XENDIT, json=body).status_code == 400
    refused = client.post("/qr_codes", headers=QR_VERSION, json={**body, "callback_url": "http://x.test/"})
    assert refused.status_code == 400 and refused.json["error_code"] == "API_VALIDATION_ERROR"
    created = client.post("/qr_codes", headers=QR_VERSION, json=body)
    assert created.status_code == 201 and created.json["status"] == "ACTIVE"


def test_xendit_refuses_a_wrong_secret_key(client):
    response = client.get("/qr_codes/qr_x", headers={**basic("xnd_development_guess"), "api-version": "2022-07-31"})
    assert response.status_code == 401 and response.json["error_code"] == "INVALID_API_KEY"


def test_a_xendit_qr_turns_inactive_at_its_expiry_without_a_callback(client, receiver):
    expires = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 1))
    qr = client.post("/qr_codes", headers=QR_VERSION, json={
        "reference_id": "r-exp", "type": "DYNAMIC", "currency": "IDR", "amount": 5000, "expires_at": expires}).json
    deadline = time.monotonic() + 5
    while client.get(f"/qr_codes/{qr['id']}", headers=QR_VERSION).json["status"] != "INACTIVE":
        assert time.monotonic() < deadline, "the QR did not expire"
        time.sleep(0.1)
    assert client.get(f"/_sim/charges/{qr['id']}").json["state"] == "expired"
    assert receiver.settle(0.3) == []


def test_xendit_callbacks_carry_the_callback_token(client, receiver):
    charge = client.post("/ewallets/charges", headers=XENDIT, json={
        "reference_id": "r-dana", "currency": "IDR", "amount": 12000, "checkout_method": "ONE_TIME_PAYMENT",
        "channel_code": "ID_DANA", "channel_properties": {"success_redirect_url": "https://kiosk.test/b"}})
    assert charge.status_code == 202
    client.post(f"/_sim/charges/{charge.json['id']}/pay")
    (callback,) = receiver.wait_for(1)
    assert callback.headers["x-callback-token"] == KEYS.xendit_callback_token
    assert callback.json()["event"] == "ewallet.capture" and callback.json()["data"]["status"] == "SUCCEEDED"


def test_xendit_refunds_api_does_not_take_qr_payments(client):
    qr = client.post("/qr_codes", headers=QR_VERSION, json={
        "reference_id": "r-qr", "type": "DYNAMIC", "currency": "IDR", "amount": 5000}).json
    client.post(f"/_sim/charges/{qr['id']}/pay")
    response = client.post("/refunds", headers=XENDIT, json={"payment_request_id": qr["id"], "reason": "OTHERS"})
    assert response.status_code == 400 and response.json["error_code"] == "REFUND_NOT_SUPPORTED"


def test_with_refunds_pending_a_xendit_refund_answers_pending_and_its_callback_says_succeeded(client, receiver):
    charge = client.post("/ewallets/charges", headers=XENDIT, json={
        "reference_id": "r-dana-slow", "currency": "IDR", "amount": 12000, "checkout_method": "ONE_TIME_PAYMENT",
        "channel_code": "ID_DANA", "channel_properties": {"success_redirect_url": "https://kiosk.test/b"}}).json
    client.post(f"/_sim/charges/{charge['id']}/pay")
    receiver.wait_for(1)
    assert client.post("/_sim/config", json={"refunds_pending": "yes"}).json["field"] == "refunds_pending"
    configure(client, refunds_pending=True)
    refund = client.post("/refunds", headers={**XENDIT, "idempotency-key": "slow-1"}, json={
        "payment_request_id": charge["id"], "amount": 5000, "reason": "OTHERS"}).json
    assert refund["status"] == "PENDING"
    done = receiver.wait_for(2)[-1].json()
    assert done["event"] == "refund.succeeded" and done["data"]["id"] == refund["id"]
    assert done["data"]["status"] == "SUCCEEDED"


# --- the customer's side and the control API ---------------------------------------------

def test_charges_are_listed_with_the_gateway_id_and_the_merchants_order_id(client):
    charge = qris_charge(client, "order-listed", 4500)
    listed = client.get("/_sim/charges/?order_id=order-listed").json["data"]
    assert [(item["id"], item["provider"], item["amount"], item["state"]) for item in listed] == [
        (charge["transaction_id"], "midtrans", "4500.00", "open")]


def test_paying_twice_is_a_conflict_and_an_unknown_charge_is_not_found(client):
    charge = qris_charge(client, "order-pay-twice")
    assert client.post(f"/_sim/charges/{charge['transaction_id']}/pay").json["state"] == "paid"
    again = client.post(f"/_sim/charges/{charge['transaction_id']}/pay")
    assert again.status_code == 409 and again.json["code"] == "CHARGE_NOT_OPEN"
    missing = client.post("/_sim/charges/nope/pay")
    assert missing.status_code == 404 and set(missing.json) == {"error", "message", "field", "code"}


def test_force_pays_a_charge_the_merchant_cancelled(client, receiver):
    charge = qris_charge(client, "order-late")
    client.post(f"/v2/{charge['transaction_id']}/cancel", headers=MIDTRANS)
    paid = client.post(f"/_sim/charges/{charge['transaction_id']}/pay", json={"force": True})
    assert paid.json["state"] == "paid"
    statuses = [item.json()["transaction_status"] for item in receiver.wait_for(3)]
    assert statuses == ["pending", "cancel", "settlement"]


def test_the_config_refuses_what_it_cannot_do(client):
    assert client.post("/_sim/config", json={"delay_ms": -1}).json["field"] == "delay_ms"
    assert client.post("/_sim/config", json={"colour": "red"}).status_code == 400
    assert client.post("/_sim/config", json={"retry_ms": "soon"}).status_code == 400


def test_the_page_lists_charges_for_a_person_to_pay(client):
    page = client.get("/")
    assert page.status_code == 200 and b"Payment gateway simulator" in page.data and b"/_sim/charges/" in page.data


# --- webhook faults ----------------------------------------------------------------------

def test_a_delayed_webhook_arrives_no_sooner_than_the_delay(client, receiver):
    configure(client, delay_ms=400)
    sent = time.monotonic()
    qris_charge(client, "order-delay")
    (pending,) = receiver.wait_for(1)
    assert pending.at - sent >= 0.4


def test_a_duplicated_webhook_arrives_twice_with_the_same_body(client, receiver):
    configure(client, duplicate=1)
    qris_charge(client, "order-dup")
    first, second = receiver.wait_for(2)
    assert first.body == second.body


def test_a_dropped_webhook_never_arrives_and_the_log_says_so(client, receiver):
    charge = qris_charge(client, "order-drop")
    receiver.wait_for(1)
    client.post(f"/_sim/charges/{charge['transaction_id']}/pay", json={"webhook": {"drop": True}})
    assert len(receiver.settle(0.4)) == 1
    assert [item["state"] for item in deliveries(client, charge["transaction_id"])] == ["delivered", "dropped"]


def test_drop_next_drops_that_many_webhooks_then_delivers_again(client, receiver):
    assert configure(client, drop_next=1)["drop_next"] == 1
    qris_charge(client, "order-drop-1")
    qris_charge(client, "order-drop-2")
    (delivered,) = receiver.wait_for(1)
    assert delivered.json()["order_id"] == "order-drop-2"
    assert client.get("/_sim/config").json["drop_next"] == 0


def test_reordered_webhooks_bring_the_settlement_before_the_pending(client, receiver):
    configure(client, reorder=True)
    charge = qris_charge(client, "order-reorder")
    assert receiver.settle(0.3) == []  # held until the charge's final word
    client.post(f"/_sim/charges/{charge['transaction_id']}/pay")
    statuses = [item.json()["transaction_status"] for item in receiver.wait_for(2)]
    assert statuses == ["settlement", "pending"]


def test_a_refused_webhook_is_retried_until_it_is_taken(client, receiver):
    configure(client, retry_ms=[100, 100, 100])
    receiver.fail_next = 2
    charge = qris_charge(client, "order-retry")
    receiver.wait_for(3)
    (delivery,) = deliveries(client, charge["transaction_id"])
    assert delivery["state"] == "delivered"
    assert [attempt["status"] for attempt in delivery["attempts"]] == [503, 503, 200]


def test_a_webhook_refused_past_its_retries_is_failed(client, receiver):
    configure(client, retry_ms=[50])
    receiver.fail_next = 10
    charge = qris_charge(client, "order-give-up")
    receiver.wait_for(2)
    (delivery,) = deliveries(client, charge["transaction_id"])
    assert delivery["state"] == "failed" and len(delivery["attempts"]) == 2


def test_the_demo_tenants_gateway_credentials_are_the_simulators_defaults():
    """`pos cloud seed-demo` seals these for the demo tenant; the cloud may not import the
    simulator, so its copy is checked here."""
    from cloud.services.demo import DEMO_GATEWAYS
    from simulators.gateway import core

    assert dict((provider, credentials) for provider, credentials, _ in DEMO_GATEWAYS) == {
        "midtrans": {"server_key": core.DEFAULT_MIDTRANS_SERVER_KEY},
        "xendit": {"secret_key": core.DEFAULT_XENDIT_SECRET_KEY, "callback_token": core.DEFAULT_XENDIT_CALLBACK_TOKEN}}
    assert [provider for provider, _, primary in DEMO_GATEWAYS if primary] == ["midtrans"]
