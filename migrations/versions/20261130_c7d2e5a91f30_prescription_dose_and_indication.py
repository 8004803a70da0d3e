"""prescription dose and indication: the prescriber's stated reason and the structured dose
(amount, unit, times per day); the `quantity_mismatch` DUR rule kind

Earlier prescriptions keep neither (all four columns null): only new ones must state an
indication, and a dose stays optional. The rule table's kind CHECK gains `quantity_mismatch`
beside whatever kinds it allows (so other migrations adding kinds may run before or after
this one). SQLite keeps the CHECK in the table's definition: it is rewritten in place (a
looser CHECK, as SQLite's documentation allows through writable_schema), since rebuilding the
table would trip the alerts that refer to its rules.

Revision ID: c7d2e5a91f30
Revises: b7d2e5a1c904
Create Date: 2026-11-30 20:00:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e5a91f30'
down_revision = 'b7d2e5a1c904'
branch_labels = None
depends_on = None

AMOUNT_POSITIVE = "dose_amount IS NULL OR dose_amount > 0"
UNIT_KNOWN = "dose_unit IN ('mg', 'g', 'mL', 'each', 'patch', 'application')"
COMPLETE = ("(dose_times_per_day IS NULL OR dose_times_per_day > 0) AND "
            "(dose_amount IS NULL) = (dose_unit IS NULL) AND "
            "(dose_amount IS NULL) = (dose_times_per_day IS NULL)")


KIND = 'quantity_mismatch'
KIND_CHECK = 'ck_dur_rules_kind_known'


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _kind_check_sql():
    bind = op.get_bind()
    if _sqlite():
        return bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                    "AND name = 'dur_rules'")).scalar_one()
    return bind.execute(sa.text("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE conname = :name"), {"name": KIND_CHECK}).scalar_one()


def _allowed_kinds():
    """The kinds the rule table's CHECK allows now, in order."""
    sql = _kind_check_sql()
    if _sqlite():
        sql = re.search(KIND_CHECK + r" CHECK \(kind IN \(([^)]*)\)\)", sql).group(1)
    return re.findall(r"'([a-z_]+)'", sql)


def _set_allowed_kinds(kinds):
    check = "kind IN ({})".format(", ".join(f"'{k}'" for k in kinds))
    if not _sqlite():
        op.drop_constraint(op.f(KIND_CHECK), 'dur_rules', type_='check')
        op.create_check_constraint(op.f(KIND_CHECK), 'dur_rules', check)
        return
    bind = op.get_bind()
    sql = re.sub(KIND_CHECK + r" CHECK \(kind IN \([^)]*\)\)", f"{KIND_CHECK} CHECK ({check})",
                 _kind_check_sql())
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' "
                         "AND name = 'dur_rules'"), {"sql": sql})
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade():
    kinds = _allowed_kinds()
    if KIND not in kinds:
        _set_allowed_kinds([*kinds, KIND])
    op.add_column('prescriptions', sa.Column('indication', sa.String(length=500), nullable=True))
    if _sqlite():
        # In place (a CHECK goes with its column): recreating the table would trip the rows
        # that refer to it.
        op.execute("ALTER TABLE prescriptions ADD COLUMN dose_amount NUMERIC(12, 3) CONSTRAINT "
                   f"ck_prescriptions_dose_amount_positive CHECK ({AMOUNT_POSITIVE})")
        op.execute("ALTER TABLE prescriptions ADD COLUMN dose_unit VARCHAR(12) CONSTRAINT "
                   f"ck_prescriptions_dose_unit_known CHECK ({UNIT_KNOWN})")
        op.execute("ALTER TABLE prescriptions ADD COLUMN dose_times_per_day NUMERIC(6, 3) "
                   f"CONSTRAINT ck_prescriptions_dose_complete CHECK ({COMPLETE})")
        return
    op.add_column('prescriptions', sa.Column('dose_amount', sa.Numeric(precision=12, scale=3), nullable=True))
    op.add_column('prescriptions', sa.Column('dose_unit', sa.String(length=12), nullable=True))
    op.add_column('prescriptions', sa.Column('dose_times_per_day', sa.Numeric(precision=6, scale=3), nullable=True))
    op.create_check_constraint(op.f('ck_prescriptions_dose_amount_positive'), 'prescriptions', AMOUNT_POSITIVE)
    op.create_check_constraint(op.f('ck_prescriptions_dose_unit_known'), 'prescriptions', UNIT_KNOWN)
    op.create_check_constraint(op.f('ck_prescriptions_dose_complete'), 'prescriptions', COMPLETE)


def downgrade():
    if _sqlite():  # the column naming the others in its CHECK goes first
        for column in ('dose_times_per_day', 'dose_unit', 'dose_amount'):
            op.execute(f"ALTER TABLE prescriptions DROP COLUMN {column}")
    else:
        for name in ('dose_complete', 'dose_unit_known', 'dose_amount_positive'):
            op.drop_constraint(op.f(f'ck_prescriptions_{name}'), 'prescriptions', type_='check')
        for column in ('dose_times_per_day', 'dose_unit', 'dose_amount'):
            op.drop_column('prescriptions', column)
    op.drop_column('prescriptions', 'indication')
    # The rules of the kind go (their alerts first), then the kind.
    op.execute(f"DELETE FROM dur_alerts WHERE rule_code IN (SELECT code FROM dur_rules "
               f"WHERE kind = '{KIND}')")
    op.execute(f"DELETE FROM dur_rules WHERE kind = '{KIND}'")
    _set_allowed_kinds([k for k in _allowed_kinds() if k != KIND])
