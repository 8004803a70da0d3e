"""reduction request steps: the negotiation kept move by move (request, counter, accept or
counter again; SPEC §7.8); existing requests get their filing as step 1 and billing's answer,
if any, as step 2

Revision ID: a41c6e2d9b57
Revises: fd112fe85b2d
Create Date: 2026-11-30 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a41c6e2d9b57'
down_revision = 'fd112fe85b2d'
branch_labels = None
depends_on = None

FILED = """
INSERT INTO reduction_request_steps
    (request_id, number, side, action, amount_cents, percent, note, user_id, at)
SELECT id, 1, 'attorney', 'request', amount_cents, percent, NULL, requested_by_user_id,
       created_at
FROM reduction_requests
"""
# An accept carries the cents it posted, a counter its value, a decline nothing.
ANSWERED = """
INSERT INTO reduction_request_steps
    (request_id, number, side, action, amount_cents, percent, note, user_id, at)
SELECT r.id, 2, 'billing',
       CASE r.status WHEN 'accepted' THEN 'accept' WHEN 'countered' THEN 'counter'
                     ELSE 'decline' END,
       CASE r.status WHEN 'accepted' THEN d.amount_cents
                     WHEN 'countered' THEN r.counter_amount_cents END,
       CASE r.status WHEN 'countered' THEN r.counter_percent END,
       r.answer_note, r.answered_by_user_id, r.answered_at
FROM reduction_requests r LEFT JOIN reductions d ON d.id = r.reduction_id
WHERE r.status != 'pending' AND r.answered_by_user_id IS NOT NULL
"""


def upgrade():
    op.create_table('reduction_request_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=7, scale=4), nullable=True),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("side IN ('attorney', 'billing')", name=op.f('ck_reduction_request_steps_side_known')),
    sa.CheckConstraint("action IN ('request', 'counter', 'accept', 'decline')", name=op.f('ck_reduction_request_steps_action_known')),
    sa.CheckConstraint('amount_cents IS NULL OR percent IS NULL', name=op.f('ck_reduction_request_steps_one_value')),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents > 0', name=op.f('ck_reduction_request_steps_amount_positive')),
    sa.CheckConstraint('percent IS NULL OR (percent > 0 AND percent <= 100)', name=op.f('ck_reduction_request_steps_percent_in_range')),
    sa.CheckConstraint("action NOT IN ('request', 'counter') OR amount_cents IS NOT NULL OR percent IS NOT NULL", name=op.f('ck_reduction_request_steps_offer_has_value')),
    sa.ForeignKeyConstraint(['request_id'], ['reduction_requests.id'], name=op.f('fk_reduction_request_steps_request_id_reduction_requests'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reduction_request_steps_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reduction_request_steps')),
    sa.UniqueConstraint('request_id', 'number', name=op.f('uq_reduction_request_steps_request_id_number'))
    )
    op.execute(FILED)
    op.execute(ANSWERED)


def downgrade():
    op.drop_table('reduction_request_steps')
