"""The cloud's Alembic migrations (cloud/migrations, run by `pos cloud run`) build exactly
the schema its models describe, on SQLite and on PostgreSQL, starting from an empty
database."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cloud import create_app
from cloud.extensions import db
from cloud.models import Base
from tests.conftest import TEST_SECRET
from tests.support.needs import NO_POSTGRES

POSTGRES_URL = os.environ.get("POS_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    """The URL of a database with nothing in it (on PostgreSQL: one made for this test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    server = make_url(POSTGRES_URL)
    name = f"pos_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_build_exactly_the_models_schema(empty_database):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "JWT_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        db.engine.dispose()
    assert differences == []


def _row(table, **given) -> dict:
    """A row for `table` with a plain value in every NOT NULL column not given."""
    from datetime import date, datetime

    plain = {int: 0, str: "", bool: False, datetime: datetime(2026, 12, 1), date: date(2026, 12, 1), dict: {},
             list: []}
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:  # JSON on some dialects
            kind = dict
        row[column.name] = plain.get(kind, "")
    return row


def test_existing_duplicate_order_numbers_are_kept_flagged_and_made_unique(empty_database):
    """Before order numbers were unique per outlet, restored and twin edges reissued them.
    The migration that adds the unique key keeps every order: the oldest holder keeps the
    number, later ones get `~<id>` and a discrepancy row each; devices get numbering
    spaces in enrollment order; orders of an outlet with one device learn that device."""
    from flask_migrate import downgrade
    from sqlalchemy import MetaData, Table, insert

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "JWT_SECRET_KEY": TEST_SECRET})
    with app.app_context():
        upgrade(revision="aac05516ac0e")
        meta = MetaData()
        tables = {name: Table(name, meta, autoload_with=db.engine)
                  for name in ("tenants", "outlets", "devices", "orders")}
        with db.engine.begin() as connection:
            tenant = connection.execute(insert(tables["tenants"]).values(_row(
                tables["tenants"], name="T", slug="t", is_active=True)).returning(tables["tenants"].c.id)).scalar()
            outlets = [connection.execute(insert(tables["outlets"]).values(_row(
                tables["outlets"], tenant_id=tenant, name=code, code=code, is_active=True))
                .returning(tables["outlets"].c.id)).scalar() for code in ("AAA", "BBB")]
            for index, outlet in enumerate([outlets[0], outlets[0], outlets[1]]):
                connection.execute(insert(tables["devices"]).values(_row(
                    tables["devices"], tenant_id=tenant, outlet_id=outlet, name=f"d{index}", token_hash=f"h{index}",
                    is_active=True)))
            for index, (outlet, number) in enumerate([(outlets[0], "AAA-1"), (outlets[0], "AAA-1"),
                                                      (outlets[0], "AAA-1"), (outlets[1], "BBB-1"),
                                                      (outlets[1], "AAA-1")]):
                connection.execute(insert(tables["orders"]).values(_row(
                    tables["orders"], tenant_id=tenant, outlet_id=outlet, uuid=f"{index:036d}", order_number=number,
                    status="completed")))
        upgrade()
        with db.engine.connect() as connection:
            numbers = connection.execute(text("SELECT uuid, order_number, outlet_id, device_id FROM orders "
                                              "ORDER BY id")).all()
            spaces = connection.execute(text("SELECT outlet_id, number_space FROM devices ORDER BY id")).all()
            flagged = connection.execute(text("SELECT kind, order_uuid FROM sync_discrepancies ORDER BY id")).all()
        assert [n.order_number.split("~")[0] for n in numbers] == ["AAA-1", "AAA-1", "AAA-1", "BBB-1", "AAA-1"]
        assert numbers[0].order_number == "AAA-1" and "~" in numbers[1].order_number and "~" in numbers[2].order_number
        assert numbers[3].order_number == "BBB-1" and numbers[4].order_number == "AAA-1"  # another outlet's number
        assert [tuple(s) for s in spaces] == [(outlets[0], 1), (outlets[0], 2), (outlets[1], 1)]
        assert [n.device_id for n in numbers[:3]] == [None] * 3 and numbers[3].device_id is not None
        assert [tuple(f) for f in flagged] == [("order_number_taken", numbers[1].uuid),
                                                ("order_number_taken", numbers[2].uuid)]
        downgrade(revision="aac05516ac0e")
        upgrade()
        db.engine.dispose()
def test_payments_and_refunds_synced_before_their_business_date_are_dated_in_their_outlets_zone(empty_database):
    """c15a: a sale synced before payments carried their day is counted on the day its
    outlet was in when it was paid (20:30 UTC is the next morning in Jakarta)."""
    from datetime import date, datetime

    from flask_migrate import downgrade

    from cloud.models import Outlet, SyncedPayment, SyncedRefund
    from tests.cloud.factories import build_world

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "JWT_SECRET_KEY": TEST_SECRET,
                      "PASSWORD_HASH_PROFILE": "fast"})
    with app.app_context():
        upgrade()
    world = build_world(app)
    with app.app_context():
        outlet = db.session.get(Outlet, world.a.outlet_id)
        outlet.timezone = "Asia/Jakarta"
        common = {"tenant_id": world.a.tenant_id, "outlet_id": outlet.id, "order_uuid": str(uuid.uuid4()),
                  "created_at": datetime(2026, 11, 2, 20, 30), "received_at": datetime(2026, 11, 2, 20, 31)}
        db.session.add(SyncedPayment(uuid=str(uuid.uuid4()), terminal=1, method="cash", amount=100, tendered=100,
                                     change_amount=0, status="paid", **common))
        db.session.add(SyncedRefund(uuid=str(uuid.uuid4()), kind="refund", method="cash", amount=100, reason="x",
                                    **common))
        db.session.commit()
        downgrade(revision="i16_logins_devices")  # just before c15a
        upgrade()
        days = {row[0] for row in db.session.execute(text(
            "SELECT business_date FROM payments UNION ALL SELECT business_date FROM refunds"))}
        db.session.remove()
        db.engine.dispose()
    assert {date.fromisoformat(str(day)) for day in days} == {date(2026, 11, 3)}


def test_the_vocabulary_checks_exist_after_the_migrations_and_refuse_an_unknown_value(empty_database):
    """i18: every CHECK the models declare (sync/vocab.py's closed lists) is in a migrated
    database, and a row outside its list is refused by the database itself."""
    from sqlalchemy import CheckConstraint, inspect
    from sqlalchemy.exc import IntegrityError

    from cloud.models import User
    from tests.cloud.factories import build_world

    declared = {table.name: {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
                for table in Base.metadata.sorted_tables}
    declared = {table: names for table, names in declared.items() if names}
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database, "JWT_SECRET_KEY": TEST_SECRET,
                      "PASSWORD_HASH_PROFILE": "fast"})
    with app.app_context():
        upgrade()
    world = build_world(app)
    with app.app_context():
        found = {table: {c["name"] for c in inspect(db.engine).get_check_constraints(table)} for table in declared}
        user = db.session.execute(db.select(User).where(User.tenant_id == world.a.tenant_id)).scalars().first()
        user.role = "owner"
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    assert found == declared
