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

POSTGRES_URL = os.environ.get("POS_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    """The URL of a database with nothing in it (on PostgreSQL: one made for this test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("POS_TEST_POSTGRES_URL is not set")
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
        downgrade(revision="aac05516ac0e")
        upgrade()
        days = {row[0] for row in db.session.execute(text(
            "SELECT business_date FROM payments UNION ALL SELECT business_date FROM refunds"))}
        db.session.remove()
        db.engine.dispose()
    assert {date.fromisoformat(str(day)) for day in days} == {date(2026, 11, 3)}
