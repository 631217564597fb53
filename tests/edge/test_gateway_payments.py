"""QRIS through edge → cloud → a real `pos gateway-sim` process: the payment is pending
with its QR string, turns paid once the cloud reports the settlement (by the webhook or
by "check now"), and is credited, queued for sync and printed exactly once. Offline, the
till is told at once to take cash or card."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Tenant
from cloud.services import gateway_accounts
from edge.extensions import db as edge_db
from edge.models import OutboxEvent
from tests.support.flask_transport import FlaskSession
from tests.support.ports import free_port
from tests.support.processes import GatewaySim
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

SERVER_KEY = "SB-Mid-server-edge-qris"


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def sim(tmp_path_factory, receiver):
    process = GatewaySim(tmp_path_factory.mktemp("sim") / "sim.log", receiver.url,
                         midtrans_server_key=SERVER_KEY).start()
    yield process
    process.stop()


@pytest.fixture
def online(edge_app, cloud_app, sim, receiver):
    """The edge reaches the in-process cloud, whose tenant pays through the simulator."""
    cloud_app.config.update(MIDTRANS_API_URL=sim.url, CLOUD_PUBLIC_URL=receiver.url, GATEWAY_TIMEOUT_S=5)
    with cloud_app.app_context():
        tenant = cloud_db.session.execute(select(Tenant)).scalars().first()
        gateway_accounts.save(cloud_db.session, tenant.id, "midtrans", {"server_key": SERVER_KEY}, is_primary=True,
                              secret=cloud_app.config["JWT_SECRET_KEY"])
        cloud_db.session.commit()
    edge_app.extensions["pos_cloud_session"] = FlaskSession(cloud_app)
    return cloud_app


def qris_order(cashier):
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    payment = cashier.pay(order["id"], "qris")
    assert payment.status_code == 201, payment.json
    return order, payment.json


def sim_pay(sim, gateway_id):
    assert requests.post(f"{sim.url}/_sim/charges/{gateway_id}/pay", timeout=5).status_code == 200


def recorded_events(edge_app, payment_uuid):
    with edge_app.app_context():
        return edge_db.session.execute(select(OutboxEvent).where(
            OutboxEvent.type == "payment.recorded", OutboxEvent.aggregate_id == payment_uuid)).scalars().all()


def test_a_qris_payment_waits_with_its_qr_string_and_counts_for_nothing_yet(online, edge_app, cashier):
    order, payment = qris_order(cashier)
    assert payment["status"] == "pending" and payment["qr_string"].startswith("000201")
    assert payment["provider"] == "midtrans" and payment["expires_at"]
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == order["total_amount"]
    assert recorded_events(edge_app, payment["uuid"]) == []
    cash = cashier.pay(order["id"], "cash", tendered="50000.00")
    assert cash.status_code == 409 and cash.json["code"] == "PAYMENT_PENDING"


def test_the_qr_is_served_as_an_svg_image_and_only_for_a_qr_payment(online, cashier):
    _, payment = qris_order(cashier)
    image = cashier.get(f"/api/payments/{payment['id']}/qr.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert image.get_data().startswith(b"<?xml") and b"<svg" in image.get_data()
    cash = cashier.post("/api/payments/", {"order_id": cashier.order(cashier.item("DR-COLA"))["id"],
                                           "method": "card", "reference": "A1"})
    assert cashier.get(f"/api/payments/{cash.json['id']}/qr.svg").status_code == 404


def test_the_webhook_settles_it_and_the_edge_records_it_once(online, edge_app, cashier, sim, receiver):
    order, payment = qris_order(cashier)
    sim_pay(sim, payment["reference"])
    settlement = receiver.wait_for(1, match=lambda r: payment["uuid"].encode() in r.body and b"settlement" in r.body)[0]
    delivered = online.test_client().post("/api/payments/webhook/midtrans/", data=settlement.body,
                                          headers={"Content-Type": "application/json"})
    assert delivered.status_code == 200 and delivered.json["status"] == "applied"
    for _ in range(3):  # the kiosk polls; each poll after the first finds it paid already
        shown = cashier.get(f"/api/payments/{payment['id']}/")
        assert shown.status_code == 200 and shown.json["status"] == "paid"
    after = cashier.get(f"/api/orders/{order['id']}/").json
    assert after["balance_due"] == "0.00" and after["paid_amount"] == order["total_amount"]
    assert len(recorded_events(edge_app, payment["uuid"])) == 1


def test_check_now_asks_the_gateway_through_the_cloud(online, cashier, sim):
    _, payment = qris_order(cashier)
    assert cashier.get(f"/api/payments/{payment['id']}/").json["status"] == "pending"
    sim_pay(sim, payment["reference"])
    checked = cashier.post(f"/api/payments/{payment['id']}/check/")
    assert checked.status_code == 200 and checked.json["status"] == "paid"


def test_the_cashier_cancels_a_waiting_qr_and_takes_cash(online, cashier):
    order, payment = qris_order(cashier)
    cancelled = cashier.post(f"/api/payments/{payment['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cashier.post(f"/api/payments/{payment['id']}/cancel/").json["code"] == "PAYMENT_NOT_PENDING"
    assert cashier.pay(order["id"], "cash", tendered="50000.00").status_code == 201
    receipt = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True)
    assert "QRIS" not in receipt and payment["reference"] not in receipt  # the withdrawn QR took nothing


def test_the_receipt_names_qris_and_the_gateways_reference(online, cashier, sim):
    order, payment = qris_order(cashier)
    sim_pay(sim, payment["reference"])
    assert cashier.post(f"/api/payments/{payment['id']}/check/").json["status"] == "paid"
    receipt = cashier.get(f"/api/orders/{order['id']}/receipt/?format=text").get_data(as_text=True)
    assert "QRIS" in receipt and payment["reference"] in receipt


def test_with_the_cloud_unreachable_qris_is_refused_at_once_with_take_cash(edge_app, cashier):
    edge_app.config["CLOUD_URL"] = f"http://127.0.0.1:{free_port()}"
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    refused = cashier.pay(order["id"], "qris")
    assert refused.status_code == 503 and refused.json["code"] == "GATEWAY_UNREACHABLE"
    assert "take cash or card" in refused.json["message"] and refused.json["field"] == "method"
    assert cashier.pay(order["id"], "cash", tendered="50000.00").status_code == 201


def test_a_refund_of_a_qris_sale_goes_back_through_the_gateway(online, manager, cashier, sim):
    order, payment = qris_order(cashier)
    sim_pay(sim, payment["reference"])
    assert cashier.post(f"/api/payments/{payment['id']}/check/").json["status"] == "paid"
    refund = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "wrong order"},
                          headers={"Idempotency-Key": "refund-qris-1"})
    assert refund.status_code == 201, refund.json
    assert [(t["method"], t["amount"]) for t in refund.json["tenders"]] == [("qris", order["total_amount"])]
    listed = requests.get(f"{sim.url}/_sim/charges/", params={"order_id": payment["uuid"]}, timeout=5).json()
    assert listed["data"][0]["refunded_amount"] == order["total_amount"]
    again = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "wrong order"},
                         headers={"Idempotency-Key": "refund-qris-1"})
    assert again.status_code == 201 and again.json["id"] == refund.json["id"]  # replayed, not refunded twice


def test_a_refund_the_gateway_cannot_make_is_not_recorded(online, edge_app, manager, cashier, sim):
    order, payment = qris_order(cashier)
    sim_pay(sim, payment["reference"])
    assert cashier.post(f"/api/payments/{payment['id']}/check/").json["status"] == "paid"
    edge_app.config["CLOUD_URL"] = f"http://127.0.0.1:{free_port()}"
    edge_app.extensions.pop("pos_cloud_session")
    refused = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "wrong order"})
    assert refused.status_code == 503 and refused.json["code"] == "GATEWAY_UNREACHABLE"
    assert manager.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == "0.00"


def test_the_pull_loop_settles_a_payment_no_till_is_looking_at(online, edge_app, device_client, cashier, sim,
                                                               receiver):
    from edge.services.selling import gateway_payments

    order, payment = qris_order(cashier)
    sim_pay(sim, payment["reference"])
    settlement = receiver.wait_for(1, match=lambda r: payment["uuid"].encode() in r.body and b"settlement" in r.body)[0]
    online.test_client().post("/api/payments/webhook/midtrans/", data=settlement.body,
                              headers={"Content-Type": "application/json"})
    assert recorded_events(edge_app, payment["uuid"]) == []  # nobody asked the edge yet
    with edge_app.app_context():
        assert gateway_payments.refresh_pending(edge_db.session, device_client) == 1
    assert len(recorded_events(edge_app, payment["uuid"])) == 1
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == "0.00"


def late_paid(online, sim, receiver, payment):
    """The customer pays the withdrawn QR anyway; its webhook reaches the cloud."""
    assert requests.post(f"{sim.url}/_sim/charges/{payment['reference']}/pay", json={"force": True},
                         timeout=5).status_code == 200
    settlement = receiver.wait_for(1, match=lambda r: payment["uuid"].encode() in r.body and b"settlement" in r.body)[0]
    assert online.test_client().post("/api/payments/webhook/midtrans/", data=settlement.body,
                                     headers={"Content-Type": "application/json"}).json["status"] == "applied"


def test_a_payment_made_after_the_qr_was_withdrawn_is_recorded_once_as_an_overpayment(
        online, edge_app, device_client, manager, cashier, sim, receiver):
    from edge.services.selling import late_payments

    order, payment = qris_order(cashier)
    assert cashier.post(f"/api/payments/{payment['id']}/cancel/").json["status"] == "cancelled"
    assert cashier.pay(order["id"], "cash", tendered="50000.00").status_code == 201
    with edge_app.app_context():
        assert late_payments.watch(edge_db.session, device_client) == 0  # nothing paid yet: nothing recorded
    late_paid(online, sim, receiver, payment)
    with edge_app.app_context():
        assert late_payments.watch(edge_db.session, device_client) == 1
        assert late_payments.watch(edge_db.session, device_client) == 0  # once
    assert len(recorded_events(edge_app, payment["uuid"])) == 1
    shown = cashier.get(f"/api/orders/{order['id']}/").json
    assert shown["overpaid_amount"] == order["total_amount"] and shown["balance_due"] == "0.00"
    assert cashier.get(f"/api/payments/{payment['id']}/").json["late_payment"] is True
    [listed] = manager.get("/api/payments/late/").json
    assert listed["payment"]["id"] == payment["id"] and listed["order_number"] == order["order_number"]


def test_a_late_payment_is_not_given_back_unless_the_gateway_confirms(online, edge_app, device_client, manager,
                                                                      cashier, sim, receiver):
    from edge.services.selling import late_payments

    order, payment = qris_order(cashier)
    cashier.post(f"/api/payments/{payment['id']}/cancel/")
    cashier.pay(order["id"], "cash", tendered="50000.00")
    late_paid(online, sim, receiver, payment)
    with edge_app.app_context():
        late_payments.watch(edge_db.session, device_client)
    edge_app.config["CLOUD_URL"] = f"http://127.0.0.1:{free_port()}"
    edge_app.extensions.pop("pos_cloud_session")
    refused = manager.post(f"/api/payments/{payment['id']}/give-back/", {})
    assert refused.status_code == 503 and refused.json["code"] == "GATEWAY_UNREACHABLE"
    shown = manager.get(f"/api/orders/{order['id']}/").json
    assert shown["overpaid_amount"] == order["total_amount"] and shown["refunded_amount"] == "0.00"


def test_a_late_payment_that_pays_its_order_is_not_an_overpayment(online, edge_app, device_client, manager,
                                                                 cashier, sim, receiver):
    from edge.services.selling import late_payments

    order, payment = qris_order(cashier)
    cashier.post(f"/api/payments/{payment['id']}/cancel/")
    late_paid(online, sim, receiver, payment)
    with edge_app.app_context():
        assert late_payments.watch(edge_db.session, device_client) == 1
    shown = manager.get(f"/api/orders/{order['id']}/").json
    assert shown["overpaid_amount"] == "0.00" and shown["balance_due"] == "0.00"
    refused = manager.post(f"/api/payments/{payment['id']}/give-back/", {})
    assert refused.status_code == 409 and refused.json["code"] == "NOT_OVERPAID"


def test_the_status_bar_counts_late_payments_until_they_are_given_back(online, edge_app, device_client, manager,
                                                                       cashier, sim, receiver):
    from edge.services.selling import late_payments

    assert cashier.get("/api/status/").json["payments"] == {"late_to_give_back": 0}
    order, payment = qris_order(cashier)
    cashier.post(f"/api/payments/{payment['id']}/cancel/")
    cashier.pay(order["id"], "cash", tendered="50000.00")
    late_paid(online, sim, receiver, payment)
    with edge_app.app_context():
        late_payments.watch(edge_db.session, device_client)
    assert cashier.get("/api/status/").json["payments"] == {"late_to_give_back": 1}
    given = manager.post(f"/api/payments/{payment['id']}/give-back/", {})
    assert given.status_code == 201, given.json
    assert cashier.get("/api/status/").json["payments"] == {"late_to_give_back": 0}
    assert manager.get(f"/api/orders/{order['id']}/").json["overpaid_amount"] == "0.00"


def test_an_ewallet_refund_the_gateway_is_still_making_is_recorded_when_asked_again_and_made_once(
        online, edge_app, manager, cashier, sim, receiver):
    from simulators.gateway.core import DEFAULT_XENDIT_CALLBACK_TOKEN, DEFAULT_XENDIT_SECRET_KEY

    with online.app_context():
        tenant = cloud_db.session.execute(select(Tenant)).scalars().first()
        gateway_accounts.save(cloud_db.session, tenant.id, "xendit", {"secret_key": DEFAULT_XENDIT_SECRET_KEY,
                              "callback_token": DEFAULT_XENDIT_CALLBACK_TOKEN}, is_primary=True,
                              secret=online.config["JWT_SECRET_KEY"])
        cloud_db.session.commit()
    online.config["XENDIT_API_URL"] = sim.url
    cashier.open_shift()
    order = cashier.order(cashier.item("DR-COLA", 2))
    payment = cashier.pay(order["id"], "ewallet", channel="dana").json
    assert payment["status"] == "pending" and payment["provider"] == "xendit", payment
    sim_pay(sim, payment["reference"])
    assert cashier.post(f"/api/payments/{payment['id']}/check/").json["status"] == "paid"
    requests.post(f"{sim.url}/_sim/config", json={"refunds_pending": True}, timeout=5).raise_for_status()
    try:
        first = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "wrong order"})
    finally:
        requests.post(f"{sim.url}/_sim/config", json={"refunds_pending": False}, timeout=5).raise_for_status()
    assert first.status_code == 409 and first.json["code"] == "GATEWAY_REFUND_NOT_DONE", first.json
    assert manager.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == "0.00"
    done = receiver.wait_for(1, match=lambda r: b"refund.succeeded" in r.body and payment["reference"].encode()
                             in r.body)[0]
    headers = {k: v for k, v in done.headers.items() if k.lower() in ("content-type", "x-callback-token")}
    assert online.test_client().post("/api/payments/webhook/xendit/", data=done.body,
                                     headers=headers).json["status"] == "applied"
    again = manager.post(f"/api/orders/{order['id']}/refund/", {"reason": "wrong order"})
    assert again.status_code == 201, again.json
    assert manager.get(f"/api/orders/{order['id']}/").json["refunded_amount"] == order["total_amount"]
    at_sim = requests.get(f"{sim.url}/_sim/charges/{payment['reference']}", timeout=5).json()
    assert at_sim["refunded_amount"] == order["total_amount"].split(".")[0] + ".00"  # one refund, not two


def test_the_waiting_qris_code_prints_as_a_native_qr_on_the_receipt_printer(online, edge_app, manager, cashier):
    from edge.models import Printer, PrintJobRow
    from edge.services.printing import jobs as printing
    from printers.render import render_stored
    from tests.support.escpos_decoder import decode

    order, payment = qris_order(cashier)
    refused = cashier.post(f"/api/payments/{payment['id']}/print-qr/")
    assert refused.status_code == 409 and refused.json["code"] == "NO_PRINTER"
    assert manager.post("/api/printers/", {"name": "Counter", "kind": "file", "device": "qr.escpos",
                                           "role": "receipt", "profile": "TM-T20II"}).status_code == 201
    printed = cashier.post(f"/api/payments/{payment['id']}/print-qr/")
    assert printed.status_code == 201 and printed.json["jobs"][0]["kind"] == "payment_qr", printed.json
    with edge_app.app_context():
        job = edge_db.session.get(PrintJobRow, printed.json["jobs"][0]["id"])
        config = printing.config_of(edge_db.session.get(Printer, job.printer_id))
        paper = decode(render_stored(job.document, config))
    assert paper.qr == [payment["qr_string"]]  # GS ( k: the printer draws the code itself
    assert paper.lines_containing(order["order_number"]) and paper.lines_containing("Scan with any QRIS app")
    assert paper.lines_containing("Rp")
    cashier.post(f"/api/payments/{payment['id']}/cancel/")
    again = cashier.post(f"/api/payments/{payment['id']}/print-qr/")
    assert again.status_code == 409 and again.json["code"] == "PAYMENT_NOT_PENDING"
