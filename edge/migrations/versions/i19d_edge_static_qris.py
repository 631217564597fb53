"""Static QRIS at the till (issue 19, part 4): the outlet's printed merchant QR as mirrored
from the cloud, and the `static_qr` payment method in the CHECKs (docs/vocabulary.md).

Revision ID: i19d_edge_static_qris
Revises: i20d_mirror_outlet_zero_stock
Create Date: 2026-12-06 23:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i19d_edge_static_qris'
down_revision = 'i20d_mirror_outlet_zero_stock'
branch_labels = None
depends_on = None

OLD_METHODS = ('cash', 'card', 'qris', 'ewallet')
NEW_METHODS = ('cash', 'card', 'qris', 'ewallet', 'static_qr')


def _condition(column, values, nullable):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IS NULL OR {column} IN ({listed})" if nullable else f"{column} IN ({listed})"


def _without_foreign_keys(change):
    """Run `change` in its own transaction with foreign keys off, then check them all."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        change()
        return
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    try:
        bind.exec_driver_sql('BEGIN')
        try:
            change()
            broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rebuilding the tables would break these references: {broken[:5]}')
        except BaseException:
            bind.exec_driver_sql('ROLLBACK')
            raise
        bind.exec_driver_sql('COMMIT')
    finally:
        bind.exec_driver_sql('PRAGMA foreign_keys=ON')
        bind.exec_driver_sql('BEGIN')  # Alembic records the new revision in this one


def _methods(values):
    def change():
        for table, nullable in (('payments', False), ('refunds', True)):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_constraint(op.f(f'ck_{table}_method'), type_='check')
                batch_op.create_check_constraint(op.f(f'ck_{table}_method'), _condition('method', values, nullable))
    _without_foreign_keys(change)


def _outlet_column(add):
    def change():
        with op.batch_alter_table('mirror_outlet', schema=None) as batch_op:
            if add:
                batch_op.add_column(sa.Column('static_qris', sa.String(length=512), nullable=False,
                                              server_default=''))
            else:
                batch_op.drop_column('static_qris')
    _without_foreign_keys(change)


def upgrade():
    _outlet_column(add=True)
    _methods(NEW_METHODS)


def downgrade():
    _methods(OLD_METHODS)
    _outlet_column(add=False)
