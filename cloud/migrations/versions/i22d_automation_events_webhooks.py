"""automation: event and state triggers, conditions, signed webhooks (issue 22, part 4)

automation_rules.trigger takes the event triggers (payment_received, order_cancelled,
order_refunded, order_ready) and the new state triggers (shift_not_closed,
sync_dead_letter, schedule); the rule gains `open_hours`, `at_time` and `conditions`.
security_alerts.kind takes 'automation' (a rule's alert action). webhook_deliveries and
webhook_attempts hold what a rule's webhook action owes and every try at it. The lists
are written out as they stand now (docs/vocabulary.md); automation_rules is referenced by
other tables, so on SQLite the rebuild runs with foreign keys off, as i18_vocab_checks does.

Revision ID: i22d_automation_events_webhooks
Revises: i20b_reorder_points
Create Date: 2026-12-06 23:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i22d_automation_events_webhooks'
down_revision = 'i20b_reorder_points'
branch_labels = None
depends_on = None

OLD_TRIGGERS = ('stock_low', 'outlet_offline')
NEW_TRIGGERS = ('stock_low', 'outlet_offline', 'shift_not_closed', 'sync_dead_letter', 'schedule',
                'payment_received', 'order_cancelled', 'order_refunded', 'order_ready')
OLD_KINDS = ('failed_logins_user', 'failed_logins_address', 'account_locked', 'outlet_silent', 'refund_share',
             'drawer_opens', 'audit_chain_broken')
NEW_KINDS = (*OLD_KINDS, 'automation')


def _listed(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _without_foreign_keys(change):
    """On SQLite: run `change` in its own transaction with foreign keys off, then check them."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        change()
        return
    bind.exec_driver_sql('COMMIT')
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    try:
        bind.exec_driver_sql('BEGIN')
        try:
            change()
            broken = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
            if broken:
                raise RuntimeError(f'rebuilding the tables would break these references: {broken[:5]}')
        except BaseException:
            bind.exec_driver_sql('ROLLBACK')
            raise
        bind.exec_driver_sql('COMMIT')
    finally:
        bind.exec_driver_sql('PRAGMA foreign_keys=ON')
        bind.exec_driver_sql('BEGIN')  # Alembic records the new revision in this one


def upgrade():
    def change():
        with op.batch_alter_table('automation_rules', schema=None) as batch_op:
            batch_op.add_column(sa.Column('open_hours', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('at_time', sa.String(length=5), nullable=True))
            batch_op.add_column(sa.Column('conditions', sa.JSON(), server_default='[]', nullable=False))
            batch_op.drop_constraint(op.f('ck_automation_rules_trigger'), type_='check')
            batch_op.create_check_constraint(op.f('ck_automation_rules_trigger'), _listed('trigger', NEW_TRIGGERS))
        with op.batch_alter_table('security_alerts', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_security_alerts_kind'), type_='check')
            batch_op.create_check_constraint(op.f('ck_security_alerts_kind'), _listed('kind', NEW_KINDS))
    _without_foreign_keys(change)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('outlet_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('failed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'delivered', 'failed')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_webhook_deliveries_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['automation_rules.id'],
                            name=op.f('fk_webhook_deliveries_rule_id_automation_rules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name=op.f('uq_webhook_deliveries_tenant_id_idempotency_key')),
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('webhook_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'],
                            name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
    )
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_attempts_delivery_id'), ['delivery_id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_attempts_delivery_id'))
    op.drop_table('webhook_attempts')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_rule_id'))
        batch_op.drop_index('ix_webhook_deliveries_due')
    op.drop_table('webhook_deliveries')
    # rules and alerts the older lists do not hold go (a rule of a new trigger cannot be kept)
    op.execute("DELETE FROM automation_rules WHERE trigger NOT IN ('stock_low', 'outlet_offline')")
    op.execute("DELETE FROM security_alerts WHERE kind = 'automation'")

    def change():
        with op.batch_alter_table('security_alerts', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_security_alerts_kind'), type_='check')
            batch_op.create_check_constraint(op.f('ck_security_alerts_kind'), _listed('kind', OLD_KINDS))
        with op.batch_alter_table('automation_rules', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_automation_rules_trigger'), type_='check')
            batch_op.create_check_constraint(op.f('ck_automation_rules_trigger'), _listed('trigger', OLD_TRIGGERS))
            batch_op.drop_column('conditions')
            batch_op.drop_column('at_time')
            batch_op.drop_column('open_hours')
    _without_foreign_keys(change)
