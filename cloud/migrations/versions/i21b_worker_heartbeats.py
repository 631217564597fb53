"""worker heartbeats: when each `pos cloud worker` last finished a pass (issue 21, health)

Revision ID: i21b_worker_heartbeats
Revises: i22b_notifications
Create Date: 2026-12-06 20:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i21b_worker_heartbeats'
down_revision = 'i21a_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeats',
    sa.Column('worker', sa.String(length=120), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_worker_heartbeats'))
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_beat_at'), ['beat_at'], unique=False)


def downgrade():
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_beat_at'))
    op.drop_table('worker_heartbeats')
