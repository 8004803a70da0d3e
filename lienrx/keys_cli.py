"""`lienrx keys …` commands (the rotation itself is lienrx.core.key_rotation, beside the keys).

The command lives here rather than in core because it records an audit event, and core
imports nothing but core and the extensions.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lienrx.audit import services as audit
from lienrx.core.key_rotation import encrypted_models, reencrypt_batch
from lienrx.extensions import db


@click.group("keys")
def keys() -> None:
    """Manage the PHI encryption keys."""


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
@with_appcontext
def rotate(batch_size: int) -> None:
    """Re-encrypt every PHI field with the newest data key and rebuild the lookup indexes.

    Put the new key first in LIENRX_DATA_KEYS (keep the old ones after it), run this, then
    the old keys can be removed. The application keeps serving throughout.
    """
    counts: dict[str, int] = {}
    for target in encrypted_models():
        done, last = 0, None
        while True:
            rows, last = reencrypt_batch(target, last, batch_size)
            if not rows:
                break
            done += rows
            db.session.commit()
        counts[target.table] = done
    audit.record(None, "keys.rotated", "data_keys", None, counts)
    db.session.commit()
    done_text = ", ".join(f"{n} {table}" for table, n in counts.items()) or "nothing"
    click.echo(f"re-encrypted {done_text} with the newest key")
