"""device number spaces, unique order numbers per outlet, sync discrepancies

Each device gets its own order-numbering space in its outlet (existing devices: 1, 2, ...
by enrollment order) and may record the device it was forked from. Orders and shifts
remember the device that first sent them (backfilled where an outlet had one device).
Order numbers become unique per outlet, as DESIGN.md promises: numbers already held twice
are kept on the oldest order; later holders get `~<id>` appended and a discrepancy row, so
head office sees each one. sync_discrepancies holds what head office must look at.

Revision ID: 5d3e9a7c1b42
Revises: aac05516ac0e
Create Date: 2026-12-06 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d3e9a7c1b42'
down_revision = 'aac05516ac0e'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DUPLICATE = ("EXISTS (SELECT 1 FROM orders p WHERE p.outlet_id = o.outlet_id "
             "AND p.order_number = o.order_number AND p.id < o.id)")


def upgrade():
    op.create_table('sync_discrepancies',
    sa.Column('id', BigId, nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('outlet_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('order_uuid', sa.String(length=36), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('detected_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['outlet_id'], ['outlets.id'], name=op.f('fk_sync_discrepancies_outlet_id_outlets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sync_discrepancies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_discrepancies'))
    )
    with op.batch_alter_table('sync_discrepancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_discrepancies_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_discrepancies_order_uuid'), ['order_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_discrepancies_outlet_id'), ['outlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_discrepancies_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_space', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('forked_from_id', sa.Integer(), nullable=True))
    op.execute("UPDATE devices SET number_space = (SELECT count(*) FROM devices d WHERE d.outlet_id = devices.outlet_id "
               "AND d.id <= devices.id)")
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.alter_column('number_space', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_devices_outlet_id_number_space'), ['outlet_id', 'number_space'])
        batch_op.create_foreign_key(batch_op.f('fk_devices_forked_from_id_devices'), 'devices', ['forked_from_id'], ['id'],
                                    ondelete='SET NULL')

    for table in ('orders', 'shifts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('device_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_device_id'), ['device_id'], unique=False)
        # where the outlet has had one device, it sent them all
        op.execute(f"UPDATE {table} SET device_id = (SELECT min(d.id) FROM devices d WHERE d.outlet_id = {table}.outlet_id) "
                   f"WHERE (SELECT count(*) FROM devices d WHERE d.outlet_id = {table}.outlet_id) = 1")

    op.execute("INSERT INTO sync_discrepancies (tenant_id, outlet_id, device_id, kind, order_uuid, message, detail, "
               "detected_at) SELECT o.tenant_id, o.outlet_id, o.device_id, 'order_number_taken', o.uuid, "
               "'order number ' || o.order_number || ' was held by another order of this outlet when order numbers "
               "became unique; this order keeps it as ' || o.order_number || '~' || CAST(o.id AS VARCHAR(20)), '{}', "
               f"CURRENT_TIMESTAMP FROM orders o WHERE {DUPLICATE}")
    op.execute("UPDATE orders SET order_number = order_number || '~' || CAST(id AS VARCHAR(20)) WHERE id IN "
               f"(SELECT o.id FROM orders o WHERE {DUPLICATE})")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_orders_outlet_id_order_number'), ['outlet_id', 'order_number'])


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_orders_outlet_id_order_number'), type_='unique')
    for table in ('shifts', 'orders'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_device_id'))
            batch_op.drop_column('device_id')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_devices_forked_from_id_devices'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_devices_outlet_id_number_space'), type_='unique')
        batch_op.drop_column('forked_from_id')
        batch_op.drop_column('number_space')
    op.drop_table('sync_discrepancies')
