"""reorder points per outlet and stock item (issue 20, part 2)

Revision ID: i20b_reorder_points
Revises: i20b_stockkeeper_role
Create Date: 2026-12-06 21:25:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20b_reorder_points'
down_revision = 'i20b_stockkeeper_role'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reorder_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('stock_item_id', sa.Integer(), nullable=False),
    sa.Column('reorder_level', sa.BigInteger(), nullable=False),
    sa.Column('reorder_quantity', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_reorder_points_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_item_id'], ['stock_items.id'],
                            name=op.f('fk_reorder_points_stock_item_id_stock_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reorder_points_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reorder_points')),
    sa.UniqueConstraint('outlet_id', 'stock_item_id', name=op.f('uq_reorder_points_outlet_id_stock_item_id'))
    )
    with op.batch_alter_table('reorder_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorder_points_outlet_id'), ['outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorder_points_stock_item_id'), ['stock_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reorder_points_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reorder_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorder_points_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_reorder_points_stock_item_id'))
        batch_op.drop_index(batch_op.f('ix_reorder_points_outlet_id'))
    op.drop_table('reorder_points')
