"""transfers on their way to this outlet, mirrored from the cloud (issue 20, part 2)

Revision ID: i20b_mirror_transfers
Revises: i20b_stocktakes
Create Date: 2026-12-06 21:05:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20b_mirror_transfers'
down_revision = 'i20b_stocktakes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mirror_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('from_outlet_id', sa.Integer(), nullable=False),
    sa.Column('from_outlet_name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mirror_transfers')),
    sa.UniqueConstraint('uuid', name=op.f('uq_mirror_transfers_uuid'))
    )


def downgrade():
    op.drop_table('mirror_transfers')
