"""outlets.zero_stock: what the till does with a product at zero stock (issue 20, part 4)

allow (the default: sell on silently), warn, block. The list is written out as it stands
now (docs/vocabulary.md). SQLite adds the column with its named CHECK in one ALTER (no
rebuild of a table so many others refer to); PostgreSQL adds the column, then the CHECK.

Revision ID: i20d_outlet_zero_stock
Revises: i22d_automation_events_webhooks
Create Date: 2026-12-06 23:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i20d_outlet_zero_stock'
down_revision = 'i22d_automation_events_webhooks'
branch_labels = None
depends_on = None

RULES = "zero_stock IN ('allow', 'warn', 'block')"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("ALTER TABLE outlets ADD COLUMN zero_stock VARCHAR(5) DEFAULT 'allow' NOT NULL "
                   f"CONSTRAINT ck_outlets_zero_stock CHECK ({RULES})")
        return
    op.add_column('outlets', sa.Column('zero_stock', sa.String(length=5), server_default='allow', nullable=False))
    op.create_check_constraint(op.f('ck_outlets_zero_stock'), 'outlets', RULES)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("ALTER TABLE outlets DROP COLUMN zero_stock")  # SQLite >= 3.35; the CHECK goes with it
        return
    op.drop_constraint(op.f('ck_outlets_zero_stock'), 'outlets', type_='check')
    op.drop_column('outlets', 'zero_stock')
