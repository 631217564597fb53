"""outlet continuity: outbox seq never reused, device numbering space, sync incidents

The outbox is rebuilt with AUTOINCREMENT (its rows copied as they are), so a seq is never
handed out twice after acknowledged events are pruned, and the counter can be moved
past the numbers a lost copy of this database used. sync_state learns the device it
belongs to and its order-numbering space; sync_incidents records what the manager and
head office must know (a database gone back behind the cloud, orders taken back from it,
an order renumbered, a stale snapshot).

Revision ID: b7e1c4d2a917
Revises: 30cd3fa62fea
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e1c4d2a917'
down_revision = '30cd3fa62fea'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', recreate='always', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        pass
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('number_space', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('sync_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('detected_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_incidents'))
    )


def downgrade():
    op.drop_table('sync_incidents')
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.drop_column('number_space')
        batch_op.drop_column('device_id')
    with op.batch_alter_table('outbox', recreate='always', table_kwargs={'sqlite_autoincrement': False}) as batch_op:
        pass
