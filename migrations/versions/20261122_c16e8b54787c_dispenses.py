"""dispenses: fills at $0 charged to the lien

Revision ID: c16e8b54787c
Revises: 2fc654b95238
Create Date: 2026-11-22 14:15:43.853426

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c16e8b54787c'
down_revision = '2fc654b95238'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispenses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('fill_number', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('days_supply', sa.Integer(), nullable=False),
    sa.Column('dispensed_on', sa.Date(), nullable=False),
    sa.Column('compounding_record_id', sa.Integer(), nullable=True),
    sa.Column('ndc', sa.String(length=11), nullable=True),
    sa.Column('lot_number', sa.String(length=60), nullable=True),
    sa.Column('delivery_method', sa.String(length=20), nullable=True),
    sa.Column('pharmacist_user_id', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('dispensing_fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('compounding_fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('charge_cents', sa.BigInteger(), nullable=False),
    sa.Column('patient_paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('refill_override_reason', sa.String(length=500), nullable=True),
    sa.Column('dur_review', sa.JSON(), nullable=False),
    sa.Column('label', sa.JSON(), nullable=False),
    sa.Column('charge_entry_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reversal_entry_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('reversal_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'reversed') = (reversal_entry_id IS NOT NULL)", name=op.f('ck_dispenses_reversed_iff_reversal_entry')),
    sa.CheckConstraint("status IN ('dispensed', 'reversed')", name=op.f('ck_dispenses_status_known')),
    sa.CheckConstraint('(compounding_record_id IS NULL) <> (ndc IS NULL)', name=op.f('ck_dispenses_batch_xor_ndc')),
    sa.CheckConstraint('charge_cents >= 0', name=op.f('ck_dispenses_charge_not_negative')),
    sa.CheckConstraint('days_supply > 0', name=op.f('ck_dispenses_days_supply_positive')),
    sa.CheckConstraint('patient_paid_cents = 0', name=op.f('ck_dispenses_patient_pays_nothing')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_dispenses_quantity_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dispenses_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['charge_entry_id'], ['journal_entries.id'], name=op.f('fk_dispenses_charge_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['compounding_record_id'], ['compounding_records.id'], name=op.f('fk_dispenses_compounding_record_id_compounding_records'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pharmacist_user_id'], ['users.id'], name=op.f('fk_dispenses_pharmacist_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_dispenses_prescription_id_prescriptions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reversal_entry_id'], ['journal_entries.id'], name=op.f('fk_dispenses_reversal_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reversed_by_user_id'], ['users.id'], name=op.f('fk_dispenses_reversed_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispenses')),
    sa.UniqueConstraint('prescription_id', 'fill_number', name=op.f('uq_dispenses_prescription_id_fill_number'))
    )
    with op.batch_alter_table('dispenses', schema=None) as batch_op:
        batch_op.create_index('ix_dispenses_case_dispensed_on', ['case_id', 'dispensed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispenses_compounding_record_id'), ['compounding_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispenses_prescription_id'), ['prescription_id'], unique=False)



def downgrade():
    with op.batch_alter_table('dispenses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispenses_prescription_id'))
        batch_op.drop_index(batch_op.f('ix_dispenses_compounding_record_id'))
        batch_op.drop_index('ix_dispenses_case_dispensed_on')

    op.drop_table('dispenses')
