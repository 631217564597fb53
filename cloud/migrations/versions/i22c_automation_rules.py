"""automation rules and their per-subject firing state; e-receipts asked for at the till (issue 22, part 3)

Revision ID: i22c_automation_rules
Revises: i20a_stock
Create Date: 2026-12-06 20:10:00

A rule fires once per episode: automation_rule_states keeps, per rule and subject (an
outlet, or an outlet's stock item), whether it is firing now and how many episodes it had.
notification_triggers gains the recipient, channel and link of an e-receipt a customer
asked for at the till (`receipt.requested`).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i22c_automation_rules'
down_revision = 'i21b_security_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('automation_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=True),
    sa.Column('stock_item_id', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.BigInteger(), nullable=True),
    sa.Column('offline_minutes', sa.Integer(), nullable=True),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_automation_rules_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_automation_rules_outlet_id_outlets'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_item_id'], ['stock_items.id'],
                            name=op.f('fk_automation_rules_stock_item_id_stock_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_rules')),
    sa.CheckConstraint("trigger IN ('stock_low', 'outlet_offline')", name=op.f('ck_automation_rules_trigger')),
    )
    with op.batch_alter_table('automation_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_automation_rules_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('automation_rule_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('firing', sa.Boolean(), nullable=False),
    sa.Column('episodes', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=True),
    sa.Column('fired_at', sa.DateTime(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['automation_rules.id'],
                            name=op.f('fk_automation_rule_states_rule_id_automation_rules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_automation_rule_states')),
    sa.UniqueConstraint('rule_id', 'subject', name=op.f('uq_automation_rule_states_rule_id_subject')),
    )
    with op.batch_alter_table('automation_rule_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_automation_rule_states_rule_id'), ['rule_id'], unique=False)

    with op.batch_alter_table('notification_triggers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('link', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('notification_triggers', schema=None) as batch_op:
        batch_op.drop_column('link')
        batch_op.drop_column('recipient')
        batch_op.drop_column('channel')
    with op.batch_alter_table('automation_rule_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_automation_rule_states_rule_id'))
    op.drop_table('automation_rule_states')
    with op.batch_alter_table('automation_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_automation_rules_tenant_id'))
    op.drop_table('automation_rules')
