"""Static QRIS (issue 19, part 4): the outlet's printed merchant QR, the `static_qr` payment
method, and settlement imports that verify static payments (docs/vocabulary.md's recipe).

The method lists are written out as they stand now; a later value gets its own migration.

Revision ID: i19d_static_qris
Revises: i20d_outlet_zero_stock
Create Date: 2026-12-06 23:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i19d_static_qris'
down_revision = 'i20d_outlet_zero_stock'
branch_labels = None
depends_on = None

OLD_METHODS = ('cash', 'card', 'qris', 'ewallet')
NEW_METHODS = ('cash', 'card', 'qris', 'ewallet', 'static_qr')
OUTCOMES = ('matched', 'amount_mismatch', 'reference_not_found', 'already_verified', 'not_settled',
            'gateway_charge', 'missing_from_settlement')


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


def _methods(values):
    def change():
        with op.batch_alter_table('payments', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_payments_method'), type_='check')
            batch_op.create_check_constraint(op.f('ck_payments_method'), _condition('method', values))
    _without_foreign_keys(change)


def _outlet_column(add):
    """On SQLite a rebuilt `outlets` would cascade-delete every row that references it:
    the rebuild runs with foreign keys off, as the methods' does."""
    def change():
        with op.batch_alter_table('outlets', schema=None) as batch_op:
            if add:
                batch_op.add_column(sa.Column('static_qris', sa.String(length=512), nullable=False,
                                              server_default=''))
            else:
                batch_op.drop_column('static_qris')
    _without_foreign_keys(change)


def upgrade():
    _outlet_column(add=True)
    _methods(NEW_METHODS)
    op.create_table(
        'settlement_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('outlet_id', sa.Integer(), nullable=True),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('date_from', sa.Date(), nullable=False),
        sa.Column('date_to', sa.Date(), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('matched', sa.Integer(), nullable=False),
        sa.Column('flagged', sa.Integer(), nullable=False),
        sa.Column('imported_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(_condition('provider', ('midtrans', 'xendit')), name=op.f('ck_settlement_imports_provider')),
        sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_settlement_imports_outlet_id_outlets'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_settlement_imports_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_imports')),
        sa.UniqueConstraint('tenant_id', 'file_sha256', name=op.f('uq_settlement_imports_tenant_id_file_sha256')),
    )
    op.create_index(op.f('ix_settlement_imports_tenant_id'), 'settlement_imports', ['tenant_id'])
    op.create_index(op.f('ix_settlement_imports_outlet_id'), 'settlement_imports', ['outlet_id'])
    op.create_table(
        'settlement_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=True),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=30), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.CheckConstraint(_condition('outcome', OUTCOMES), name=op.f('ck_settlement_lines_outcome')),
        sa.ForeignKeyConstraint(['import_id'], ['settlement_imports.id'],
                                name=op.f('fk_settlement_lines_import_id_settlement_imports'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_settlement_lines_payment_id_payments'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_settlement_lines_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_lines')),
    )
    op.create_index(op.f('ix_settlement_lines_import_id'), 'settlement_lines', ['import_id'])
    op.create_index(op.f('ix_settlement_lines_tenant_id'), 'settlement_lines', ['tenant_id'])
    op.create_index(op.f('ix_settlement_lines_payment_id'), 'settlement_lines', ['payment_id'])
    op.create_index('uq_settlement_lines_matched_payment', 'settlement_lines', ['payment_id'], unique=True,
                    postgresql_where=sa.text("outcome = 'matched'"), sqlite_where=sa.text("outcome = 'matched'"))


def downgrade():
    op.drop_table('settlement_lines')
    op.drop_table('settlement_imports')
    op.execute("DELETE FROM payments WHERE method = 'static_qr'")
    _methods(OLD_METHODS)
    _outlet_column(add=False)
