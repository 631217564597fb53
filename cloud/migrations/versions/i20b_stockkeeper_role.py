"""the stockkeeper role: users.role takes 'stockkeeper' (issue 20, part 2)

The list is written out as it stands now (docs/vocabulary.md). users is referenced by
other tables, so on SQLite the rebuild runs with foreign keys off and checks every
reference before it commits, as i18_vocab_checks does.

Revision ID: i20b_stockkeeper_role
Revises: i20b_transfers
Create Date: 2026-12-06 21:15:00
"""
from alembic import op

revision = 'i20b_stockkeeper_role'
down_revision = 'i20b_transfers'
branch_labels = None
depends_on = None

OLD_ROLES = ('super_admin', 'admin', 'tenant_owner', 'manager', 'cashier', 'kitchen')
NEW_ROLES = (*OLD_ROLES, 'stockkeeper')


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


def _roles(values):
    def change():
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
            batch_op.create_check_constraint(op.f('ck_users_role'),
                                             f"role IN ({', '.join(repr(value) for value in values)})")
    return change


def upgrade():
    _without_foreign_keys(_roles(NEW_ROLES))


def downgrade():
    # the older list has no stockkeeper: they become kitchen users (the same rank, no stock
    # rights) rather than being deleted, which the rows referring to them would not allow
    op.execute("UPDATE users SET role = 'kitchen' WHERE role = 'stockkeeper'")
    _without_foreign_keys(_roles(OLD_ROLES))
