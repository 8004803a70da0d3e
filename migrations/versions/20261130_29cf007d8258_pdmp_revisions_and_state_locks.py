"""pdmp revisions and state locks: each reported record keeps its Rx number, fill date,
late-entry mark and fingerprint; one lock row per state serialises generation

Records already reported get their Rx number, fill date and late-entry mark from their
dispense; they have no fingerprint (what was sent is not re-derivable), so they are never
revised.

Revision ID: 29cf007d8258
Revises: 130a4c024955
Create Date: 2026-11-30 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '29cf007d8258'
down_revision = '130a4c024955'
branch_labels = None
depends_on = None


def _rx_number():
    if op.get_bind().dialect.name == "sqlite":
        return "'RX' || printf('%07d', d.prescription_id)"
    return "'RX' || lpad(d.prescription_id::text, 7, '0')"


def upgrade():
    op.create_table('pdmp_state_locks',
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_pdmp_state_locks'))
    )
    with op.batch_alter_table('pdmp_report_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rx_number', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('filled_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('late_entry', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('record_sha256', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE pdmp_report_records SET "
        f"rx_number = (SELECT {_rx_number()} FROM dispenses d "
        "WHERE d.id = pdmp_report_records.dispense_id), "
        "filled_on = (SELECT d.dispensed_on FROM dispenses d "
        "WHERE d.id = pdmp_report_records.dispense_id), "
        "late_entry = (SELECT d.late_entry_reason IS NOT NULL FROM dispenses d "
        "WHERE d.id = pdmp_report_records.dispense_id)")
    with op.batch_alter_table('pdmp_report_records', schema=None) as batch_op:
        batch_op.alter_column('rx_number', existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column('filled_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('late_entry', existing_type=sa.Boolean(), nullable=False)


def downgrade():
    with op.batch_alter_table('pdmp_report_records', schema=None) as batch_op:
        batch_op.drop_column('record_sha256')
        batch_op.drop_column('late_entry')
        batch_op.drop_column('filled_on')
        batch_op.drop_column('rx_number')
    op.drop_table('pdmp_state_locks')
