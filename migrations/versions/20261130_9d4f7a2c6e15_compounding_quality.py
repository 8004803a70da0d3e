"""compounding quality: MFR approval by a pharmacist account, QC checks by name, salt basis,
stability-extended BUD, q.s. and scheduled ingredients, lot NDCs, who rejected a batch

Revision ID: 9d4f7a2c6e15
Revises: 7f980a39b944
Create Date: 2026-11-30 02:00:00.000000

"""
import json
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4f7a2c6e15'
down_revision = '7f980a39b944'
branch_labels = None
depends_on = None

LEGACY_NOTE = "Approved before approval accounts existed, as: "


def _renamed_checks(checks, old_key, new_key, rename):
    return [{**{k: v for k, v in c.items() if k != old_key}, new_key: rename(c.get(old_key, ""))}
            for c in checks or []]


def _rewrite_checks(old_key, new_key, rename):
    """Rewrite every version's QC checks in Python: the JSON is read and written back."""
    bind = op.get_bind()
    table = sa.table('master_formulations', sa.column('id', sa.Integer),
                     sa.column('qc_checks', sa.JSON))
    for row in bind.execute(sa.select(table.c.id, table.c.qc_checks)).all():
        checks = row.qc_checks if not isinstance(row.qc_checks, str) else json.loads(row.qc_checks)
        bind.execute(table.update().where(table.c.id == row.id).values(
            qc_checks=_renamed_checks(checks, old_key, new_key, rename)))


def _as_name(text):
    """A free-text check ("final weight") as a QC check name ("final_weight")."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_")[:40]
    return name if name[:1].isalpha() else f"check_{name}"[:40]


def _sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def _add(table, name, type_, *, nullable=True, default=None, checks=(), to_users=False):
    """Add a column with its CHECKs and foreign key. SQLite adds it in place, constraints
    attached to the column: rebuilding a table (batch mode) would trip the foreign keys of
    the rows that refer to it."""
    if _sqlite():
        ddl = f"{name} {type_.compile(dialect=op.get_bind().dialect)}"
        ddl += "" if nullable else " NOT NULL"
        ddl += "" if default is None else f" DEFAULT {default}"
        if to_users:
            ddl += f" CONSTRAINT fk_{table}_{name}_users REFERENCES users (id)"
        ddl += "".join(f" CONSTRAINT ck_{table}_{ck} CHECK ({sql})" for ck, sql in checks)
        op.execute(f"ALTER TABLE {table} ADD COLUMN {ddl}")
        return
    op.add_column(table, sa.Column(name, type_, nullable=nullable,
                                   server_default=None if default is None else sa.text(default)))
    for ck, sql in checks:
        op.create_check_constraint(op.f(f"ck_{table}_{ck}"), table, sql)
    if to_users:
        op.create_foreign_key(op.f(f"fk_{table}_{name}_users"), table, 'users', [name], ['id'])
    if default is not None:
        op.alter_column(table, name, server_default=None)


def _drop(table, *names):
    """Drop columns with the constraints attached to them (in place on SQLite too)."""
    for name in names:
        if _sqlite():
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        else:
            op.drop_column(table, name)


def upgrade():
    mf = 'master_formulations'
    _add(mf, 'stability_reference', sa.String(length=500))
    _add(mf, 'stability_bud_days', sa.Integer(), checks=[(
        'stability_bud_referenced',
        'stability_bud_days IS NULL OR (stability_bud_days > 0 AND stability_bud_days <= 180 '
        'AND stability_reference IS NOT NULL)')])
    _add(mf, 'strength_basis', sa.String(length=4), nullable=False, default="'salt'",
         checks=[('strength_basis_known', "strength_basis IN ('salt', 'base')")])
    _add(mf, 'salt_factor', sa.Numeric(precision=8, scale=4), nullable=False, default='1',
         checks=[('salt_factor_at_least_one', 'salt_factor >= 1')])
    _add(mf, 'approved_at', sa.DateTime(timezone=True))
    _add(mf, 'approval_note', sa.String(length=300))
    _add(mf, 'approved_by_user_id', sa.Integer(), to_users=True, checks=[(
        'approver_has_a_time', 'approved_by_user_id IS NULL OR approved_at IS NOT NULL')])
    # A version approved by a name typed into the seed keeps that name as its note; no
    # pharmacist account approved it.
    op.execute(f"UPDATE master_formulations SET approved_at = created_at, "
               f"approval_note = '{LEGACY_NOTE}' || substr(approved_by, 1, 200)")
    _rewrite_checks('check', 'name', _as_name)
    _drop(mf, 'approved_by')

    fi = 'formulation_ingredients'
    _add(fi, 'qs', sa.Boolean(), nullable=False, default='false' if not _sqlite() else '0')
    _add(fi, 'dea_schedule', sa.String(length=3), checks=[
        ('schedule_known', "dea_schedule IS NULL OR dea_schedule IN ('II', 'III', 'IV', 'V')")])
    _add(fi, 'ndc', sa.String(length=11), checks=[('ndc_11_digits', 'ndc IS NULL OR length(ndc) = 11')])
    _add('compounding_ingredient_lots', 'ndc', sa.String(length=11),
         checks=[('ndc_11_digits', 'ndc IS NULL OR length(ndc) = 11')])
    _add('compounding_records', 'rejected_at', sa.DateTime(timezone=True))
    _add('compounding_records', 'rejected_by_user_id', sa.Integer(), to_users=True)


def downgrade():
    _drop('compounding_records', 'rejected_by_user_id', 'rejected_at')
    _drop('compounding_ingredient_lots', 'ndc')
    _drop('formulation_ingredients', 'ndc', 'dea_schedule', 'qs')
    mf = 'master_formulations'
    _add(mf, 'approved_by', sa.String(length=200), nullable=False, default="''")
    # The approver's account becomes a name again: the legacy note's name, else the account's
    # e-mail, else the system that approved it.
    op.execute(
        "UPDATE master_formulations SET approved_by = substr(CASE "
        f"WHEN approval_note LIKE '{LEGACY_NOTE}%' "
        f"THEN substr(approval_note, {len(LEGACY_NOTE) + 1}) "
        "WHEN approved_by_user_id IS NOT NULL THEN "
        "(SELECT email FROM users WHERE users.id = approved_by_user_id) "
        "WHEN approved_at IS NOT NULL THEN 'system (seed formulary)' "
        "ELSE 'not approved' END, 1, 200)")
    _rewrite_checks('name', 'check', lambda name: str(name).replace('_', ' '))
    # Each column before the one its CHECK also names.
    _drop(mf, 'approved_by_user_id', 'approval_note', 'approved_at', 'salt_factor',
          'strength_basis', 'stability_bud_days', 'stability_reference')
