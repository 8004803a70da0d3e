"""pdmp reports: each generated ASAP file (encrypted), its status, and the dispenses it carried

Revision ID: 99dccaef2704
Revises: 00330677304a
Create Date: 2026-11-30 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '99dccaef2704'
down_revision = '00330677304a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pdmp_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('asap_version', sa.String(length=5), nullable=False),
    sa.Column('control_number', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('zero_report', sa.Boolean(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('generated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_user_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submission_method', sa.String(length=10), nullable=True),
    sa.Column('result_by_user_id', sa.Integer(), nullable=True),
    sa.Column('result_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_errors', sa.Text(), nullable=True),
    sa.CheckConstraint("(status = 'generated') = (submitted_at IS NULL)", name=op.f('ck_pdmp_reports_submitted_iff_not_generated')),
    sa.CheckConstraint("(status = 'rejected') = (rejection_errors IS NOT NULL)", name=op.f('ck_pdmp_reports_rejected_iff_errors')),
    sa.CheckConstraint("status IN ('generated', 'submitted', 'accepted', 'rejected')", name=op.f('ck_pdmp_reports_status_known')),
    sa.CheckConstraint("submission_method IS NULL OR submission_method IN ('sftp', 'upload', 'other')", name=op.f('ck_pdmp_reports_method_known')),
    sa.CheckConstraint('record_count >= 0', name=op.f('ck_pdmp_reports_record_count_not_negative')),
    sa.ForeignKeyConstraint(['generated_by_user_id'], ['users.id'], name=op.f('fk_pdmp_reports_generated_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['result_by_user_id'], ['users.id'], name=op.f('fk_pdmp_reports_result_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submitted_by_user_id'], ['users.id'], name=op.f('fk_pdmp_reports_submitted_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pdmp_reports')),
    sa.UniqueConstraint('control_number', name=op.f('uq_pdmp_reports_control_number'))
    )
    with op.batch_alter_table('pdmp_reports', schema=None) as batch_op:
        batch_op.create_index('ix_pdmp_reports_state_date', ['state', 'report_date'], unique=False)

    op.create_table('pdmp_report_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('dispense_id', sa.Integer(), nullable=False),
    sa.Column('record_status', sa.String(length=2), nullable=False),
    sa.Column('refill_number', sa.Integer(), nullable=False),
    sa.Column('partial_fill', sa.String(length=2), nullable=False),
    sa.CheckConstraint("record_status IN ('00', '01', '02')", name=op.f('ck_pdmp_report_records_record_status_known')),
    sa.ForeignKeyConstraint(['dispense_id'], ['dispenses.id'], name=op.f('fk_pdmp_report_records_dispense_id_dispenses'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['pdmp_reports.id'], name=op.f('fk_pdmp_report_records_report_id_pdmp_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pdmp_report_records')),
    sa.UniqueConstraint('report_id', 'dispense_id', 'record_status', name=op.f('uq_pdmp_report_records_report_id_dispense_id_record_status'))
    )
    with op.batch_alter_table('pdmp_report_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pdmp_report_records_dispense_id'), ['dispense_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pdmp_report_records_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('pdmp_report_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pdmp_report_records_report_id'))
        batch_op.drop_index(batch_op.f('ix_pdmp_report_records_dispense_id'))

    op.drop_table('pdmp_report_records')
    with op.batch_alter_table('pdmp_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_pdmp_reports_state_date')

    op.drop_table('pdmp_reports')
