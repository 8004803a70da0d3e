"""Verifying a POGOS as its reader holds it: the PDF with its signed JSON inside, or the JSON.

`POST /api/v1/attestations/verify` (JSON body or upload), the public `/verify` page and the
offline `lienrx attestations verify`.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from lienrx.core import documents
from tests.attestations.helpers import issue

VERIFY = "/api/v1/attestations/verify"


def _saved(pharmacist: Any, issued: dict[str, Any]) -> dict[str, Any]:
    """The attestation as GET /api/v1/attestations/{id} returns it."""
    return dict(pharmacist.get(f"/api/v1/attestations/{issued['id']}").json)


def _pdf_carrying(app: Any, saved: dict[str, Any] | None) -> bytes:
    """A PDF/A-3 carrying ``saved`` as its embedded JSON, as an issued POGOS PDF does."""
    attached = () if saved is None else (documents.Attachment(
        f"pogos-case-{saved['case_id']}-v{saved['version']}.json",
        json.dumps(saved).encode("utf-8"), "The signed attestation"),)
    with app.test_request_context():
        return documents.to_pdf(documents.render("documents/base.html"), attachments=attached)


def _page_post(client: Any, data: dict[str, Any], **kw: Any) -> Any:
    """Post the `/verify` form as a browser does, with the page's CSRF token."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").get_data(
        as_text=True))
    assert token is not None
    return client.post("/verify", data={"csrf_token": token.group(1), **data}, **kw)


def _upload(client: Any, content: bytes, name: str) -> Any:
    return client.post(VERIFY, data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_an_uploaded_pogos_pdf_is_valid_signed_by_the_active_key_and_current(
        app, api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    verdict = _upload(anonymous.client, _pdf_carrying(app, saved), "pogos.pdf")
    assert verdict.status_code == 200, verdict.json
    assert verdict.json["valid"] is True
    assert verdict.json["key_status"] == "active"
    assert verdict.json["current"] is True
    assert verdict.json["superseded_by_version"] is None
    assert verdict.json["version"] == 1


def test_a_superseded_version_says_which_version_superseded_it(app, api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    first = _saved(pharmacist, issue(pharmacist, world.case_id))
    issue(pharmacist, world.case_id)
    issue(pharmacist, world.case_id)
    verdict = _upload(anonymous.client, json.dumps(first).encode(), "pogos.json").json
    assert verdict["valid"] is True and verdict["current"] is False
    assert verdict["superseded_by_version"] == 2
    assert verdict["latest_version"] == 3


def test_a_pdf_whose_embedded_json_was_changed_is_not_valid(app, api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    saved["document"]["ledger"]["balance"] = "1.00"
    saved.pop("sha256")
    verdict = _upload(anonymous.client, _pdf_carrying(app, saved), "pogos.pdf").json
    assert verdict["valid"] is False and verdict["current"] is False


def test_a_json_upload_whose_recorded_hash_differs_is_not_valid(api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    saved["sha256"] = "0" * 64
    assert _upload(anonymous.client, json.dumps(saved).encode(), "a.json").json["valid"] is False


def test_a_pdf_without_a_signed_pogos_inside_is_422_on_file(app, anonymous):
    verdict = _upload(anonymous.client, _pdf_carrying(app, None), "other.pdf")
    assert verdict.status_code == 422
    assert verdict.mimetype == "application/problem+json"
    assert "file" in verdict.json["errors"]


def test_an_upload_that_is_neither_pdf_nor_attestation_json_is_422_on_file(anonymous):
    for content in (b"\x89PNG\r\n\x1a\n", b'{"no": "document"}', b"\xff\xfe"):
        verdict = _upload(anonymous.client, content, "x.bin")
        assert verdict.status_code == 422 and "file" in verdict.json["errors"]


def test_a_multipart_request_without_a_file_is_422_on_file(anonymous):
    verdict = anonymous.client.post(VERIFY, data={"other": "x"},
                                    content_type="multipart/form-data")
    assert verdict.status_code == 422 and "file" in verdict.json["errors"]


def test_an_unknown_key_is_reported_unknown(api_as, anonymous, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    verdict = anonymous.post(VERIFY, json={**saved, "key_id": "ed25519:0000000000000000"}).json
    assert verdict == {**verdict, "valid": False, "key_status": "unknown", "current": False}


def test_the_verify_page_checks_an_uploaded_pdf_without_signing_in(app, api_as, client, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    issue(pharmacist, world.case_id)
    page = client.get("/verify")
    assert page.status_code == 200
    assert b"ed25519:" in page.data and b"/api/v1/attestation-keys" in page.data
    checked = _page_post(client, {"file": (io.BytesIO(_pdf_carrying(app, saved)), "pogos.pdf")},
                         content_type="multipart/form-data")
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Valid signature" in text and "superseded by version 2" in text


def test_the_verify_page_checks_pasted_json(api_as, client, world):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    checked = _page_post(client, {"pasted": json.dumps(saved)})
    assert checked.status_code == 200
    assert "Valid signature" in checked.get_data(as_text=True)
    assert "current" in checked.get_data(as_text=True)


def test_the_verify_page_without_a_file_or_json_asks_for_one_by_its_label(client):
    checked = _page_post(client, {})
    text = checked.get_data(as_text=True)
    assert checked.status_code == 422
    assert "POGOS PDF or JSON file:" in text


def _lienrx(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from lienrx.cli import main; main()", *args]
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def _snapshot(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*")}


def test_offline_verify_of_a_pdf_writes_nothing_to_disk(app, api_as, anonymous, world, tmp_path):
    pharmacist = api_as("pharmacist")
    saved = _saved(pharmacist, issue(pharmacist, world.case_id))
    (tmp_path / "pogos.pdf").write_bytes(_pdf_carrying(app, saved))
    (tmp_path / "keys.json").write_text(json.dumps(anonymous.get(
        "/api/v1/attestation-keys").json))
    before = _snapshot(tmp_path)
    result = _lienrx(["attestations", "verify", "pogos.pdf", "--keys", "keys.json"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")
    assert _snapshot(tmp_path) == before


def test_verify_without_keys_and_without_a_database_says_to_pass_keys(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"document": {}, "signature": "x",
                                                 "key_id": "k"}))
    result = _lienrx(["attestations", "verify", "a.json"], tmp_path)
    assert result.returncode == 1
    assert "pass --keys" in result.stderr and "Traceback" not in result.stderr
