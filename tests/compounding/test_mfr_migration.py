"""The compounding-quality migration keeps what existing master formulations said: the
typed approver's name becomes the approval's note and each QC check keeps its name."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lienrx.extensions import db
from tests.formulary.factories import load_products

BEFORE = "4c8e2a7f1d93"


def _rows() -> list[sa.Row]:
    return list(db.session.execute(sa.text(
        "SELECT * FROM master_formulations ORDER BY id")).all())


def _checks(row: sa.Row) -> list[dict]:
    return row.qc_checks if not isinstance(row.qc_checks, str) else json.loads(row.qc_checks)


def test_migration_keeps_the_typed_approver_as_a_note_and_the_qc_check_names(ctx):
    load_products("KET-CRM-10")
    db.session.commit()
    directory = ctx.extensions["migrate"].directory
    db.session.remove()
    downgrade(directory=directory, revision=BEFORE)
    (old,) = _rows()
    assert old.approved_by == "system (seed formulary)"
    assert [c["check"] for c in _checks(old)] == ["appearance", "final weight", "pH"]
    db.session.remove()
    upgrade(directory=directory)
    (new,) = _rows()
    assert new.approval_note == ("Approved before approval accounts existed, as: "
                                 "system (seed formulary)")
    assert new.approved_at is not None and new.approved_by_user_id is None
    assert [c["name"] for c in _checks(new)] == ["appearance", "final_weight", "pH"]
    assert (new.strength_basis, float(new.salt_factor)) == ("salt", 1.0)
