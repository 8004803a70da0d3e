"""case suit filed on: the day the client's suit was filed, which takes a lien off the
statute-of-limitations risk list (SPEC §7.8)

Revision ID: 4c2a9e7d1b53
Revises: 5c8e1f3a7b92
Create Date: 2026-11-30 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c2a9e7d1b53'
down_revision = '5c8e1f3a7b92'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cases', sa.Column('suit_filed_on', sa.Date(), nullable=True))


def downgrade():
    # not a batch: SQLite drops the column in place, so the rows other tables point at stay
    op.drop_column('cases', 'suit_filed_on')
