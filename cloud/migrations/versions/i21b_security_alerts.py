"""security alerts: failed sign-in bursts, lockouts, silent outlets, refund shares (issue 21)

Revision ID: i21b_security_alerts
Revises: i21b_security_request_log
Create Date: 2026-12-06 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i21b_security_alerts'
down_revision = 'i21b_security_request_log'
branch_labels = None
depends_on = None

KINDS = ("failed_logins_user", "failed_logins_address", "account_locked", "outlet_silent", "refund_share",
         "drawer_opens", "audit_chain_broken")


def upgrade():
    op.create_table('security_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('outlet_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_by_username', sa.String(length=150), nullable=False),
    sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name=op.f('ck_security_alerts_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_alerts'))
    )
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_alerts_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_alerts_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_alerts_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_alerts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_security_alerts_subject'))
        batch_op.drop_index(batch_op.f('ix_security_alerts_last_seen_at'))
    op.drop_table('security_alerts')
