"""The adapters against a real `pos gateway-sim` process over loopback HTTP.

The simulator is a second, independent reading of the providers' documentation (it
imports nothing of ours), so these tests check that both readings agree: requests the
simulator accepts, answers and webhooks the adapters understand and verify.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from cloud.gateways import base, gateway_for
from cloud.gateways.base import ChargeRef, ChargeRequest
from cloud.gateways.errors import GatewayRejected, GatewayUnreachable, GatewayUnsupported
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

MIDTRANS_KEY = "SB-Mid-server-adapter-tests"
XENDIT_KEY = "xnd_development_adapter_tests"
XENDIT_TOKEN = "adapter-tests-callback-token"


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
def midtrans(sim):
    return gateway_for("midtrans", {"server_key": MIDTRANS_KEY}, base_url=sim.url, timeout=5)


@pytest.fixture
def xendit(sim):
    return gateway_for("xendit", {"secret_key": XENDIT_KEY, "callback_token": XENDIT_TOKEN}, base_url=sim.url,
                       timeout=5)


def order() -> str:
    return f"ord-{uuid.uuid4().hex[:12]}"


def pay(sim, gateway_id: str, **body) -> dict:
    response = requests.post(f"{sim.url}/_sim/charges/{gateway_id}/pay", json=body or None, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def webhooks_for(receiver, order_id: str, count: int):
    return receiver.wait_for(count, match=lambda item: order_id.encode() in item.body)


def test_midtrans_qris_charge_pays_and_its_notification_verifies(sim, midtrans, receiver):
    request = ChargeRequest(order_id=order(), method="qris", amount=25000_00,
                            notification_url=f"{receiver.url}/midtrans-hook")
    charge = midtrans.charge(request)
    assert (charge.status, charge.amount) == (base.PENDING, 25000_00)
    assert charge.qr_string.startswith("000201") and charge.expires_at is not None
    pay(sim, charge.gateway_id)
    assert midtrans.status(charge.ref).status == base.PAID
    pending, settlement = webhooks_for(receiver, request.order_id, 2)
    assert settlement.path == "/midtrans-hook"
    assert midtrans.verify_callback(settlement.headers, settlement.body)
    outcome = midtrans.parse_callback(settlement.body)
    assert (outcome.status, outcome.gateway_id, outcome.amount) == (base.PAID, charge.gateway_id, 25000_00)
    assert midtrans.parse_callback(pending.body).status == base.PENDING


def test_midtrans_notification_does_not_verify_with_another_merchants_key(sim, midtrans, receiver):
    request = ChargeRequest(order_id=order(), method="qris", amount=1000_00)
    pay(sim, midtrans.charge(request).gateway_id)
    notification = webhooks_for(receiver, request.order_id, 2)[1]
    other = gateway_for("midtrans", {"server_key": "SB-Mid-server-another"}, base_url=sim.url)
    assert not other.verify_callback(notification.headers, notification.body)


def test_midtrans_cancels_a_pending_charge_but_not_a_settled_one(sim, midtrans):
    pending = midtrans.charge(ChargeRequest(order_id=order(), method="gopay", amount=5000_00))
    assert pending.deeplink_url.startswith(sim.url)
    assert midtrans.cancel(pending.ref).status == base.CANCELLED
    settled = midtrans.charge(ChargeRequest(order_id=order(), method="qris", amount=5000_00))
    pay(sim, settled.gateway_id)
    with pytest.raises(GatewayRejected) as refused:
        midtrans.cancel(settled.ref)
    assert refused.value.code == "MIDTRANS_412"


def test_a_payment_that_races_the_cancel_shows_as_paid(sim, midtrans):
    charge = midtrans.charge(ChargeRequest(order_id=order(), method="qris", amount=5000_00))
    midtrans.cancel(charge.ref)
    pay(sim, charge.gateway_id, force=True)
    assert midtrans.status(charge.ref).status == base.PAID


def test_midtrans_refunds_part_then_the_rest_and_no_more(sim, midtrans):
    charge = midtrans.charge(ChargeRequest(order_id=order(), method="qris", amount=30000_00))
    pay(sim, charge.gateway_id)
    first = midtrans.refund(charge.ref, amount=10000_00, refund_key="part-1", reason="one drink was wrong")
    assert (first.status, first.amount) == (base.REFUND_SUCCEEDED, 10000_00)
    again = midtrans.refund(charge.ref, amount=10000_00, refund_key="part-1", reason="retry of the same refund")
    assert again.gateway_refund_id == first.gateway_refund_id
    outcome = midtrans.status(charge.ref)
    assert (outcome.kind, outcome.refunded_amount) == (base.REFUND, 10000_00)
    midtrans.refund(charge.ref, amount=20000_00, refund_key="rest", reason="order cancelled")
    with pytest.raises(GatewayRejected):
        midtrans.refund(charge.ref, amount=100_00, refund_key="too-much", reason="nothing left")
    assert midtrans.status(charge.ref).status == base.REFUNDED


def test_midtrans_expiry_is_reported_and_notified(sim, midtrans, receiver):
    request = ChargeRequest(order_id=order(), method="qris", amount=1000_00)
    charge = midtrans.charge(request)
    requests.post(f"{sim.url}/_sim/charges/{charge.gateway_id}/expire", timeout=5).raise_for_status()
    assert midtrans.status(charge.ref).status == base.EXPIRED
    expired = webhooks_for(receiver, request.order_id, 2)[1]
    assert midtrans.verify_callback(expired.headers, expired.body)
    assert midtrans.parse_callback(expired.body).status == base.EXPIRED


def test_midtrans_refuses_a_wrong_server_key_and_a_reused_order_id(sim, midtrans):
    wrong = gateway_for("midtrans", {"server_key": "SB-Mid-server-wrong"}, base_url=sim.url)
    with pytest.raises(GatewayRejected) as refused:
        wrong.charge(ChargeRequest(order_id=order(), method="qris", amount=1000_00))
    assert refused.value.code == "MIDTRANS_401"
    request = ChargeRequest(order_id=order(), method="qris", amount=1000_00)
    midtrans.charge(request)
    with pytest.raises(GatewayRejected) as duplicate:
        midtrans.charge(request)
    assert duplicate.value.code == "MIDTRANS_406"
    with pytest.raises(GatewayRejected) as unknown:
        midtrans.status(ChargeRef("no-such-transaction", "qris"))
    assert unknown.value.code == "MIDTRANS_404"


def test_an_unreachable_gateway_is_said_so():
    gateway = gateway_for("midtrans", {"server_key": MIDTRANS_KEY}, base_url=f"http://127.0.0.1:{free_port()}",
                          timeout=2)
    with pytest.raises(GatewayUnreachable):
        gateway.charge(ChargeRequest(order_id=order(), method="qris", amount=1000_00))


def test_xendit_qris_pays_with_a_callback_that_verifies_and_refunds(sim, xendit, receiver):
    request = ChargeRequest(order_id=order(), method="qris", amount=18000_00)
    charge = xendit.charge(request)
    assert charge.status == base.PENDING and charge.qr_string.startswith("000201")
    assert xendit.status(charge.ref).status == base.PENDING
    pay(sim, charge.gateway_id)
    status = xendit.status(charge.ref)
    assert (status.status, status.amount) == (base.PAID, 18000_00) and status.payment_id.startswith("qrpy_")
    (callback,) = webhooks_for(receiver, request.order_id, 1)
    assert callback.path == "/api/payments/webhook/xendit/"
    assert xendit.verify_callback(callback.headers, callback.body)
    assert xendit.parse_callback(callback.body).payment_id == status.payment_id
    refund = xendit.refund(charge.ref, amount=18000_00, refund_key=f"rf-{request.order_id}", reason="cancelled")
    assert (refund.status, refund.amount) == (base.REFUND_SUCCEEDED, 18000_00)


def test_xendit_dana_charge_pays_and_refunds_with_a_refund_callback(sim, xendit, receiver):
    request = ChargeRequest(order_id=order(), method="dana", amount=12000_00, return_url="https://kiosk.example/b")
    charge = xendit.charge(request)
    assert charge.deeplink_url.startswith(sim.url)
    pay(sim, charge.gateway_id)
    assert xendit.status(charge.ref).status == base.PAID
    refund = xendit.refund(charge.ref, amount=2000_00, refund_key=f"rf-{request.order_id}", reason="one item")
    assert refund.status == base.REFUND_SUCCEEDED and refund.gateway_refund_id.startswith("rfd-")
    capture, refunded = receiver.wait_for(2, match=lambda item: charge.gateway_id.encode() in item.body)
    assert all(xendit.verify_callback(item.headers, item.body) for item in (capture, refunded))
    outcome = xendit.parse_callback(refunded.body)
    assert (outcome.kind, outcome.status, outcome.amount, outcome.gateway_id) == (
        base.REFUND, base.REFUNDED, 2000_00, charge.gateway_id)


def test_xendit_ovo_charge_that_expires_is_expired(sim, xendit):
    charge = xendit.charge(ChargeRequest(order_id=order(), method="ovo", amount=9000_00,
                                         customer_phone="+6281234567890"))
    requests.post(f"{sim.url}/_sim/charges/{charge.gateway_id}/expire", timeout=5).raise_for_status()
    assert xendit.status(charge.ref).status == base.EXPIRED


def test_xendit_cannot_cancel_and_refuses_a_wrong_key(sim, xendit):
    charge = xendit.charge(ChargeRequest(order_id=order(), method="qris", amount=1000_00))
    with pytest.raises(GatewayUnsupported):
        xendit.cancel(charge.ref)
    wrong = gateway_for("xendit", {"secret_key": "xnd_development_wrong", "callback_token": "t"}, base_url=sim.url)
    with pytest.raises(GatewayRejected) as refused:
        wrong.status(charge.ref)
    assert refused.value.code == "INVALID_API_KEY"
