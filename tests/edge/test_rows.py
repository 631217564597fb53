"""Rows written with one Core statement each (edge.services.storage.rows) leave the session as
if they had been loaded: nothing is written twice, nothing is left for the flush, and a
rollback undoes them with the rest of the transaction."""
from datetime import date

import pytest
from sqlalchemy import event, select

from edge.extensions import db
from edge.models import Order, OrderItem, Payment
from edge.services.storage import rows
from edge.services.storage.uow import write_transaction
from tests.edge.conftest import make_edge


@pytest.fixture
def app(tmp_path):
    app = make_edge(tmp_path / "edge")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def statements(app):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0])

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def flushes(app):
    seen = []

    def record(session, context, instances):
        seen.append([type(o).__name__ for o in (*session.new, *session.dirty)])

    event.listen(db.session.registry(), "before_flush", record)
    yield seen
    event.remove(db.session.registry(), "before_flush", record)


def new_order(uuid="00000000-0000-4000-8000-000000000001", number="T-1") -> Order:
    order = Order(uuid=uuid, order_number=number, outlet_id=1, business_date=date(2026, 12, 2), status="pending")
    order.items = [OrderItem(line_no=n, product_id=n, product_name=f"Item {n}", quantity=1, unit_price=100, gross=100,
                             discount_amount=0, total_price=100, service_charge=0, tax_amount=0, line_total=100)
                   for n in (1, 2)]
    order.payments = []  # known empty, as orders.create sets it
    return order


def write_order(session) -> Order:
    order = new_order()
    rows.write_new(session, order)
    for item in order.items:
        item.order_id = order.id
        rows.write_new(session, item)
    rows.attach(session, *order.items, order)
    return order


def test_a_written_order_holds_the_column_defaults_its_row_holds(app):
    with write_transaction() as session:
        order = write_order(session)
    assert order.paid_amount == 0 and order.source == "pos" and order.promo_codes == []
    assert [item.prep_status for item in order.items] == ["queued", "queued"]
    row = db.session.execute(select(Order.__table__).where(Order.__table__.c.id == order.id)).mappings().one()
    assert {key: getattr(order, key) for key in row} == dict(row)


def test_written_rows_are_not_inserted_again_by_the_flush(app, statements, flushes):
    with write_transaction() as session:
        write_order(session)
    assert statements.count("INSERT") == 3
    assert flushes == []  # the commit found nothing to write
    assert db.session.query(OrderItem).count() == 2


def test_a_written_order_reads_without_a_query(app, statements):
    with write_transaction() as session:
        order = write_order(session)
        statements.clear()
        assert (order.total_amount, [item.line_no for item in order.items], order.payments) == (0, [1, 2], [])
        assert statements == []


def test_save_writes_only_the_changed_columns_and_leaves_nothing_to_flush(app, statements, flushes):
    with write_transaction() as session:
        order = write_order(session)
    statements.clear()
    with write_transaction() as session:
        order = session.get(Order, order.id)
        order.paid_amount = 100
        order.note = ""  # set back to what it was
        rows.save(session, order)
        assert not db.session.dirty
    assert statements.count("UPDATE") == 1
    assert flushes == []
    db.session.expire_all()
    assert db.session.get(Order, order.id).paid_amount == 100


def test_save_leaves_a_changed_collection_to_the_flush(app, flushes):
    with write_transaction() as session:
        order = write_order(session)
    with write_transaction() as session:
        order = session.get(Order, order.id)
        order.paid_amount = 50
        order.items.append(OrderItem(line_no=3, product_id=3, product_name="Item 3", quantity=1, unit_price=5, gross=5,
                                     discount_amount=0, total_price=5, service_charge=0, tax_amount=0, line_total=5))
        rows.save(session, order)
    assert flushes and "OrderItem" in flushes[0]
    db.session.expire_all()
    saved = db.session.get(Order, order.id)
    assert (saved.paid_amount, len(saved.items)) == (50, 3)


def test_a_rollback_undoes_written_and_saved_rows(app):
    with write_transaction() as session:
        order_id = write_order(session).id
    with pytest.raises(RuntimeError), write_transaction() as session:
        order = session.get(Order, order_id)
        order.paid_amount = 100
        rows.save(session, order)
        rows.insert(session, Payment(uuid="00000000-0000-4000-8000-000000000002", order_id=order_id, method="cash",
                                     amount=100))
        raise RuntimeError("the sale failed later")
    db.session.expire_all()
    assert db.session.get(Order, order_id).paid_amount == 0
    assert db.session.query(Payment).count() == 0


def test_append_loaded_adds_to_a_loaded_collection_without_loading_it_again(app, statements, flushes):
    with write_transaction() as session:
        order = write_order(session)
        payment = rows.insert(session, Payment(uuid="00000000-0000-4000-8000-000000000003", order_id=order.id,
                                               method="card", amount=100))
        rows.append_loaded(order, "payments", payment, "order")
        statements.clear()
        assert (order.payments, payment.order) == ([payment], order)
        assert statements == []
    assert flushes == []
    assert db.session.query(Payment).count() == 1


def test_append_loaded_leaves_a_collection_not_yet_loaded_to_its_load(app, flushes):
    with write_transaction() as session:
        order_id = write_order(session).id
    with write_transaction() as session:
        order = session.get(Order, order_id)
        payment = rows.insert(session, Payment(uuid="00000000-0000-4000-8000-000000000004", order_id=order_id,
                                               method="card", amount=100))
        rows.append_loaded(order, "payments", payment, "order")
        assert order.payments == [payment]  # loaded now, the written row once
    assert flushes == []


def test_a_rolled_back_row_leaves_the_session_so_its_key_can_be_handed_out_again(app):
    with write_transaction() as session:
        order_id = write_order(session).id
    payment = dict(order_id=order_id, method="cash", amount=100)
    with pytest.raises(RuntimeError), write_transaction() as session:
        rows.insert(session, Payment(uuid="00000000-0000-4000-8000-000000000005", **payment))
        raise RuntimeError("the sale failed later")
    with write_transaction() as session:  # the same session: SQLite hands out the same id
        again = rows.insert(session, Payment(uuid="00000000-0000-4000-8000-000000000006", **payment))
    assert db.session.query(Payment).one().uuid == again.uuid


def test_save_leaves_an_object_not_yet_written_to_the_flush(app):
    with write_transaction() as session:
        order = session.get(Order, write_order(session).id)
        extra = OrderItem(line_no=3, product_id=3, product_name="Item 3", quantity=1, unit_price=5, gross=5,
                          discount_amount=0, total_price=5, service_charge=0, tax_amount=0, line_total=5)
        order.items.append(extra)
        extra.quantity = 2
        rows.save(session, extra)
    assert db.session.query(OrderItem).filter_by(line_no=3).one().quantity == 2


def test_a_none_takes_the_column_default_and_an_unset_column_without_one_is_null(app):
    from edge.models import Shift

    with write_transaction() as session:
        order = new_order()
        order.source = None
        rows.insert(session, order)
        shift = rows.insert(session, Shift(uuid="00000000-0000-4000-8000-000000000007", terminal=1, opened_by=1,
                                           opening_cash=0))
    assert order.source == "pos" and shift.z_report is None
    assert db.session.execute(select(Order.source)).scalar() == "pos"
    assert db.session.execute(db.text("SELECT z_report IS NULL FROM shifts")).scalar() == 1


def test_a_foreign_key_set_only_through_its_relationship_is_refused(app):
    with write_transaction() as session:
        order = write_order(session)
        payment = Payment(uuid="00000000-0000-4000-8000-000000000008", order=order, method="cash", amount=1)
        with pytest.raises(ValueError, match="order_id"):
            rows.write_new(session, payment)
        order.payments.remove(payment)


def test_tables_with_onupdate_columns_are_left_to_the_session(app):
    from edge.models import Customer

    with write_transaction() as session, pytest.raises(TypeError, match="onupdate"):
        rows.write_new(session, Customer(uuid="00000000-0000-4000-8000-000000000009", name="A", phone="1"))


def test_canary_the_private_sqlalchemy_behaviour_rows_relies_on_still_holds(app):
    """rows.save marks an object clean with SQLAlchemy's private `InstanceState._commit_all`
    (setup.cfg pins SQLAlchemy below its next minor version). If an upgrade renames it or
    changes what it does, this fails before any sale does: the object must come out with
    no committed changes, off the session's dirty list, with its new value kept."""
    from sqlalchemy import inspect as inspect_state
    from sqlalchemy.orm import InstanceState

    assert hasattr(InstanceState, "_commit_all"), "SQLAlchemy dropped InstanceState._commit_all: see rows.mark_clean"
    with write_transaction() as session:
        order_id = write_order(session).id
    db.session.remove()
    with write_transaction() as session:
        order = session.get(Order, order_id)
        order.note = "changed"
        state = inspect_state(order)
        assert state.modified and order in session.dirty
        rows.mark_clean(state, session)
        assert not state.modified and not state.committed_state and order not in session.dirty
        assert order.note == "changed"
    db.session.remove()
    # clean means clean: the commit's flush wrote nothing of it (rows.save writes the row itself first)
    assert db.session.execute(select(Order.note).where(Order.id == order_id)).scalar_one() == ""


def test_the_row_listeners_belong_to_the_edge_sessions_only(app):
    """A rollback in some other SQLAlchemy session of the process (the cloud's, a tool's)
    does not run the edge's listeners."""
    from sqlalchemy.orm import Session

    from edge.extensions import EdgeSession

    assert isinstance(db.session(), EdgeSession)
    other = Session(db.engine)
    other.info["pos_rows_attached"] = ["not the edge's"]
    other.rollback()
    assert other.info["pos_rows_attached"] == ["not the edge's"]
    other.close()


def test_write_inserts_a_new_row_and_updates_a_loaded_one(app, statements):
    """One write path: the same call creates a row and later saves a change to it."""
    with write_transaction() as session:
        order = new_order()
        order.items = []
        rows.write(session, order)
        rows.attach(session, order)
        order_id = order.id
    db.session.remove()
    with write_transaction() as session:
        order = session.get(Order, order_id)
        statements.clear()
        order.note = "table by the window"
        rows.write(session, order)
        assert statements == ["UPDATE"]
    db.session.remove()
    assert db.session.get(Order, order_id).note == "table by the window"
