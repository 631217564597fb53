"""gateway payments: the QR string / deeplink and expiry of a pending QRIS or e-wallet payment

Revision ID: i19b_edge_gateway_payments
Revises: i16_login_throttles
Create Date: 2026-12-06 17:16:34.737714

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i19b_edge_gateway_payments'
down_revision = 'i16_login_throttles'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gateway_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('gateway_id', sa.String(length=100), nullable=False),
    sa.Column('qr_string', sa.Text(), nullable=True),
    sa.Column('deeplink_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'],
                            name=op.f('fk_gateway_payments_payment_id_payments')),
    sa.PrimaryKeyConstraint('id',
                            name=op.f('pk_gateway_payments')),
    sa.UniqueConstraint('payment_id',
                            name=op.f('uq_gateway_payments_payment_id'))
    )


def downgrade():
    op.drop_table('gateway_payments')
