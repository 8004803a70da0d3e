"""dispense stock draws: the received lot a controlled commercial fill drew from, and what a
reversal did with the stock (returned to stock or set aside for destruction)

Existing dispenses drew nothing from the inventory: both columns start empty.

Revision ID: 49770652b8e8
Revises: 29cf007d8258
Create Date: 2026-11-30 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '49770652b8e8'
down_revision = '29cf007d8258'
branch_labels = None
depends_on = None

KNOWN = "disposition IN ('return_to_stock', 'destroy')"
OF_A_REVERSAL = "disposition IS NULL OR status = 'reversed'"


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    if _sqlite():
        # In place: recreating dispenses (batch mode) would trip the rows that refer to it.
        op.execute("ALTER TABLE dispenses ADD COLUMN inventory_lot_id INTEGER CONSTRAINT "
                   "fk_dispenses_inventory_lot_id_inventory_lots REFERENCES inventory_lots (id)")
        op.execute("ALTER TABLE dispenses ADD COLUMN disposition VARCHAR(16) CONSTRAINT "
                   f"ck_dispenses_disposition_known CHECK ({KNOWN}) CONSTRAINT "
                   f"ck_dispenses_disposition_of_a_reversal CHECK ({OF_A_REVERSAL})")
    else:
        op.add_column('dispenses', sa.Column('inventory_lot_id', sa.Integer(), nullable=True))
        op.add_column('dispenses', sa.Column('disposition', sa.String(length=16), nullable=True))
        op.create_foreign_key(op.f('fk_dispenses_inventory_lot_id_inventory_lots'), 'dispenses',
                              'inventory_lots', ['inventory_lot_id'], ['id'])
        op.create_check_constraint(op.f('ck_dispenses_disposition_known'), 'dispenses', KNOWN)
        op.create_check_constraint(op.f('ck_dispenses_disposition_of_a_reversal'),
                                   'dispenses', OF_A_REVERSAL)
    op.create_index(op.f('ix_dispenses_inventory_lot_id'), 'dispenses', ['inventory_lot_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_dispenses_inventory_lot_id'), table_name='dispenses')
    if _sqlite():  # in place: the constraints belong to their columns, so they go with them
        op.execute("ALTER TABLE dispenses DROP COLUMN disposition")
        op.execute("ALTER TABLE dispenses DROP COLUMN inventory_lot_id")
        return
    op.drop_constraint(op.f('ck_dispenses_disposition_of_a_reversal'), 'dispenses',
                       type_='check')
    op.drop_constraint(op.f('ck_dispenses_disposition_known'), 'dispenses', type_='check')
    op.drop_constraint(op.f('fk_dispenses_inventory_lot_id_inventory_lots'), 'dispenses',
                       type_='foreignkey')
    op.drop_column('dispenses', 'disposition')
    op.drop_column('dispenses', 'inventory_lot_id')
