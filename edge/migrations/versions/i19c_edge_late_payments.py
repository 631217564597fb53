"""late payments: a QRIS / e-wallet payment paid after it was cancelled or expired, and when it went back

Revision ID: i19c_edge_late_payments
Revises: i18_vocab_checks
Create Date: 2026-12-06 20:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i19c_edge_late_payments'
down_revision = 'i21a_audit'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('gateway_payments') as batch:
        batch.add_column(sa.Column('late_payment', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('returned_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('gateway_payments') as batch:
        batch.drop_column('returned_at')
        batch.drop_column('late_payment')
