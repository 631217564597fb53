"""stock counts and transfers: the ledger's new kinds (count, transfer_out, transfer_in;
the kind column widened to 12) and the outlets' posted stocktakes (issue 20, part 2)

The lists are written out as they stand now (docs/vocabulary.md).

Revision ID: i20b_stocktakes
Revises: i20b_outlet_sold_out
Create Date: 2026-12-06 20:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20b_stocktakes'
down_revision = 'i20b_outlet_sold_out'
branch_labels = None
depends_on = None

OLD_KINDS = ('sale', 'void', 'refund', 'cancel', 'receive', 'waste')
NEW_KINDS = (*OLD_KINDS, 'count', 'transfer_out', 'transfer_in')


def _in(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def _rebuild_kinds(kinds, width):
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=12 if width == 10 else 10),
                              type_=sa.String(length=width), existing_nullable=False)
        batch_op.create_check_constraint(op.f('ck_stock_movements_kind'), _in(kinds))


def upgrade():
    _rebuild_kinds(NEW_KINDS, 12)
    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(), nullable=False),
    sa.Column('movement_uuid', sa.String(length=36), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('items_with_variance', sa.Integer(), nullable=False),
    sa.Column('variance_value', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_stocktakes_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_stocktakes_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes')),
    sa.UniqueConstraint('outlet_id', 'uuid', name=op.f('uq_stocktakes_outlet_id_uuid'))
    )
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktakes_outlet_id'), ['outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktakes_posted_at'), ['posted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktakes_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktakes_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_stocktakes_posted_at'))
        batch_op.drop_index(batch_op.f('ix_stocktakes_outlet_id'))
    op.drop_table('stocktakes')
    _rebuild_kinds(OLD_KINDS, 10)
