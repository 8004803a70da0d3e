"""DUR at the patient level: the DUR classes' ingredients, each rule's source, the allergy
rule kind, and coded resolutions on alerts (NCPDP reason, professional service, result, who
was contacted and when)

An alert is resolved when it has a note or the coded resolution. SQLite cannot change a CHECK
in place, so there dur_rules and dur_alerts are rebuilt: dur_alerts (which nothing refers
to) is set aside first, so dropping the old dur_rules trips no foreign key. Downgrading
deletes the allergy rules with their alerts (the old kinds do not include it) and writes a
coded resolution without a note into the note as its codes.

Revision ID: 130a4c024955
Revises: c7d2e5a91f30
Create Date: 2026-11-30 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '130a4c024955'
down_revision = 'c7d2e5a91f30'
branch_labels = None
depends_on = None

OLD_KINDS = ("kind IN ('duplicate_therapy', 'interaction', 'cns_depressant_count', 'max_daily_dose', "
             "'quantity_mismatch')")
NEW_KINDS = ("kind IN ('duplicate_therapy', 'interaction', 'cns_depressant_count', 'max_daily_dose', "
             "'quantity_mismatch', 'allergy')")
OLD_RESOLVED = "(status = 'resolved') = (resolution IS NOT NULL)"
NEW_RESOLVED = "(status = 'resolved') = (resolution IS NOT NULL OR result_code IS NOT NULL)"
CODES_TOGETHER = ("(reason_code IS NULL) = (professional_service_code IS NULL) "
                  "AND (reason_code IS NULL) = (result_code IS NULL)")
CONTACT_TOGETHER = "(contacted_name IS NULL) = (contacted_at IS NULL)"
RULE_COLUMNS = ('id', 'code', 'kind', 'severity', 'params', 'message', 'active')
ALERT_COLUMNS = ('id', 'prescription_id', 'rule_code', 'counterpart', 'kind', 'severity', 'message',
                 'status', 'resolution', 'resolved_by_user_id', 'resolved_at', 'created_at')
CODED_COLUMNS = ('reason_code', 'professional_service_code', 'result_code', 'contacted_name',
                 'contacted_at')


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _coded_columns():
    return [sa.Column('reason_code', sa.String(length=2), nullable=True),
            sa.Column('professional_service_code', sa.String(length=2), nullable=True),
            sa.Column('result_code', sa.String(length=2), nullable=True),
            sa.Column('contacted_name', sa.String(length=200), nullable=True),
            sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True)]


def _rules_table(name, new):
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    *([sa.Column('source', sa.String(length=500), nullable=True)] if new else []),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint(NEW_KINDS if new else OLD_KINDS, name=op.f('ck_dur_rules_kind_known')),
    sa.CheckConstraint("severity IN ('low', 'moderate', 'high')", name=op.f('ck_dur_rules_severity_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dur_rules')),
    sa.UniqueConstraint('code', name=op.f('uq_dur_rules_code'))
    )


def _alerts_table(new):
    checks = ([sa.CheckConstraint(NEW_RESOLVED, name=op.f('ck_dur_alerts_resolution_iff_resolved')),
               sa.CheckConstraint(CODES_TOGETHER, name=op.f('ck_dur_alerts_codes_together')),
               sa.CheckConstraint(CONTACT_TOGETHER, name=op.f('ck_dur_alerts_contact_together'))]
              if new else
              [sa.CheckConstraint(OLD_RESOLVED, name=op.f('ck_dur_alerts_resolution_iff_resolved'))])
    op.create_table('dur_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prescription_id', sa.Integer(), nullable=False),
    sa.Column('rule_code', sa.String(length=60), nullable=False),
    sa.Column('counterpart', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.String(length=1000), nullable=True),
    *(_coded_columns() if new else []),
    sa.Column('resolved_by_user_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    *checks,
    sa.CheckConstraint("severity IN ('low', 'moderate', 'high')", name=op.f('ck_dur_alerts_severity_known')),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_dur_alerts_status_known')),
    sa.ForeignKeyConstraint(['prescription_id'], ['prescriptions.id'], name=op.f('fk_dur_alerts_prescription_id_prescriptions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['resolved_by_user_id'], ['users.id'], name=op.f('fk_dur_alerts_resolved_by_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rule_code'], ['dur_rules.code'], name=op.f('fk_dur_alerts_rule_code_dur_rules'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dur_alerts')),
    sa.UniqueConstraint('prescription_id', 'rule_code', 'counterpart', name=op.f('uq_dur_alerts_prescription_id_rule_code_counterpart'))
    )
    with op.batch_alter_table('dur_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dur_alerts_prescription_id'), ['prescription_id'], unique=False)


def _rebuild_sqlite(new):
    """Rebuild dur_rules and dur_alerts with the new (or old) definitions, keeping the columns
    both have."""
    op.execute("CREATE TABLE _dur_alerts_kept AS SELECT * FROM dur_alerts")
    op.drop_index('ix_dur_alerts_prescription_id', table_name='dur_alerts')
    op.drop_table('dur_alerts')
    _rules_table('_dur_rules_new', new)
    rules = ', '.join(RULE_COLUMNS)
    op.execute(f"INSERT INTO _dur_rules_new ({rules}) SELECT {rules} FROM dur_rules")
    op.drop_table('dur_rules')
    op.rename_table('_dur_rules_new', 'dur_rules')
    _alerts_table(new)
    alerts = ', '.join(ALERT_COLUMNS)
    op.execute(f"INSERT INTO dur_alerts ({alerts}) SELECT {alerts} FROM _dur_alerts_kept")
    op.drop_table('_dur_alerts_kept')


def upgrade():
    op.create_table('dur_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('ingredients', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dur_classes')),
    sa.UniqueConstraint('code', name=op.f('uq_dur_classes_code'))
    )
    if _sqlite():
        _rebuild_sqlite(new=True)
        return
    op.add_column('dur_rules', sa.Column('source', sa.String(length=500), nullable=True))
    op.drop_constraint(op.f('ck_dur_rules_kind_known'), 'dur_rules', type_='check')
    op.create_check_constraint(op.f('ck_dur_rules_kind_known'), 'dur_rules', NEW_KINDS)
    for column in _coded_columns():
        op.add_column('dur_alerts', column)
    op.drop_constraint(op.f('ck_dur_alerts_resolution_iff_resolved'), 'dur_alerts', type_='check')
    op.create_check_constraint(op.f('ck_dur_alerts_resolution_iff_resolved'), 'dur_alerts', NEW_RESOLVED)
    op.create_check_constraint(op.f('ck_dur_alerts_codes_together'), 'dur_alerts', CODES_TOGETHER)
    op.create_check_constraint(op.f('ck_dur_alerts_contact_together'), 'dur_alerts', CONTACT_TOGETHER)


def downgrade():
    op.execute("DELETE FROM dur_alerts WHERE rule_code IN "
               "(SELECT code FROM dur_rules WHERE kind = 'allergy')")
    op.execute("DELETE FROM dur_rules WHERE kind = 'allergy'")
    op.execute("UPDATE dur_alerts SET resolution = 'Coded: ' || reason_code || ' / ' || "
               "professional_service_code || ' / ' || result_code "
               "WHERE status = 'resolved' AND resolution IS NULL")
    if _sqlite():
        _rebuild_sqlite(new=False)
    else:
        op.drop_constraint(op.f('ck_dur_alerts_contact_together'), 'dur_alerts', type_='check')
        op.drop_constraint(op.f('ck_dur_alerts_codes_together'), 'dur_alerts', type_='check')
        op.drop_constraint(op.f('ck_dur_alerts_resolution_iff_resolved'), 'dur_alerts', type_='check')
        op.create_check_constraint(op.f('ck_dur_alerts_resolution_iff_resolved'), 'dur_alerts', OLD_RESOLVED)
        for column in reversed(CODED_COLUMNS):
            op.drop_column('dur_alerts', column)
        op.drop_constraint(op.f('ck_dur_rules_kind_known'), 'dur_rules', type_='check')
        op.create_check_constraint(op.f('ck_dur_rules_kind_known'), 'dur_rules', OLD_KINDS)
        op.drop_column('dur_rules', 'source')
    op.drop_table('dur_classes')
