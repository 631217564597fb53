"""mirror_outlet.zero_stock: the outlet's rule for products at zero stock (issue 20, part 4)

Kept as the cloud sent it (no CHECK: the mirror holds what the cloud says; a rule this
edge does not know reads as the default, which sells on).

Revision ID: i20d_mirror_outlet_zero_stock
Revises: i20b_mirror_transfers
Create Date: 2026-12-06 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20d_mirror_outlet_zero_stock'
down_revision = 'i20b_mirror_transfers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mirror_outlet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zero_stock', sa.String(length=16), server_default='allow', nullable=False))


def downgrade():
    with op.batch_alter_table('mirror_outlet', schema=None) as batch_op:
        batch_op.drop_column('zero_stock')
