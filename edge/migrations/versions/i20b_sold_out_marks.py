"""sold out at the till ("86"): the outlet's marks on products and modifiers (issue 20)

Revision ID: i20b_sold_out_marks
Revises: i20a_stock
Create Date: 2026-12-06 20:10:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i20b_sold_out_marks'
down_revision = 'i19c_edge_late_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sold_out_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('marked_by', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("target IN ('product', 'modifier')", name=op.f('ck_sold_out_marks_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sold_out_marks')),
    sa.UniqueConstraint('target', 'target_id', name=op.f('uq_sold_out_marks_target_target_id'))
    )


def downgrade():
    op.drop_table('sold_out_marks')
