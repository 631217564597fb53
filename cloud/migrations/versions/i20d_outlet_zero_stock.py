"""outlets.zero_stock: what the till does with a product at zero stock (issue 20, part 4)

allow (the default: sell on silently), warn, block. The list is written out as it stands
now (docs/vocabulary.md). SQLite adds the column with its named CHECK in one ALTER (no
rebuild of a table so many others refer to); PostgreSQL adds the column, then the CHECK.

Revision ID: i20d_outlet_zero_stock
Revises: i22d_automation_events_webhooks
Create Date: 2026-12-06 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20d_outlet_zero_stock'
down_revision = 'i22d_automation_events_webhooks'
branch_labels = None
depends_on = None

RULES = "zero_stock IN ('allow', 'warn', 'block')"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("ALTER TABLE outlets ADD COLUMN zero_stock VARCHAR(5) DEFAULT 'allow' NOT NULL "
                   f"CONSTRAINT ck_outlets_zero_stock CHECK ({RULES})")
        return
    op.add_column('outlets', sa.Column('zero_stock', sa.String(length=5), server_default='allow', nullable=False))
    op.create_check_constraint(op.f('ck_outlets_zero_stock'), 'outlets', RULES)


def _without_foreign_keys(change):
    """On SQLite: run `change` in its own transaction with foreign keys off (a rebuilt
    `outlets` would otherwise cascade-delete every row that references it), then check them."""
    bind = op.get_bind()
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    try:
        bind.exec_driver_sql('BEGIN')
        try:
            change()
            broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rebuilding the table would break these references: {broken[:5]}')
        except BaseException:
            bind.exec_driver_sql('ROLLBACK')
            raise
        bind.exec_driver_sql('COMMIT')
    finally:
        bind.exec_driver_sql('PRAGMA foreign_keys=ON')
        bind.exec_driver_sql('BEGIN')  # Alembic records the new revision in this one


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        # a later migration may have rebuilt `outlets` (i19d_static_qris does), which turns the
        # column's CHECK into a table CHECK that a plain DROP COLUMN refuses: rebuild without both
        def change():
            with op.batch_alter_table('outlets', schema=None) as batch_op:
                batch_op.drop_constraint(op.f('ck_outlets_zero_stock'), type_='check')
                batch_op.drop_column('zero_stock')
        _without_foreign_keys(change)
        return
    op.drop_constraint(op.f('ck_outlets_zero_stock'), 'outlets', type_='check')
    op.drop_column('outlets', 'zero_stock')
