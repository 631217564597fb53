"""login throttles, device revocation, enrollment keys that keep devices (issue 16)

Failed sign-ins per username (backoff and lockout); a device's revocation time and
reason; whether an enrollment key's device joins the outlet's others or replaces them.

Revision ID: i16_logins_devices
Revises: 5d3e9a7c1b42
Create Date: 2026-12-06 13:35:25.787239

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i16_logins_devices'
down_revision = '5d3e9a7c1b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=True),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('locks', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttles'))
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_last_failure_at'), ['last_failure_at'], unique=False)

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=40), nullable=False,
                                      server_default=''))

    with op.batch_alter_table('enrollment_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keeps_other_devices', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('enrollment_keys', schema=None) as batch_op:
        batch_op.drop_column('keeps_other_devices')

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('revoked_at')

    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_last_failure_at'))

    op.drop_table('login_throttles')
