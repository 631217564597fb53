"""transfers of stock between a tenant's outlets, pulled by the receiving outlet (issue 20, part 2)

Revision ID: i20b_transfers
Revises: i20b_stocktakes
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20b_transfers'
down_revision = 'i20b_stocktakes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('from_outlet_id', sa.Integer(), nullable=False),
    sa.Column('from_outlet_name', sa.String(length=120), nullable=False),
    sa.Column('to_outlet_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('received_by', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sync_version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['from_outlet_id'], ['outlets.id'], name=op.f('fk_transfers_from_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_transfers_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_outlet_id'], ['outlets.id'], name=op.f('fk_transfers_to_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.CheckConstraint("status IN ('in_transit', 'received')", name=op.f('ck_transfers_status')),
    sa.UniqueConstraint('uuid', name=op.f('uq_transfers_uuid'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_from_outlet_id'), ['from_outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_sync_version'), ['sync_version'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_to_outlet_id'), ['to_outlet_id'], unique=False)


def downgrade():
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfers_to_outlet_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_sync_version'))
        batch_op.drop_index(batch_op.f('ix_transfers_from_outlet_id'))
    op.drop_table('transfers')
