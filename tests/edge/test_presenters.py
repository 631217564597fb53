"""The hand-written presenters give exactly what marshmallow's generic dump of the
documented schemas gives, for orders in every shape a shift produces."""
import pytest

from edge.api.schemas import orders as schemas
from edge.api.schemas import presenters
from edge.extensions import db
from edge.models import Order, Payment, Refund


@pytest.fixture
def generic(monkeypatch):
    """Dump with marshmallow's field walk: the presenters switched off."""
    for schema in (schemas.OrderOut, schemas.PaymentOut, schemas.RefundOut):
        monkeypatch.setattr(schema, "present", None)

    def dump(schema, obj, many=False):
        return schema(many=many).dump(obj)
    return dump


@pytest.fixture
def shift_of_orders(cashier, manager):
    """Orders a day makes: plain, with modifiers, notes, a customer and promotions, paid
    in split tenders, voided, refunded by line, cancelled, through the kitchen."""
    cashier.open_shift()
    customer = cashier.post("/api/customers/", {"name": "Siti", "phone": "081234567890"}).json
    plain = cashier.order(cashier.item("DR-COLA", 2))
    rich = cashier.order(cashier.item("PZ-MARG", 1, ["Large", "Mushrooms"], note="well done"),
                         cashier.item("DS-TIRA", 1), customer_id=customer["id"], table="T4", note="birthday")
    coded = cashier.order(cashier.item("PZ-MARG", 1, ["Regular"]), promo_codes=["WEEKEND30"], status="draft")
    assert cashier.pay(rich["id"], "card", amount="10000.00", reference="APPR-1").status_code == 201
    assert cashier.pay(rich["id"], "cash", tendered="1000000.00").status_code == 201
    assert cashier.post(f"/api/orders/{rich['id']}/confirm/").status_code == 200
    assert manager.post(f"/api/orders/{rich['id']}/refund/",
                        {"reason": "cold", "lines": [{"item_id": rich["items"][1]["id"], "quantity": 1}]}
                        ).status_code == 201
    voided = cashier.order(cashier.item("DR-COLA", 3), cashier.item("DS-TIRA", 1))
    assert manager.post(f"/api/orders/{voided['id']}/void/",
                        {"reason": "changed mind", "lines": [{"item_id": voided["items"][0]["id"], "quantity": 1}]}
                        ).status_code == 201
    assert cashier.post(f"/api/orders/{plain['id']}/cancel/", {"reason": "left"}).status_code == 200
    assert coded["promotions"] and rich["customer_id"] == customer["id"]
    return [plain["id"], rich["id"], coded["id"], voided["id"]]


def test_an_order_is_presented_as_its_schema_dumps_it(edge_app, shift_of_orders, generic):
    with edge_app.app_context():
        for order_id in shift_of_orders:
            order = db.session.get(Order, order_id)
            assert schemas.presenters.order(order) == generic(schemas.OrderOut, order), order_id


def test_a_list_of_orders_is_presented_as_its_schema_dumps_it(edge_app, shift_of_orders, generic):
    with edge_app.app_context():
        rows = db.session.query(Order).order_by(Order.id).all()
        fast = schemas.OrderOut(many=True).dump(rows)
        assert fast == generic(schemas.OrderOut, rows, many=True)
        assert len(fast) == len(shift_of_orders)


def test_payments_and_refunds_are_presented_as_their_schemas_dump_them(edge_app, shift_of_orders, generic):
    with edge_app.app_context():
        payments = db.session.query(Payment).all()
        refunds = db.session.query(Refund).all()
        assert len(payments) == 2 and len(refunds) == 2
        for payment in payments:
            payment.print_jobs = [{"id": 7, "printer_id": 1, "kind": "receipt", "copy": False}]
            assert schemas.presenters.payment(payment) == generic(schemas.PaymentOut, payment)
            del payment.print_jobs
            assert schemas.presenters.payment(payment) == generic(schemas.PaymentOut, payment)
        for refund in refunds:
            assert schemas.presenters.refund(refund) == generic(schemas.RefundOut, refund)
            refund.tenders = [{"id": refund.id, "uuid": refund.uuid, "method": "cash", "amount": 43600},
                              {"id": 99, "uuid": "u" * 36, "method": "card", "amount": 50000}]
            assert schemas.presenters.refund(refund) == generic(schemas.RefundOut, refund)
            del refund.tenders


def test_the_api_answers_with_the_presented_order(edge_app, cashier, shift_of_orders, generic):
    answered = cashier.get(f"/api/orders/{shift_of_orders[1]}/").json
    with edge_app.app_context():
        assert answered == generic(schemas.OrderOut, db.session.get(Order, shift_of_orders[1]))


def test_the_api_answers_with_fields_in_the_presenters_order(edge_app, cashier, shift_of_orders):
    answered = cashier.get(f"/api/orders/{shift_of_orders[1]}/").json
    with edge_app.app_context():
        presented = presenters.order(db.session.get(Order, shift_of_orders[1]))
    assert list(answered) == list(presented)
    assert list(answered["items"][0]) == list(presented["items"][0])
