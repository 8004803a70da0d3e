"""case documents: files kept on a case (signed lien agreement, HIPAA authorization naming a
firm, medical-necessity letters), each with its SHA-256, and the file itself encrypted at rest
in a table of its own (SPEC §7.8)

Revision ID: fd112fe85b2d
Revises: e3b8c1d7a920
Create Date: 2026-11-30 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fd112fe85b2d'
down_revision = 'e3b8c1d7a920'
branch_labels = None
depends_on = None

KINDS = "kind IN ('lien_agreement', 'hipaa_authorization', 'medical_necessity', 'other')"
CONTENT_TYPES = "content_type IN ('application/pdf', 'image/png', 'image/jpeg')"


def upgrade():
    op.create_table('case_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_user_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint(KINDS, name=op.f('ck_case_documents_kind_known')),
    sa.CheckConstraint(CONTENT_TYPES, name=op.f('ck_case_documents_content_type_known')),
    sa.CheckConstraint('size > 0', name=op.f('ck_case_documents_size_positive')),
    sa.CheckConstraint("kind != 'hipaa_authorization' OR law_firm_id IS NOT NULL", name=op.f('ck_case_documents_authorization_names_a_firm')),
    sa.CheckConstraint('(revoked_at IS NULL) = (revocation_reason IS NULL)', name=op.f('ck_case_documents_revocation_has_a_reason')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_documents_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_case_documents_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_case_documents_uploaded_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['revoked_by_user_id'], ['users.id'], name=op.f('fk_case_documents_revoked_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents'))
    )
    op.create_index(op.f('ix_case_documents_case_id'), 'case_documents', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_documents_law_firm_id'), 'case_documents', ['law_firm_id'], unique=False)
    op.create_table('case_document_contents',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['case_documents.id'], name=op.f('fk_case_document_contents_document_id_case_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_case_document_contents'))
    )


def downgrade():
    op.drop_table('case_document_contents')
    op.drop_index(op.f('ix_case_documents_law_firm_id'), table_name='case_documents')
    op.drop_index(op.f('ix_case_documents_case_id'), table_name='case_documents')
    op.drop_table('case_documents')
