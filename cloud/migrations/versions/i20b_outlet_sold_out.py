"""what each outlet marked sold out ("86") at its till, as synced (issue 20, part 2)

Revision ID: i20b_outlet_sold_out
Revises: i20a_stock
Create Date: 2026-12-06 20:20:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i20b_outlet_sold_out'
down_revision = 'i22c_automation_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outlet_sold_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sold_out', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_outlet_sold_out_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_outlet_sold_out_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outlet_sold_out')),
    sa.CheckConstraint("target IN ('product', 'modifier')", name=op.f('ck_outlet_sold_out_target')),
    sa.UniqueConstraint('outlet_id', 'target', 'target_id', name=op.f('uq_outlet_sold_out_outlet_id_target_target_id'))
    )
    with op.batch_alter_table('outlet_sold_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outlet_sold_out_outlet_id'), ['outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outlet_sold_out_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outlet_sold_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outlet_sold_out_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_outlet_sold_out_outlet_id'))
    op.drop_table('outlet_sold_out')
