"""closing letters: the no-recovery letter's facts, frozen when the case closes

Cases already closed without recovery get their letter from the ledger: billed (charges less
reversals), the non-recourse write-off posted at close, and the case's latest agreement.

Revision ID: 5e1c7b9a3d42
Revises: 49770652b8e8
Create Date: 2026-11-30 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1c7b9a3d42'
down_revision = '49770652b8e8'
branch_labels = None
depends_on = None

CLOSE_WRITE_OFF_MEMO = 'Non-recourse write-off: no recovery%'


def upgrade():
    op.create_table('closing_letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=True),
    sa.Column('billed_cents', sa.BigInteger(), nullable=False),
    sa.Column('written_off_cents', sa.BigInteger(), nullable=False),
    sa.Column('non_recourse', sa.Boolean(), nullable=False),
    sa.Column('agreement_signed_on', sa.Date(), nullable=True),
    sa.CheckConstraint('written_off_cents >= 0', name=op.f('ck_closing_letters_written_off_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_closing_letters_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['users.id'], name=op.f('fk_closing_letters_issued_by_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closing_letters')),
    sa.UniqueConstraint('case_id', name=op.f('uq_closing_letters_case_id'))
    )
    _letters_for_cases_already_closed()


def _letters_for_cases_already_closed():
    cases = sa.table('cases', sa.column('id'), sa.column('status'), sa.column('updated_at'))
    entries = sa.table('journal_entries', sa.column('id'), sa.column('case_id'),
                       sa.column('kind'), sa.column('memo'))
    postings = sa.table('postings', sa.column('entry_id'), sa.column('account_id'),
                        sa.column('amount_cents'))
    accounts = sa.table('ledger_accounts', sa.column('id'), sa.column('kind'))
    agreements = sa.table('lien_agreements', sa.column('id'), sa.column('case_id'),
                          sa.column('non_recourse'), sa.column('signed_on'))
    letters = sa.table('closing_letters', sa.column('case_id'), sa.column('issued_at'),
                       sa.column('billed_cents'), sa.column('written_off_cents'),
                       sa.column('non_recourse'), sa.column('agreement_signed_on'))

    def receivable_sum(*where):
        return sa.func.coalesce(
            sa.select(sa.func.sum(postings.c.amount_cents))
            .join(entries, entries.c.id == postings.c.entry_id)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .where(accounts.c.kind == 'lien_receivable', entries.c.case_id == cases.c.id,
                   *where)
            .scalar_subquery(), 0)

    def latest_agreement(column):
        return (sa.select(column).where(agreements.c.case_id == cases.c.id)
                .order_by(agreements.c.id.desc()).limit(1).scalar_subquery())

    billed = receivable_sum(entries.c.kind.in_(('charge', 'reversal')))
    written_off = -receivable_sum(entries.c.kind == 'write_off',
                                  entries.c.memo.like(CLOSE_WRITE_OFF_MEMO))
    non_recourse = sa.func.coalesce(latest_agreement(agreements.c.non_recourse), sa.false())
    closed = sa.select(cases.c.id, cases.c.updated_at, billed, written_off, non_recourse,
                       latest_agreement(agreements.c.signed_on)).where(
        cases.c.status == 'closed_no_recovery')
    op.execute(letters.insert().from_select(
        ['case_id', 'issued_at', 'billed_cents', 'written_off_cents', 'non_recourse',
         'agreement_signed_on'], closed))


def downgrade():
    op.drop_table('closing_letters')
