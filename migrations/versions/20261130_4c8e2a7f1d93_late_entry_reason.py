"""late entry reason: a fill dated before the day it was entered says why

Revision ID: 4c8e2a7f1d93
Revises: 62002d4ad59a
Create Date: 2026-11-30 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a7f1d93'
down_revision = '62002d4ad59a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dispenses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_entry_reason', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('dispenses', schema=None) as batch_op:
        batch_op.drop_column('late_entry_reason')
