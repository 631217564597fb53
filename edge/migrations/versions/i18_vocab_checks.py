"""CHECK constraints behind the closed lists of sync/vocab.py (issue 18)

The lists are written out here as they stood when this migration was made: a later
value is added by its own migration (docs/vocabulary.md), never by editing this one.

SQLite adds a CHECK only by rebuilding the table, and a table that others reference
cannot be rebuilt with foreign keys enforced; so, as SQLite's own recipe for changing a
table says, the rebuild runs with them off and checks every reference before it commits.

Revision ID: i18_vocab_checks
Revises: i19b_edge_gateway_payments
Create Date: 2026-12-06 17:30:00

"""
from alembic import op

revision = 'i18_vocab_checks'
down_revision = 'i19b_edge_gateway_payments'
branch_labels = None
depends_on = None

METHODS = ('cash', 'card', 'qris', 'ewallet')
CHECKS = {  # table: [(constraint, column, values, nullable)]
    'orders': [('status', 'status',
                ('draft', 'pending', 'confirmed', 'preparing', 'ready', 'served', 'completed', 'cancelled'), False)],
    'order_items': [('prep_status', 'prep_status', ('queued', 'preparing', 'ready', 'served', 'voided'), False)],
    'payments': [('method', 'method', METHODS, False),
                 ('status', 'status', ('pending', 'paid', 'failed', 'cancelled', 'expired'), False)],
    'refunds': [('kind', 'kind', ('void', 'refund'), False), ('method', 'method', METHODS, True)],
    'printers': [('role', 'role', ('receipt', 'kitchen'), False)],
    'print_jobs': [('state', 'state', ('queued', 'sending', 'done', 'failed', 'expired', 'cancelled'), False)],
}


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


def upgrade():
    def add():
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, column, values, nullable in checks:
                    batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), _condition(column, values, nullable))
    _without_foreign_keys(add)


def downgrade():
    def drop():
        for table, checks in CHECKS.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name, _column, _values, _nullable in checks:
                    batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
    _without_foreign_keys(drop)
