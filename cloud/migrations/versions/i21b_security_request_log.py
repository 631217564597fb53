"""security request log: who called which endpoint, from where, with what answer (issue 21)

Revision ID: i21b_security_request_log
Revises: i21b_worker_heartbeats
Create Date: 2026-12-06 20:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i21b_security_request_log'
down_revision = 'i21b_worker_heartbeats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('security_request_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('endpoint', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('db_queries', sa.Integer(), nullable=False),
    sa.Column('slow_queries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_request_log'))
    )
    with op.batch_alter_table('security_request_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_request_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_request_log_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('security_request_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_request_log_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_security_request_log_at'))
    op.drop_table('security_request_log')
