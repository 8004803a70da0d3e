"""`lienrx attestations verify FILE.json`: offline verification of a saved response."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lienrx.attestations.cli import attestations
from tests.attestations.helpers import issue


def _save(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def _saved(api_as: Any, anonymous: Any, world: Any, tmp_path: Path) -> tuple[dict, str]:
    pharmacist = api_as("pharmacist")
    issued = issue(pharmacist, world.case_id, narrative="Zoë's regimen — ketamine")
    saved = pharmacist.get(f"/api/v1/attestations/{issued['id']}").json
    keys = anonymous.get("/api/v1/attestation-keys").json
    return saved, _save(tmp_path, "keys.json", keys)


def test_verifies_offline_without_an_application(api_as, anonymous, world, tmp_path):
    saved, keys = _saved(api_as, anonymous, world, tmp_path)
    # a bare click runner: no Flask app, no database
    result = CliRunner().invoke(attestations, ["verify", _save(tmp_path, "a.json", saved),
                                               "--keys", keys])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid:") and saved["sha256"] in result.output


def test_tampered_file_is_invalid_with_a_nonzero_exit(api_as, anonymous, world, tmp_path):
    saved, keys = _saved(api_as, anonymous, world, tmp_path)
    for change in ("balance", "signature", "sha256"):
        forged = copy.deepcopy(saved)
        if change == "balance":
            forged["document"]["ledger"]["balance"] = "1.00"
            del forged["sha256"]
        elif change == "signature":
            forged["signature"] = saved["signature"][::-1]
        else:
            forged["sha256"] = "0" * 64
        result = CliRunner().invoke(attestations, ["verify", _save(tmp_path, "f.json", forged),
                                                   "--keys", keys])
        assert result.exit_code == 1, change
        assert "INVALID" in result.output


def test_unknown_key_is_invalid(api_as, anonymous, world, tmp_path):
    saved, _ = _saved(api_as, anonymous, world, tmp_path)
    keys = _save(tmp_path, "k.json", [])
    result = CliRunner().invoke(attestations, ["verify", _save(tmp_path, "a.json", saved),
                                               "--keys", keys])
    assert result.exit_code == 1 and "not among the published keys" in result.output


def test_unreadable_files_are_usage_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(attestations, ["verify", str(bad), "--keys", str(bad)])
    assert result.exit_code == 2
    result = CliRunner().invoke(attestations, ["verify", _save(tmp_path, "x.json", [1]),
                                               "--keys", _save(tmp_path, "k.json", {})])
    assert result.exit_code == 2


def test_a_file_without_a_document_is_invalid(tmp_path):
    result = CliRunner().invoke(attestations, ["verify", _save(tmp_path, "x.json", {"a": 1}),
                                               "--keys", _save(tmp_path, "k.json", [])])
    assert result.exit_code == 1 and "no attestation document" in result.output


def test_without_keys_file_uses_the_published_keys_in_the_database(api_as, anonymous, world,
                                                                   runner, tmp_path):
    saved, _ = _saved(api_as, anonymous, world, tmp_path)
    path = _save(tmp_path, "a.json", saved)
    result = runner.invoke(args=["attestations", "verify", path])
    assert result.exit_code == 0, result.output
    saved["document"]["case"]["id"] += 1
    del saved["sha256"]
    result = runner.invoke(args=["attestations", "verify", _save(tmp_path, "b.json", saved)])
    assert result.exit_code == 1
