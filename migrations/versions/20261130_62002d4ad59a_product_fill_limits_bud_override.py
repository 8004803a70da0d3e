"""product fill limits (max_quantity_per_fill, max_days_supply) and a dispense's BUD override

Revision ID: 62002d4ad59a
Revises: 7b1e4c9d2a58
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '62002d4ad59a'
down_revision = '7b1e4c9d2a58'
branch_labels = None
depends_on = None

# Existing products take the pharmacy policy defaults (lienrx.formulary.rules); the formulary
# seed then sets each seeded product's own limits and their source.
DEFAULT_SOURCE = ("Pharmacy policy default, not a regulatory limit: "
                  "at most 90 days and 360 each / 500 g / 1000 mL per fill.")


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    products = sa.table('products', sa.column('unit', sa.String), sa.column('max_quantity_per_fill', sa.Numeric),
                        sa.column('max_days_supply', sa.Integer), sa.column('limits_source', sa.String))
    if _sqlite():
        # SQLite adds a NOT NULL column with a CHECK in place only with a default; recreating
        # products (batch mode) would trip the foreign keys of the rows that refer to it.
        op.execute("ALTER TABLE products ADD COLUMN max_quantity_per_fill NUMERIC(12, 3) NOT NULL "
                   "DEFAULT 360 CONSTRAINT ck_products_max_quantity_positive "
                   "CHECK (max_quantity_per_fill > 0)")
        op.execute("ALTER TABLE products ADD COLUMN max_days_supply INTEGER NOT NULL DEFAULT 90 "
                   "CONSTRAINT ck_products_max_days_supply_positive CHECK (max_days_supply > 0)")
        op.add_column('products', sa.Column('limits_source', sa.String(length=500), nullable=True))
    else:
        op.add_column('products', sa.Column('max_quantity_per_fill', sa.Numeric(precision=12, scale=3), nullable=True))
        op.add_column('products', sa.Column('max_days_supply', sa.Integer(), nullable=True))
        op.add_column('products', sa.Column('limits_source', sa.String(length=500), nullable=True))
    op.execute(products.update().values(
        max_quantity_per_fill=sa.case((products.c.unit == 'g', 500), (products.c.unit == 'mL', 1000), else_=360),
        max_days_supply=90, limits_source=DEFAULT_SOURCE))
    if not _sqlite():
        op.alter_column('products', 'max_quantity_per_fill', existing_type=sa.Numeric(precision=12, scale=3), nullable=False)
        op.alter_column('products', 'max_days_supply', existing_type=sa.Integer(), nullable=False)
        op.create_check_constraint(op.f('ck_products_max_quantity_positive'), 'products', 'max_quantity_per_fill > 0')
        op.create_check_constraint(op.f('ck_products_max_days_supply_positive'), 'products', 'max_days_supply > 0')
    op.add_column('dispenses', sa.Column('bud_override_reason', sa.String(length=500), nullable=True))


def downgrade():
    op.drop_column('dispenses', 'bud_override_reason')
    if _sqlite():  # in place: the CHECKs belong to their columns, so they go with them
        for column in ('limits_source', 'max_days_supply', 'max_quantity_per_fill'):
            op.execute(f"ALTER TABLE products DROP COLUMN {column}")
        return
    op.drop_constraint(op.f('ck_products_max_days_supply_positive'), 'products', type_='check')
    op.drop_constraint(op.f('ck_products_max_quantity_positive'), 'products', type_='check')
    op.drop_column('products', 'limits_source')
    op.drop_column('products', 'max_days_supply')
    op.drop_column('products', 'max_quantity_per_fill')
