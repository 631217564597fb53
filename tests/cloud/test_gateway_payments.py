"""Gateway charges through the cloud: a device asks for a QRIS charge, a real
`pos gateway-sim` process creates it, the customer pays on the simulator, and the
simulator's own signed webhook (caught on loopback, then delivered to the app) settles
it exactly once. Forged, replayed, mismatched and other tenants' webhooks change nothing."""
from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from cloud.extensions import db
from cloud.models import GatewayAccount, GatewayCharge, Outlet, PaymentCallback
from cloud.services import enrollment
from tests.cloud.test_role_matrix import enroll_device
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

MIDTRANS_KEY = "SB-Mid-server-cloud-charges"
XENDIT_KEY = "xnd_development_cloud_charges"
XENDIT_TOKEN = "cloud-charges-callback-token"


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def sim(tmp_path_factory, receiver):
    process = GatewaySim(tmp_path_factory.mktemp("sim") / "sim.log", receiver.url, midtrans_server_key=MIDTRANS_KEY,
                         xendit_secret_key=XENDIT_KEY, xendit_callback_token=XENDIT_TOKEN).start()
    yield process
    process.stop()


@pytest.fixture
def app(make_cloud_app, sim, receiver):
    return make_cloud_app(MIDTRANS_API_URL=sim.url, XENDIT_API_URL=sim.url, CLOUD_PUBLIC_URL=receiver.url,
                          GATEWAY_TIMEOUT_S=5)


def device_headers(app, client, outlet_id) -> dict:
    with app.app_context():
        key, _ = enrollment.issue_key(db.session, db.session.get(Outlet, outlet_id), None)
        db.session.commit()
    _, _, access = enroll_device(client, key, "till")
    return {"Authorization": f"Bearer {access}"}


def set_account(client, world, tenant="a", provider="midtrans", **credentials):
    credentials = credentials or ({"server_key": MIDTRANS_KEY} if provider == "midtrans"
                                  else {"secret_key": XENDIT_KEY, "callback_token": XENDIT_TOKEN})
    response = client.put(f"/api/payments/gateways/{provider}/", json=credentials,
                          headers=world.headers("tenant_owner", tenant))
    assert response.status_code == 200, response.json
    return response


def charge(client, headers, amount="25000.00", method="qris", **extra):
    body = {"payment_uuid": str(uuid.uuid4()), "order_uuid": str(uuid.uuid4()), "method": method,
            "amount": amount, **extra}
    return body, client.post("/api/sync/payments/", json=body, headers=headers)


def sim_pay(sim, gateway_id):
    response = requests.post(f"{sim.url}/_sim/charges/{gateway_id}/pay", timeout=5)
    assert response.status_code == 200, response.text


def deliveries(receiver, order_id, count, status=None):
    def match(item):
        return order_id.encode() in item.body and (status is None or status.encode() in item.body)
    return receiver.wait_for(count, match=match)


def deliver(client, provider, item, body=None):
    headers = {k: v for k, v in item.headers.items() if k.lower() in ("content-type", "x-callback-token")}
    return client.post(f"/api/payments/webhook/{provider}/", data=body if body is not None else item.body,
                       headers=headers)


@pytest.fixture
def till(app, client, world):
    set_account(client, world)
    return device_headers(app, client, world.a.outlet_id)


def test_a_device_gets_a_qris_charge_and_the_same_payment_uuid_answers_it_again(client, till):
    body, first = charge(client, till)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "pending" and first.json["qr_string"].startswith("000201")
    assert first.json["amount"] == "25000.00" and first.json["provider"] == "midtrans"
    again = client.post("/api/sync/payments/", json=body, headers=till)
    assert again.status_code == 200 and again.json["gateway_id"] == first.json["gateway_id"]
    reused = client.post("/api/sync/payments/", json={**body, "amount": "1.00"}, headers=till)
    assert reused.status_code == 409 and reused.json["code"] == "PAYMENT_UUID_REUSED"


def test_the_simulators_signed_settlement_pays_the_charge_once(app, client, till, sim, receiver):
    body, created = charge(client, till)
    sim_pay(sim, created.json["gateway_id"])
    settlement = deliveries(receiver, body["payment_uuid"], 1, "settlement")[0]
    first = deliver(client, "midtrans", settlement)
    assert first.status_code == 200 and first.json["status"] == "applied"
    replay = deliver(client, "midtrans", settlement)
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"
    shown = client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till)
    assert shown.json["status"] == "paid" and shown.json["paid_at"]
    with app.app_context():
        verdicts = [c.verdict for c in db.session.query(PaymentCallback).order_by(PaymentCallback.id)]
        assert verdicts == ["applied", "duplicate"]


def test_a_forged_or_altered_notification_changes_nothing_and_is_logged(app, client, till, sim, receiver):
    body, created = charge(client, till)
    sim_pay(sim, created.json["gateway_id"])
    settlement = deliveries(receiver, body["payment_uuid"], 1, "settlement")[0]
    altered = settlement.json() | {"signature_key": "0" * 128}
    answer = deliver(client, "midtrans", settlement, json.dumps(altered).encode())
    assert answer.status_code == 401 and answer.json["status"] == "forged"
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).json["status"] == "pending"
    malformed = client.post("/api/payments/webhook/midtrans/", data=b"{\"hello\": 1}",
                            headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    with app.app_context():
        assert {c.verdict for c in db.session.query(PaymentCallback)} == {"forged", "malformed"}


def test_a_settlement_for_another_amount_is_refused_as_a_mismatch(app, client, till, sim, receiver):
    body, created = charge(client, till, amount="30000.00")
    with app.app_context():  # the charge as the cloud holds it says less than the gateway was asked
        row = db.session.query(GatewayCharge).filter_by(payment_uuid=body["payment_uuid"]).one()
        row.amount = 10000_00
        db.session.commit()
    sim_pay(sim, created.json["gateway_id"])
    settlement = deliveries(receiver, body["payment_uuid"], 1, "settlement")[0]
    answer = deliver(client, "midtrans", settlement)
    assert answer.json["status"] == "mismatch"
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).json["status"] == "pending"


def test_a_webhook_signed_with_another_tenants_key_cannot_settle_a_charge(app, client, world, till, sim, receiver):
    body, created = charge(client, till)
    sim_pay(sim, created.json["gateway_id"])
    settlement = deliveries(receiver, body["payment_uuid"], 1, "settlement")[0]
    # the simulator signs with MIDTRANS_KEY: make that tenant b's key, and tenant a's another one
    set_account(client, world, tenant="b")
    set_account(client, world, tenant="a", server_key="SB-Mid-server-tenant-a-own")
    assert deliver(client, "midtrans", settlement).status_code == 401
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).json["status"] == "pending"
    other_till = device_headers(app, client, world.b.outlet_id)
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=other_till).status_code == 404


def test_check_now_asks_the_gateway_and_records_the_payment(client, till, sim):
    body, created = charge(client, till)
    sim_pay(sim, created.json["gateway_id"])
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).json["status"] == "pending"
    checked = client.get(f"/api/sync/payments/{body['payment_uuid']}/?check=true", headers=till)
    assert checked.status_code == 200 and checked.json["status"] == "paid"


def test_cancel_withdraws_a_pending_charge_and_a_refund_goes_through_the_gateway(client, till, sim):
    body, created = charge(client, till)
    cancelled = client.post(f"/api/sync/payments/{body['payment_uuid']}/cancel/", headers=till)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    paid_body, paid = charge(client, till, amount="40000.00")
    sim_pay(sim, paid.json["gateway_id"])
    client.get(f"/api/sync/payments/{paid_body['payment_uuid']}/?check=true", headers=till)
    refund = {"refund_uuid": str(uuid.uuid4()), "amount": "15000.00", "reason": "cold pizza"}
    answer = client.post(f"/api/sync/payments/{paid_body['payment_uuid']}/refunds/", json=refund, headers=till)
    assert answer.status_code == 201 and answer.json["status"] == "succeeded", answer.json
    too_much = client.post(f"/api/sync/payments/{paid_body['payment_uuid']}/refunds/",
                           json={**refund, "refund_uuid": str(uuid.uuid4()), "amount": "30000.00"}, headers=till)
    assert too_much.status_code == 400 and too_much.json["code"] == "REFUND_TOO_LARGE"
    shown = client.get(f"/api/sync/payments/{paid_body['payment_uuid']}/", headers=till).json
    assert shown["refunded_amount"] == "15000.00" and shown["status"] == "paid"
    listed = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": paid_body["payment_uuid"]}, timeout=5)
    assert "15000" in listed.text


def test_without_an_account_or_a_gateway_the_till_is_told_to_take_cash(app, client, world, sim):
    headers = device_headers(app, client, world.b.outlet_id)
    _, answer = charge(client, headers)
    assert answer.status_code == 503 and answer.json["code"] == "GATEWAY_NOT_CONFIGURED"
    set_account(client, world, tenant="b")
    app.config["MIDTRANS_API_URL"] = f"http://127.0.0.1:{free_port()}"
    _, answer = charge(client, headers)
    assert answer.status_code == 503 and answer.json["code"] == "GATEWAY_UNREACHABLE"
    assert "cash" in answer.json["message"]


def test_credentials_are_write_only_and_sealed(app, client, world):
    written = set_account(client, world)
    listed = client.get("/api/payments/gateways/", headers=world.headers("manager"))
    assert MIDTRANS_KEY not in written.get_data(as_text=True) + listed.get_data(as_text=True)
    assert listed.json[0]["provider"] == "midtrans" and listed.json[0]["is_primary"] is True
    with app.app_context():
        assert MIDTRANS_KEY not in db.session.query(GatewayAccount).one().sealed_credentials
    assert client.put("/api/payments/gateways/midtrans/", json={"server_key": "x"},
                      headers=world.headers("manager")).status_code == 403
    missing = client.put("/api/payments/gateways/xendit/", json={"secret_key": "k"},
                         headers=world.headers("tenant_owner"))
    assert missing.status_code == 400 and missing.json["field"] == "callback_token"


def test_xendit_qr_pays_through_its_callback_token(client, world, app, sim, receiver):
    client.put("/api/payments/gateways/xendit/", json={"secret_key": XENDIT_KEY, "callback_token": XENDIT_TOKEN,
                                                       "is_primary": True}, headers=world.headers("tenant_owner"))
    headers = device_headers(app, client, world.a.outlet_id)
    body, created = charge(client, headers)
    assert created.status_code == 201 and created.json["provider"] == "xendit", created.json
    sim_pay(sim, created.json["gateway_id"])
    callback = deliveries(receiver, created.json["gateway_id"], 1)[0]
    assert deliver(client, "xendit", callback).json["status"] == "applied"
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=headers).json["status"] == "paid"


def test_a_charge_the_gateway_refuses_is_a_502_bad_gateway_and_records_nothing(app, client, world):
    set_account(client, world, server_key="SB-Mid-server-not-the-simulators")  # the gateway refuses this key
    till = device_headers(app, client, world.a.outlet_id)
    body, refused = charge(client, till)
    assert refused.status_code == 502, refused.json
    assert (refused.json["error"], refused.json["code"]) == ("BadGateway", "GATEWAY_REJECTED")
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).status_code == 404


def test_a_long_poll_waits_for_a_change_and_with_every_slot_taken_answers_at_once(make_cloud_app, client, world,
                                                                                  sim, receiver):
    """`wait` holds a server thread: with no slot left (here 0) the charge is answered as it
    stands, at once, and the edge polls again; a charge that is not pending never waits."""
    app = make_cloud_app(MIDTRANS_API_URL=sim.url, XENDIT_API_URL=sim.url, CLOUD_PUBLIC_URL=receiver.url,
                         CHARGE_WAIT_SLOTS=0)
    client = app.test_client()
    set_account(client, world)
    till = device_headers(app, client, world.a.outlet_id)
    body, created = charge(client, till)
    started = time.monotonic()
    answer = client.get(f"/api/sync/payments/{body['payment_uuid']}/?wait=25", headers=till)
    assert answer.status_code == 200 and answer.json["status"] == "pending"
    assert time.monotonic() - started < 10  # not the 25 s
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/?wait=26", headers=till).json["field"] == "wait"
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/?wait=2.5", headers=till).status_code == 400


def test_a_manager_lists_the_charges_and_cancels_a_pending_one_at_the_gateway(client, world, till, sim):
    body, created = charge(client, till)
    listed = client.get("/api/payments/charges/?status=pending", headers=world.headers("manager")).json
    assert body["payment_uuid"] in [row["payment_uuid"] for row in listed["results"]]
    assert client.get("/api/payments/charges/", headers=world.headers("manager", "b")).json["count"] == 0
    assert client.post(f"/api/payments/{body['payment_uuid']}/cancel/",
                       headers=world.headers("manager", "b")).status_code == 404  # another tenant's charge
    assert client.post(f"/api/payments/{body['payment_uuid']}/cancel/",
                       headers=world.headers("cashier")).status_code == 403
    assert client.post("/api/payments/not-a-uuid/cancel/", headers=world.headers("manager")).status_code == 404
    cancelled = client.post(f"/api/payments/{body['payment_uuid']}/cancel/", headers=world.headers("manager"))
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled", cancelled.json
    at_sim = requests.get(f"{sim.url}/_sim/charges/{created.json['gateway_id']}", timeout=5).json()
    assert at_sim["state"] == "cancelled"
    assert client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=till).json["status"] == "cancelled"
    paid_body, paid = charge(client, till, amount="30000.00")
    sim_pay(sim, paid.json["gateway_id"])
    late = client.post(f"/api/payments/{paid_body['payment_uuid']}/cancel/", headers=world.headers("manager"))
    assert late.status_code == 200 and late.json["status"] == "paid"  # the customer won the race
    assert client.post(f"/api/payments/{paid_body['payment_uuid']}/cancel/",
                       headers=world.headers("manager")).json["code"] == "CHARGE_NOT_PENDING"


@pytest.fixture
def pending_refunds(sim):
    requests.post(f"{sim.url}/_sim/config", json={"refunds_pending": True}, timeout=5).raise_for_status()
    yield
    requests.post(f"{sim.url}/_sim/config", json={"refunds_pending": False}, timeout=5).raise_for_status()


def test_a_xendit_refund_answered_pending_counts_once_its_callback_says_succeeded(client, world, app, sim, receiver,
                                                                                  pending_refunds):
    client.put("/api/payments/gateways/xendit/", json={"secret_key": XENDIT_KEY, "callback_token": XENDIT_TOKEN,
                                                       "is_primary": True}, headers=world.headers("tenant_owner"))
    headers = device_headers(app, client, world.a.outlet_id)
    body, created = charge(client, headers, method="ewallet", amount="40000.00", channel="dana")
    assert created.status_code == 201 and created.json["channel"] == "dana", created.json
    sim_pay(sim, created.json["gateway_id"])
    capture = deliveries(receiver, created.json["gateway_id"], 1, "SUCCEEDED")[0]
    assert deliver(client, "xendit", capture).json["status"] == "applied"
    refund = {"refund_uuid": str(uuid.uuid4()), "amount": "15000.00", "reason": "cold pizza"}
    url = f"/api/sync/payments/{body['payment_uuid']}/refunds/"
    first = client.post(url, json=refund, headers=headers)
    assert first.status_code == 201 and first.json["status"] == "pending", first.json
    shown = client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=headers).json
    assert shown["refunded_amount"] == "0.00"  # not money back yet
    too_much = client.post(url, json={**refund, "refund_uuid": str(uuid.uuid4()), "amount": "30000.00"},
                           headers=headers)
    assert too_much.json["code"] == "REFUND_TOO_LARGE"  # the pending refund is counted against what is left
    succeeded = deliveries(receiver, first.json["gateway_refund_id"], 1, "refund.succeeded")[0]
    assert deliver(client, "xendit", succeeded).json["status"] == "applied"
    assert deliver(client, "xendit", succeeded).json["status"] == "duplicate"
    shown = client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=headers).json
    assert shown["refunded_amount"] == "15000.00" and shown["status"] == "paid"
    again = client.post(url, json=refund, headers=headers)  # the edge asks again with the same refund uuid
    assert again.json["status"] == "succeeded"


def test_a_refund_callback_before_the_refund_is_recorded_is_asked_again(client, world, app, sim, receiver):
    client.put("/api/payments/gateways/xendit/", json={"secret_key": XENDIT_KEY, "callback_token": XENDIT_TOKEN,
                                                       "is_primary": True}, headers=world.headers("tenant_owner"))
    headers = device_headers(app, client, world.a.outlet_id)
    body, created = charge(client, headers, method="ewallet", amount="20000.00", channel="dana")
    sim_pay(sim, created.json["gateway_id"])
    deliver(client, "xendit", deliveries(receiver, created.json["gateway_id"], 1, "SUCCEEDED")[0])
    made = requests.post(f"{sim.url}/refunds", auth=(XENDIT_KEY, ""), timeout=5, json={
        "payment_request_id": created.json["gateway_id"], "amount": 5000, "reason": "OTHERS",
        "currency": "IDR", "reference_id": str(uuid.uuid4())}).json()  # made behind the cloud's back
    callback = deliveries(receiver, made["id"], 1, "refund.succeeded")[0]
    answer = deliver(client, "xendit", callback)
    assert answer.status_code == 404 and answer.json["status"] == "unknown_refund"  # so Xendit retries
    shown = client.get(f"/api/sync/payments/{body['payment_uuid']}/", headers=headers).json
    assert shown["refunded_amount"] == "0.00"
