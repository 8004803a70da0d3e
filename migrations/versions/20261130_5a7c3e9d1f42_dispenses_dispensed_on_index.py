"""dispenses by fill date: the work queue's fills of today and the first fill date the PDMP
reports count from read the index, not the whole table

Revision ID: 5a7c3e9d1f42
Revises: b5e2c8d41f07
Create Date: 2026-11-30 23:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5a7c3e9d1f42'
down_revision = 'b5e2c8d41f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_dispenses_dispensed_on', 'dispenses', ['dispensed_on'], unique=False)


def downgrade():
    op.drop_index('ix_dispenses_dispensed_on', table_name='dispenses')
