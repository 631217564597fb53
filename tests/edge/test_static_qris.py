"""Static QRIS at the till: offered only where the outlet's printed QR is configured (mirrored
from the cloud), recorded paid on the payer's reference with no network, marked unverified,
and sent through the outbox like any payment."""
import json

import pytest
from sqlalchemy import select

from cloud.extensions import db as cloud_db
from cloud.models import Outlet
from edge.extensions import db as edge_db
from edge.models import OutboxEvent
from edge.services.syncing import puller
from tests.support.static_qris import static_payload

QR = static_payload()


@pytest.fixture
def configured(edge_app, cloud_app, cloud_client_factory):
    """The outlet's QR set at the cloud, then pulled to the edge as any outlet setting."""
    with cloud_app.app_context():
        outlet = cloud_db.session.execute(select(Outlet).filter_by(code="YOG")).scalar_one()
        outlet.static_qris = QR
        cloud_db.session.commit()
    with edge_app.app_context():
        puller.pull_all(cloud_client_factory(edge_app.config["TEST_CREDENTIAL"]))
    return QR


def order_of(till):
    return till.order(till.item("DR-COLA", 2))


def test_the_outlet_answers_its_printed_qr_once_mirrored(cashier, configured):
    assert cashier.get("/api/outlet/").json["static_qris"] == QR


def test_without_a_configured_qr_static_qris_is_refused(cashier):
    cashier.open_shift()
    order = order_of(cashier)
    response = cashier.pay(order["id"], "static_qr", reference="RRN123")
    assert response.status_code == 409 and response.json["code"] == "STATIC_QR_NOT_CONFIGURED"
    assert cashier.get("/api/outlet/").json["static_qris"] == ""


def test_static_qris_needs_the_payers_reference(cashier, configured):
    cashier.open_shift()
    order = order_of(cashier)
    response = cashier.pay(order["id"], "static_qr", reference="  ")
    assert response.status_code == 400 and response.json["code"] == "REFERENCE_REQUIRED"
    assert "customer's app" in response.json["message"]


def test_static_qris_is_paid_unverified_and_goes_through_the_outbox(cashier, configured, edge_app):
    cashier.open_shift()
    order = order_of(cashier)
    paid = cashier.pay(order["id"], "static_qr", reference="RRN-0042")
    assert paid.status_code == 201, paid.json
    assert paid.json["status"] == "paid" and paid.json["unverified"] is True
    assert paid.json["reference"] == "RRN-0042" and paid.json["amount"] == order["total_amount"]
    assert cashier.get(f"/api/orders/{order['id']}/").json["balance_due"] == "0.00"
    with edge_app.app_context():
        events = edge_db.session.execute(select(OutboxEvent).where(OutboxEvent.type == "payment.recorded")
                                         ).scalars().all()
        sent = [json.loads(e.payload) for e in events if e.aggregate_id == paid.json["uuid"]]
        assert len(sent) == 1 and sent[0]["method"] == "static_qr"


def test_static_qris_works_while_the_cloud_is_unreachable(cashier, configured, edge_app):
    edge_app.config["CLOUD_URL"] = "http://127.0.0.1:9"  # nothing listens: the till does not ask
    cashier.open_shift()
    order = order_of(cashier)
    assert cashier.pay(order["id"], "static_qr", reference="RRN-7").status_code == 201


def test_a_card_payment_is_not_marked_unverified(cashier, configured):
    cashier.open_shift()
    order = order_of(cashier)
    paid = cashier.pay(order["id"], "card", reference="AUTH1")
    assert "unverified" not in paid.json
