"""credentials that end: users.credential_generation, api_tokens.revoked_at

Revision ID: 5d2a9c41e7b3
Revises: e520d8a21d5c
Create Date: 2026-11-29 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2a9c41e7b3'
down_revision = 'e520d8a21d5c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credential_generation', sa.Integer(),
                                      server_default='0', nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('credential_generation')
