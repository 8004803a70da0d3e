"""webhooks: a firm's subscriptions (URL, events, signing secret encrypted at rest) and the
log of each delivery attempt (SPEC §7.8)

Revision ID: 5c8e1f3a7b92
Revises: a41c6e2d9b57
Create Date: 2026-11-30 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c8e1f3a7b92'
down_revision = 'a41c6e2d9b57'
branch_labels = None
depends_on = None

OUTCOMES = "outcome IN ('delivered', 'refused', 'unreachable', 'timed_out')"


def upgrade():
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_webhook_subscriptions_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_webhook_subscriptions_created_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['deleted_by_user_id'], ['users.id'], name=op.f('fk_webhook_subscriptions_deleted_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    op.create_index(op.f('ix_webhook_subscriptions_law_firm_id'), 'webhook_subscriptions', ['law_firm_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.CheckConstraint(OUTCOMES, name=op.f('ck_webhook_deliveries_outcome_known')),
    sa.CheckConstraint('attempt > 0', name=op.f('ck_webhook_deliveries_attempt_positive')),
    sa.CheckConstraint('duration_ms >= 0', name=op.f('ck_webhook_deliveries_duration_not_negative')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_messages.id'], name=op.f('fk_webhook_deliveries_outbox_message_id_outbox_messages'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    op.create_index(op.f('ix_webhook_deliveries_outbox_message_id'), 'webhook_deliveries', ['outbox_message_id'], unique=False)
    op.create_index('ix_webhook_deliveries_subscription_attempted', 'webhook_deliveries', ['subscription_id', 'attempted_at'], unique=False)


def downgrade():
    op.drop_index('ix_webhook_deliveries_subscription_attempted', table_name='webhook_deliveries')
    op.drop_index(op.f('ix_webhook_deliveries_outbox_message_id'), table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_webhook_subscriptions_law_firm_id'), table_name='webhook_subscriptions')
    op.drop_table('webhook_subscriptions')
