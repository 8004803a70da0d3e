"""user last sign-in: when each account last signed in (page or API token), for the admin's
user list

Revision ID: 7e3b9a51c2d8
Revises: a4c9e2f17b63
Create Date: 2026-11-30 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e3b9a51c2d8'
down_revision = 'a4c9e2f17b63'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('last_sign_in_at', sa.DateTime(timezone=True),
                                     nullable=True))


def downgrade():
    # not a batch: SQLite drops the column in place, so the rows other tables point at stay
    op.drop_column('users', 'last_sign_in_at')
