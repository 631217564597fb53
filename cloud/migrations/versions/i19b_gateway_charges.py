"""gateway accounts, charges, refunds and the webhook log (QRIS and e-wallets)

Revision ID: i19b_gateway_charges
Revises: c15a_paid_on_business_date
Create Date: 2026-12-06 17:06:26.922847

A tenant's sealed gateway credentials, the charges its outlets asked for, the refunds
asked of the gateway, and every callback received (logged before it acts).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i19b_gateway_charges'
down_revision = 'c15a_paid_on_business_date'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id',
                            name=op.f('pk_payment_callbacks'))
    )
    with op.batch_alter_table('payment_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_callbacks_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_callbacks_event_key'), ['event_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_callbacks_provider'), ['provider'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_callbacks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('gateway_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('sealed_credentials', sa.Text(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                            name=op.f('fk_gateway_accounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id',
                            name=op.f('pk_gateway_accounts')),
    sa.UniqueConstraint('tenant_id', 'provider',
                            name=op.f('uq_gateway_accounts_tenant_id_provider'))
    )
    with op.batch_alter_table('gateway_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gateway_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('gateway_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('order_uuid', sa.String(length=36), nullable=False),
    sa.Column('payment_uuid', sa.String(length=36), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('gateway_order_id', sa.String(length=64), nullable=False),
    sa.Column('gateway_id', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('qr_string', sa.Text(), nullable=True),
    sa.Column('deeplink_url', sa.Text(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('late_payment', sa.Boolean(), nullable=False),
    sa.Column('refunded_amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'],
                            name=op.f('fk_gateway_charges_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                            name=op.f('fk_gateway_charges_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id',
                            name=op.f('pk_gateway_charges')),
    sa.UniqueConstraint('outlet_id', 'payment_uuid',
                            name=op.f('uq_gateway_charges_outlet_id_payment_uuid')),
    sa.UniqueConstraint('provider', 'gateway_id',
                            name=op.f('uq_gateway_charges_provider_gateway_id'))
    )
    with op.batch_alter_table('gateway_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gateway_charges_order_uuid'), ['order_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_gateway_charges_outlet_id'), ['outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gateway_charges_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_gateway_charges_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('gateway_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('refund_uuid', sa.String(length=36), nullable=False),
    sa.Column('gateway_refund_id', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charge_id'], ['gateway_charges.id'],
                            name=op.f('fk_gateway_refunds_charge_id_gateway_charges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id',
                            name=op.f('pk_gateway_refunds')),
    sa.UniqueConstraint('charge_id', 'refund_uuid',
                            name=op.f('uq_gateway_refunds_charge_id_refund_uuid'))
    )
    with op.batch_alter_table('gateway_refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gateway_refunds_charge_id'), ['charge_id'], unique=False)



def downgrade():
    with op.batch_alter_table('gateway_refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gateway_refunds_charge_id'))

    op.drop_table('gateway_refunds')
    with op.batch_alter_table('gateway_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gateway_charges_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_gateway_charges_status'))
        batch_op.drop_index(batch_op.f('ix_gateway_charges_outlet_id'))
        batch_op.drop_index(batch_op.f('ix_gateway_charges_order_uuid'))

    op.drop_table('gateway_charges')
    with op.batch_alter_table('gateway_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gateway_accounts_tenant_id'))

    op.drop_table('gateway_accounts')
    with op.batch_alter_table('payment_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_callbacks_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_payment_callbacks_provider'))
        batch_op.drop_index(batch_op.f('ix_payment_callbacks_event_key'))
        batch_op.drop_index(batch_op.f('ix_payment_callbacks_charge_id'))

    op.drop_table('payment_callbacks')
