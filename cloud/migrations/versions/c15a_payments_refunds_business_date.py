"""payments and refunds carry their business date (sales count on the day they are paid)

Revision ID: c15a_paid_on_business_date
Revises: i16_logins_devices
Create Date: 2026-12-06 12:00:00

Each payment and refund gets the outlet-local day it happened, so head office counts a
sale when its money is taken and a refund when it is given back. Rows synced before this
are dated from their time in their outlet's timezone.
"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = 'c15a_paid_on_business_date'
down_revision = 'i16_logins_devices'
branch_labels = None
depends_on = None

TABLES = ("payments", "refunds")


def _zone(name):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day(created, zone):
    """SQLite hands timestamps back as text to a plain SELECT; PostgreSQL as datetimes."""
    moment = datetime.fromisoformat(created) if isinstance(created, str) else created
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('business_date', sa.Date(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_business_date'), ['business_date'], unique=False)
    connection = op.get_bind()
    zones = {outlet_id: _zone(name) for outlet_id, name in connection.execute(
        sa.text("SELECT id, timezone FROM outlets"))}
    for table in TABLES:
        rows = connection.execute(sa.text(f"SELECT id, outlet_id, created_at FROM {table}")).all()
        updates = [{"b_id": row_id, "b_day": _day(created, zones.get(outlet_id, ZoneInfo("UTC")))}
                   for row_id, outlet_id, created in rows if created is not None]
        if updates:
            connection.execute(sa.text(f"UPDATE {table} SET business_date = :b_day WHERE id = :b_id"), updates)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_business_date'))
            batch_op.drop_column('business_date')
