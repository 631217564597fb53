"""stock counts and transfers: the ledger's new kinds (count, transfer_out, transfer_in;
the kind column widened to 12), and the outlet's count sheets (issue 20, part 2)

The lists are written out as they stand now (docs/vocabulary.md). SQLite changes a CHECK
by rebuilding the table, which drops its triggers: the append-only ones are made again.

Revision ID: i20b_stocktakes
Revises: i20b_sold_out_marks
Create Date: 2026-12-06 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20b_stocktakes'
down_revision = 'i20b_sold_out_marks'
branch_labels = None
depends_on = None

OLD_KINDS = ('sale', 'void', 'refund', 'cancel', 'receive', 'waste')
NEW_KINDS = (*OLD_KINDS, 'count', 'transfer_out', 'transfer_in')
VERBS = ('UPDATE', 'DELETE')


def _in(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def _rebuild_kinds(kinds, width):
    bind = op.get_bind()
    for verb in VERBS:
        bind.exec_driver_sql(f'DROP TRIGGER IF EXISTS stock_movements_no_{verb.lower()}')
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=12 if width == 10 else 10),
                              type_=sa.String(length=width), existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_stock_movements_kind'), _in(kinds))
    for verb in VERBS:
        bind.exec_driver_sql(f"CREATE TRIGGER stock_movements_no_{verb.lower()} BEFORE {verb} ON stock_movements "
                             f"BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END")


def upgrade():
    _rebuild_kinds(NEW_KINDS, 12)
    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('movement_uuid', sa.String(length=36), nullable=True),
    sa.CheckConstraint("status IN ('open', 'posted', 'cancelled')", name=op.f('ck_stocktakes_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes')),
    sa.UniqueConstraint('uuid', name=op.f('uq_stocktakes_uuid'))
    )
    op.create_table('stocktake_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('stock_item_id', sa.Integer(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=True),
    sa.Column('expected', sa.BigInteger(), nullable=True),
    sa.Column('cost', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_lines_stocktake_id_stocktakes'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_lines')),
    sa.UniqueConstraint('stocktake_id', 'stock_item_id', name=op.f('uq_stocktake_lines_stocktake_id_stock_item_id'))
    )
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_lines_stocktake_id'), ['stocktake_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_lines_stocktake_id'))
    op.drop_table('stocktake_lines')
    op.drop_table('stocktakes')
    _rebuild_kinds(OLD_KINDS, 10)
