"""dispense delivery state: where a courier or mail fill was shipped, for the stricter rules

Revision ID: b7d2e5a1c904
Revises: a3f9d2c4b816
Create Date: 2026-11-30 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e5a1c904'
down_revision = 'a3f9d2c4b816'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('dispenses', sa.Column('delivery_state', sa.String(length=2), nullable=True))


def downgrade():
    # In place on SQLite too: recreating the table (batch mode) would turn the CHECKs that
    # earlier revisions attached to their columns into table constraints they cannot drop.
    op.execute("ALTER TABLE dispenses DROP COLUMN delivery_state")
