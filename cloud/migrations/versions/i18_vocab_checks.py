"""CHECK constraints behind the closed lists of sync/vocab.py (issue 18)

The lists are written out here as they stood when this migration was made: a later
value is added by its own migration (docs/vocabulary.md), never by editing this one.
Only columns whose values are already refused on the way in are constrained (a synced
payment's status or a refund's method arrive unchecked and stay unconstrained).

On SQLite a CHECK is added by rebuilding the table, which a referenced table allows
only with foreign keys off (SQLite's own recipe); every reference is checked before
the rebuild commits. PostgreSQL simply adds the constraints.

Revision ID: i18_vocab_checks
Revises: i19b_gateway_charges
Create Date: 2026-12-06 17:30:00

"""
from alembic import op

revision = 'i18_vocab_checks'
down_revision = 'i19b_gateway_charges'
branch_labels = None
depends_on = None

CHECKS = {  # table: [(constraint, column, values)]
    'orders': [('status', 'status',
                ('draft', 'pending', 'confirmed', 'preparing', 'ready', 'served', 'completed', 'cancelled'))],
    'payments': [('method', 'method', ('cash', 'card', 'qris', 'ewallet'))],
    'refunds': [('kind', 'kind', ('void', 'refund'))],
    'users': [('role', 'role', ('super_admin', 'admin', 'tenant_owner', 'manager', 'cashier', 'kitchen'))],
    'promotions': [('promo_type', 'promo_type', ('percentage', 'fixed_amount', 'buy_x_get_y', 'bundle'))],
    'promotion_products': [('role', 'role', ('buy', 'get', 'both'))],
}


def _condition(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _without_foreign_keys(change):
    """On SQLite: run `change` in its own transaction with foreign keys off, then check them."""
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


def upgrade():
    def add():
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, column, values in checks:
                    batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), _condition(column, values))
    _without_foreign_keys(add)


def downgrade():
    def drop():
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, _column, _values in checks:
                    batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
    _without_foreign_keys(drop)
