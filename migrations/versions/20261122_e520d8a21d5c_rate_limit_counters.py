"""rate limit counters: sign-in limits shared by every worker when there is no Redis

Revision ID: e520d8a21d5c
Revises: fcdcfb2decc5
Create Date: 2026-11-22 15:20:01.582354

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e520d8a21d5c'
down_revision = 'fcdcfb2decc5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )


def downgrade():
    op.drop_table('rate_limit_counters')
