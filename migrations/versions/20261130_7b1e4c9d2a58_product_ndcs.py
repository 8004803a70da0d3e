"""product ndcs: the NDC master, a commercial product's acceptable package NDCs

Revision ID: 7b1e4c9d2a58
Revises: 3f1a9c7d2b64
Create Date: 2026-11-30 00:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1e4c9d2a58'
down_revision = '3f1a9c7d2b64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_ndcs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('ndc', sa.String(length=11), nullable=False),
    sa.Column('labeler', sa.String(length=120), nullable=True),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.CheckConstraint('length(ndc) = 11', name=op.f('ck_product_ndcs_ndc_11_digits')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_ndcs_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_ndcs')),
    sa.UniqueConstraint('product_id', 'ndc', name=op.f('uq_product_ndcs_product_id_ndc'))
    )
    with op.batch_alter_table('product_ndcs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_ndcs_product_id'), ['product_id'], unique=False)
    # A product's existing single NDC becomes its first (default) NDC master row; the labeler
    # is left for the formulary seed or an administrator to name.
    op.execute("INSERT INTO product_ndcs (product_id, ndc, source) "
               "SELECT id, ndc, ndc_source FROM products WHERE ndc IS NOT NULL ORDER BY id")


def downgrade():
    with op.batch_alter_table('product_ndcs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_ndcs_product_id'))
    op.drop_table('product_ndcs')
