"""ledger paging indexes: a case's entries and a receivable's postings in posting order (on
PostgreSQL covering the kind and the amount), so a page of a ledger and its totals read the
indexes only, however long the ledger

Revision ID: b5e2c8d41f07
Revises: 3d5f8a2c6e71
Create Date: 2026-11-30 23:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5e2c8d41f07'
down_revision = '3d5f8a2c6e71'
branch_labels = None
depends_on = None


def upgrade():
    # plain index operations, no table rebuild: the append-only triggers stay in place
    op.create_index('ix_journal_entries_case_entry', 'journal_entries', ['case_id', 'id'],
                    postgresql_include=['kind'])
    op.drop_index('ix_journal_entries_case_id', table_name='journal_entries')
    op.create_index('ix_postings_account_entry', 'postings', ['account_id', 'entry_id'],
                    postgresql_include=['amount_cents'])
    op.drop_index('ix_postings_account_id', table_name='postings')


def downgrade():
    op.create_index('ix_postings_account_id', 'postings', ['account_id'])
    op.drop_index('ix_postings_account_entry', table_name='postings')
    op.create_index('ix_journal_entries_case_id', 'journal_entries', ['case_id'])
    op.drop_index('ix_journal_entries_case_entry', table_name='journal_entries')
