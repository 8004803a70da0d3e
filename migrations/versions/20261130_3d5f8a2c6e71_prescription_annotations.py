"""prescription annotations and prescriber phone: a pharmacist's clarification on a
prescription already dispensed against, with who, when and why, never rewriting the
prescription as written; the prescriber's office phone, kept with their details

Revision ID: 3d5f8a2c6e71
Revises: 7e3b9a51c2d8
Create Date: 2026-11-30 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d5f8a2c6e71'
down_revision = '7e3b9a51c2d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('prescription_annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('annotated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('annotated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_prescription_annotations_prescription_id_prescriptions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['annotated_by_user_id'], ['users.id'], name=op.f('fk_prescription_annotations_annotated_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescription_annotations'))
    )
    op.create_index(op.f('ix_prescription_annotations_prescription_id'), 'prescription_annotations', ['prescription_id'], unique=False)
    op.add_column('prescribers', sa.Column('phone', sa.String(length=40), nullable=True))


def downgrade():
    # not a batch: SQLite drops the column in place, so the rows other tables point at stay
    op.drop_column('prescribers', 'phone')
    op.drop_index(op.f('ix_prescription_annotations_prescription_id'), table_name='prescription_annotations')
    op.drop_table('prescription_annotations')
