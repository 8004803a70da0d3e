"""`lienrx attestations …` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from lienrx.attestations import signing


def _load(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(f"{path} is not a readable JSON {what}.") from exc


def _load_attestation(path: Path) -> Any:
    """The attestation in a POGOS PDF (its embedded signed JSON) or a saved JSON response."""
    from lienrx.core.documents import attachments_of

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"{path} cannot be read.") from exc
    if not content.startswith(b"%PDF-"):
        return _load(path, "attestation")
    for name, data in sorted(attachments_of(content).items()):
        if name.endswith(".json"):
            try:
                return json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                continue
    raise click.BadParameter(f"{path} is a PDF that carries no signed POGOS JSON.")


def _keys_from_file(path: Path) -> dict[str, Any]:
    listed = _load(path, "attestation-keys response")
    if not isinstance(listed, list):
        raise click.BadParameter(f"{path} is not a list of keys.")
    return {k["key_id"]: k.get("public_key") for k in listed
            if isinstance(k, dict) and isinstance(k.get("key_id"), str)}


def _keys_from_database() -> dict[str, str]:
    from flask import current_app
    from flask.cli import ScriptInfo

    from lienrx.attestations.keys import published_keys

    if current_app:
        return published_keys()
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        try:
            return published_keys()
        except SQLAlchemyError as exc:
            raise click.ClickException(
                "The published keys cannot be read from the database; pass --keys with a "
                "saved GET /api/v1/attestation-keys response.") from exc


def _problem(saved: Any, keys: dict[str, Any]) -> str | None:
    """Why the saved attestation does not verify, or None when it does."""
    if not isinstance(saved, dict) or not isinstance(saved.get("document"), dict):
        return "the file holds no attestation document"
    document = saved["document"]
    if "sha256" in saved and saved["sha256"] != signing.document_sha256(document):
        return "the document does not match the SHA-256 recorded with it"
    if saved.get("key_id") not in keys:
        return f"key {saved.get('key_id')!r} is not among the published keys"
    if not signing.verify(document, saved.get("signature"), saved.get("key_id"), keys):
        return "the signature does not match the document and key"
    return None


@click.group("attestations")
def attestations() -> None:
    """Verify signed POGOS attestations; publish the signing key."""


@attestations.command("publish-key")
@with_appcontext
def publish_key() -> None:
    """Publish the configured signing key at GET /api/v1/attestation-keys (idempotent).

    `lienrx serve` does this when it starts; run it when the application is served otherwise
    (e.g. gunicorn on wsgi.py), after setting a new LIENRX_SIGNING_KEY.
    """
    from lienrx.attestations.keys import register_current_key
    from lienrx.extensions import db

    key = register_current_key()
    db.session.commit()
    click.echo(f"published {key.key_id} as the current attestation key")


@attestations.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A saved GET /api/v1/attestation-keys response; no database is needed.")
def verify(file: Path, keys_file: Path | None) -> None:
    """Verify a POGOS PDF or a saved attestation (GET /api/v1/attestations/{id}); exit 1 if
    invalid. Reads only: nothing is written."""
    saved = _load_attestation(file)
    keys = _keys_from_file(keys_file) if keys_file else _keys_from_database()
    problem = _problem(saved, keys)
    if problem:
        click.echo(f"INVALID: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"valid: Ed25519 signature by {saved['key_id']} over document SHA-256 "
               f"{signing.document_sha256(saved['document'])}")
