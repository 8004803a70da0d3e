"""disclosures: the accounting of disclosures of a patient's PHI to law firms, one row per
attorney read of a case under a HIPAA authorization (SPEC §7.8, 45 CFR 164.528)

Revision ID: a4c9e2f17b63
Revises: 4c2a9e7d1b53
Create Date: 2026-11-30 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c9e2f17b63'
down_revision = '4c2a9e7d1b53'
branch_labels = None
depends_on = None

WHAT = ("what IN ('case', 'case_list', 'ledger', 'dispenses', 'pogos', 'document', 'letter', "
        "'payoff')")


def upgrade():
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.CheckConstraint(WHAT, name=op.f('ck_disclosures_what_known')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_disclosures_patient_id_patients'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_disclosures_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_disclosures_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disclosures_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures'))
    )
    op.create_index('ix_disclosures_patient_occurred', 'disclosures', ['patient_id', 'occurred_at'], unique=False)


def downgrade():
    op.drop_index('ix_disclosures_patient_occurred', table_name='disclosures')
    op.drop_table('disclosures')
