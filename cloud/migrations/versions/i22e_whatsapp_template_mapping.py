"""notifications: a template's WhatsApp approved-template mapping (issue 22, part 5)

notification_templates.whatsapp_template holds {"name", "language", "variables"}: the
Meta-approved template a WhatsApp message is sent as, and which of our variables fill
its body parameters {{1}}, {{2}}, ... in order. notifications.whatsapp_template holds
what one queued message sends: {"name", "language", "parameters"} (the values, rendered
when queued, as the body is). NULL on both: free text, as before.

Revision ID: i22e_whatsapp_template_mapping
Revises: i19d_static_qris
Create Date: 2026-12-07 00:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i22e_whatsapp_template_mapping'
down_revision = 'i19d_static_qris'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_templates') as batch:
        batch.add_column(sa.Column('whatsapp_template', sa.JSON(), nullable=True))
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('whatsapp_template', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('whatsapp_template')
    with op.batch_alter_table('notification_templates') as batch:
        batch.drop_column('whatsapp_template')
