"""`lienrx keys …` commands."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.orm.attributes import flag_modified

from lienrx.audit import services as audit
from lienrx.extensions import db
from lienrx.parties.models import Patient
from lienrx.parties.services import patient_lookup_index

ENCRYPTED_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "address")


@click.group("keys")
def keys() -> None:
    """Manage the PHI encryption keys."""


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def rotate(batch_size: int) -> None:
    """Re-encrypt every PHI field with the newest data key and rebuild the lookup index.

    Put the new key first in LIENRX_DATA_KEYS (keep the old ones after it), run this, then
    the old keys can be removed. The application keeps serving throughout.
    """
    done, last_id = 0, 0
    while True:
        batch = list(db.session.execute(
            sa.select(Patient).where(Patient.id > last_id).order_by(Patient.id).limit(batch_size)
        ).scalars())
        if not batch:
            break
        for patient in batch:
            for name in ENCRYPTED_FIELDS:
                flag_modified(patient, name)
            patient.lookup_index = patient_lookup_index(
                patient.last_name, date.fromisoformat(patient.date_of_birth))
        last_id = batch[-1].id
        done += len(batch)
        db.session.flush()
        db.session.commit()
    audit.record(None, "keys.rotated", "patient", None, {"patients": done})
    db.session.commit()
    click.echo(f"re-encrypted {done} patients with the newest key")
