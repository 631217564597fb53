"""The edge's migrations build exactly the schema its models describe (outlets upgrade in
the field with their data in place, so the two must never drift)."""
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import CheckConstraint, insert, inspect, text
from sqlalchemy.exc import IntegrityError

from edge import create_app
from edge.extensions import db
from edge.models import Base


def test_migrations_produce_the_models_schema(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "ASYNC_MODE": "threading", "TESTING": True})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def _declared_checks(metadata) -> dict[str, set[str]]:
    return {table.name: {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            for table in metadata.sorted_tables if any(isinstance(c, CheckConstraint) for c in table.constraints)}


def test_migrations_add_the_vocabulary_checks_and_keep_the_rows(tmp_path):
    """An outlet's database at the previous head, with an order in it, upgrades in place: the
    order is still there, every CHECK the models declare exists, and an unknown status is refused."""
    app = create_app({"DATA_DIR": str(tmp_path), "ASYNC_MODE": "threading", "TESTING": True})
    with app.app_context():
        upgrade(revision="i19b_edge_gateway_payments")
        with db.engine.begin() as connection:
            connection.execute(insert(Base.metadata.tables["orders"]).values(
                id=1, uuid="u" * 36, order_number="A-1", outlet_id=1, terminal=1, business_date=date(2026, 12, 1),
                status="draft", source="pos", customer_name="", customer_phone="", table_label="", note="",
                promo_codes=[], subtotal=0, discount_amount=0, service_charge=0, tax_amount=0, rounding_amount=0,
                total_amount=0, paid_amount=0, change_amount=0, voided_amount=0, refunded_amount=0, version=1,
                synced_version=0, cancel_reason="", created_at=datetime(2026, 12, 1), updated_at=datetime(2026, 12, 1)))
            connection.execute(insert(Base.metadata.tables["order_items"]).values(
                order_id=1, line_no=1, product_id=1, product_name="Tea", sku="", station="main", quantity=1,
                modifiers=[], note="", unit_price=0, gross=0, discount_amount=0, total_price=0, service_charge=0,
                tax_amount=0, line_total=0, prep_status="queued", voided_quantity=0, refunded_quantity=0))
        upgrade()
        with db.engine.connect() as connection:
            found = {table: {c["name"] for c in inspect(connection).get_check_constraints(table)}
                     for table in _declared_checks(Base.metadata)}
            assert connection.execute(text("SELECT count(*) FROM order_items")).scalar_one() == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert found == _declared_checks(Base.metadata)
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE orders SET status = 'lost' WHERE id = 1"))


def test_the_ledger_takes_the_count_and_transfer_kinds_keeps_its_rows_and_stays_append_only(tmp_path):
    """i20b_stocktakes rebuilds stock_movements (a CHECK on SQLite is a rebuild): the rows
    stay, the new kinds go in, an unknown kind is refused, and the append-only triggers,
    which a rebuild drops, are there again."""
    app = create_app({"DATA_DIR": str(tmp_path), "ASYNC_MODE": "threading", "TESTING": True})
    movements = Base.metadata.tables["stock_movements"]
    row = {"stock_item_id": 1, "quantity": -5, "reason": "", "created_at": datetime(2026, 12, 1)}
    with app.app_context():
        upgrade(revision="i20b_sold_out_marks")
        with db.engine.begin() as connection:
            connection.execute(insert(movements).values(uuid="a" * 36, kind="sale", **row))
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(insert(movements).values(uuid="b" * 36, kind="transfer_out", **row))
            connection.execute(insert(movements).values(uuid="c" * 36, kind="count", **row))
            assert connection.execute(text("SELECT count(*) FROM stock_movements")).scalar_one() == 3
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(insert(movements).values(uuid="d" * 36, kind="stolen", **row))
        for statement in ("UPDATE stock_movements SET quantity = 0", "DELETE FROM stock_movements"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
                connection.execute(text(statement))
