"""foundation: users and tokens, parties, cases and agreements, the ledger, the audit chain

Revision ID: 160fbecdcf6b
Revises: 
Create Date: 2026-11-22 13:56:45.589778

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '160fbecdcf6b'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_heads'))
    )
    op.create_table('law_firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_firms'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('last_name', sa.Text(), nullable=False),
    sa.Column('date_of_birth', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('lookup_index', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patients_lookup_index'), ['lookup_index'], unique=False)

    op.create_table('prescribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('npi', sa.String(length=10), nullable=False),
    sa.Column('dea_number', sa.String(length=9), nullable=True),
    sa.Column('state_license', sa.String(length=40), nullable=True),
    sa.Column('specialty', sa.String(length=100), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prescribers')),
    sa.UniqueConstraint('npi', name=op.f('uq_prescribers_npi'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=True),
    sa.Column('license_number', sa.String(length=60), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'attorney') = (law_firm_id IS NOT NULL)", name=op.f('ck_users_firm_iff_attorney')),
    sa.CheckConstraint("role IN ('admin', 'pharmacist', 'technician', 'billing', 'attorney')", name=op.f('ck_users_role_known')),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_users_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_law_firm_id'), ['law_firm_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('entity_type', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_events_actor_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_events_hash')),
    sa.UniqueConstraint('seq', name=op.f('uq_audit_events_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=False),
    sa.Column('attorney_user_id', sa.Integer(), nullable=True),
    sa.Column('firm_file_number', sa.String(length=60), nullable=True),
    sa.Column('date_of_injury', sa.Date(), nullable=False),
    sa.Column('injury_mechanism', sa.String(length=30), nullable=False),
    sa.Column('mechanism_narrative', sa.Text(), nullable=True),
    sa.Column('jurisdiction', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("injury_mechanism IN ('motor_vehicle', 'slip_and_fall', 'workplace', 'crush', 'fracture', 'surgical', 'other')", name=op.f('ck_cases_mechanism_known')),
    sa.CheckConstraint("status IN ('intake', 'active', 'on_hold', 'settled', 'closed', 'closed_no_recovery')", name=op.f('ck_cases_status_known')),
    sa.ForeignKeyConstraint(['attorney_user_id'], ['users.id'], name=op.f('fk_cases_attorney_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_cases_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_cases_patient_id_patients'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_law_firm_id'), ['law_firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('case_diagnoses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('icd10', sa.String(length=8), nullable=False),
    sa.Column('laterality', sa.String(length=12), nullable=True),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_diagnoses_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_diagnoses')),
    sa.UniqueConstraint('case_id', 'icd10', name=op.f('uq_case_diagnoses_case_id_icd10'))
    )
    with op.batch_alter_table('case_diagnoses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_diagnoses_case_id'), ['case_id'], unique=False)

    op.create_table('counsel_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_law_firm_id', sa.Integer(), nullable=False),
    sa.Column('to_law_firm_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_counsel_changes_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['changed_by_user_id'], ['users.id'], name=op.f('fk_counsel_changes_changed_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_law_firm_id'], ['law_firms.id'], name=op.f('fk_counsel_changes_from_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['to_law_firm_id'], ['law_firms.id'], name=op.f('fk_counsel_changes_to_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counsel_changes'))
    )
    with op.batch_alter_table('counsel_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counsel_changes_case_id'), ['case_id'], unique=False)

    op.create_table('external_treatments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('facility', sa.String(length=200), nullable=False),
    sa.Column('protocol', sa.String(length=400), nullable=True),
    sa.Column('dose', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('iv_ketamine_infusion', 'sympathetic_nerve_block', 'spinal_cord_stimulator', 'physical_therapy', 'other')", name=op.f('ck_external_treatments_kind_known')),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_external_treatments_ends_after_start')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_external_treatments_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_treatments'))
    )
    with op.batch_alter_table('external_treatments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_treatments_case_id'), ['case_id'], unique=False)

    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('memo', sa.String(length=500), nullable=False),
    sa.Column('source_type', sa.String(length=30), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('charge', 'reversal', 'reduction', 'payment', 'write_off', 'refund')", name=op.f('ck_journal_entries_kind_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_journal_entries_actor_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_journal_entries_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reverses_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_journal_entries_reverses_entry_id'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_journal_entries_source', ['source_type', 'source_id'], unique=False)

    op.create_table('ledger_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'lien_receivable') = (case_id IS NOT NULL)", name=op.f('ck_ledger_accounts_receivable_iff_case')),
    sa.CheckConstraint("kind IN ('lien_receivable', 'revenue', 'contra', 'expense', 'cash', 'liability')", name=op.f('ck_ledger_accounts_kind_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ledger_accounts_case_id_cases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_ledger_accounts_case_id')),
    sa.UniqueConstraint('code', name=op.f('uq_ledger_accounts_code'))
    )
    op.create_table('lien_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('patient_signed', sa.Boolean(), nullable=False),
    sa.Column('attorney_user_id', sa.Integer(), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('non_recourse', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'superseded', 'released')", name=op.f('ck_lien_agreements_status_known')),
    sa.CheckConstraint('patient_signed', name=op.f('ck_lien_agreements_patient_signed')),
    sa.ForeignKeyConstraint(['attorney_user_id'], ['users.id'], name=op.f('fk_lien_agreements_attorney_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_lien_agreements_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firms.id'], name=op.f('fk_lien_agreements_law_firm_id_law_firms'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lien_agreements'))
    )
    with op.batch_alter_table('lien_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lien_agreements_case_id'), ['case_id'], unique=False)

    op.create_table('postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_postings_nonzero')),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_postings_account_id_ledger_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_postings_entry_id_journal_entries'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postings'))
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postings_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_entry_id'), ['entry_id'], unique=False)


    _append_only_triggers()


APPEND_ONLY = ("audit_events", "journal_entries", "postings")


def _append_only_triggers():
    """Refuse UPDATE and DELETE on the audit chain and the journal, in the database itself.

    PostgreSQL also refuses TRUNCATE and checks at commit that every entry sums to zero.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION lienrx_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION lienrx_refuse_change()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION lienrx_refuse_change()")
        op.execute("""
            CREATE FUNCTION lienrx_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE n integer; total bigint;
            BEGIN
              SELECT count(*), coalesce(sum(amount_cents), 0) INTO n, total
                FROM postings WHERE entry_id = NEW.entry_id;
              IF n < 2 OR total <> 0 THEN
                RAISE EXCEPTION 'journal entry % is unbalanced (% postings, sum %)',
                  NEW.entry_id, n, total USING ERRCODE = 'check_violation';
              END IF;
              RETURN NULL;
            END $$""")
        op.execute("CREATE CONSTRAINT TRIGGER postings_entry_balances AFTER INSERT ON postings "
                   "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                   "EXECUTE FUNCTION lienrx_entry_balances()")
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER postings_entry_balances ON postings")
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION lienrx_entry_balances()")
        op.execute("DROP FUNCTION lienrx_refuse_change()")
    else:
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_entry_id'))
        batch_op.drop_index(batch_op.f('ix_postings_account_id'))

    op.drop_table('postings')
    with op.batch_alter_table('lien_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lien_agreements_case_id'))

    op.drop_table('lien_agreements')
    op.drop_table('ledger_accounts')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entries_source')
        batch_op.drop_index(batch_op.f('ix_journal_entries_case_id'))

    op.drop_table('journal_entries')
    with op.batch_alter_table('external_treatments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_treatments_case_id'))

    op.drop_table('external_treatments')
    with op.batch_alter_table('counsel_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counsel_changes_case_id'))

    op.drop_table('counsel_changes')
    with op.batch_alter_table('case_diagnoses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_diagnoses_case_id'))

    op.drop_table('case_diagnoses')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_patient_id'))
        batch_op.drop_index(batch_op.f('ix_cases_law_firm_id'))

    op.drop_table('cases')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_law_firm_id'))

    op.drop_table('users')
    op.drop_table('prescribers')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patients_lookup_index'))

    op.drop_table('patients')
    op.drop_table('law_firms')
    op.drop_table('audit_chain_heads')
