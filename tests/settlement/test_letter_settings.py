"""Letter settings (README, configuration): the remit-to block's lines and the W-9's file are
checked when the application starts."""

from __future__ import annotations

import pytest

from lienrx.config import ConfigError, load_settings


def test_letter_settings_default_to_the_pharmacy_and_no_w9(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    assert settings["LIENRX_REMIT_TO"] is None and settings["LIENRX_W9_PATH"] is None
    assert settings["LIENRX_LETTER_SIGNATORY"] is None
    assert settings["LIENRX_LETTER_SIGNATORY_TITLE"] == "Lien Billing Department"


def test_remit_to_lines_break_at_newlines_or_a_written_backslash_n(tmp_path):
    for raw in ("Cumberland Lockbox\nPO Box 4410 \n\nNashville, TN 37202",
                r"Cumberland Lockbox\nPO Box 4410\nNashville, TN 37202"):
        settings = load_settings(str(tmp_path), environ={"LIENRX_REMIT_TO": raw})
        assert settings["LIENRX_REMIT_TO"] == "Cumberland Lockbox\nPO Box 4410\nNashville, TN 37202"


def test_signatory_and_footer_are_read_from_the_environment(tmp_path):
    settings = load_settings(str(tmp_path), environ={
        "LIENRX_LETTER_SIGNATORY": "Dana Whitfield", "LIENRX_LETTER_SIGNATORY_TITLE": "Manager",
        "LIENRX_LETTER_FOOTER": "Federal tax ID 62-1234567"})
    assert (settings["LIENRX_LETTER_SIGNATORY"], settings["LIENRX_LETTER_SIGNATORY_TITLE"],
            settings["LIENRX_LETTER_FOOTER"]) == ("Dana Whitfield", "Manager",
                                                  "Federal tax ID 62-1234567")


def test_w9_path_must_name_a_readable_pdf(tmp_path):
    text = tmp_path / "w9.txt"
    text.write_text("not a PDF")
    for path in (text, tmp_path / "missing.pdf", tmp_path):
        with pytest.raises(ConfigError, match="LIENRX_W9_PATH must name a readable PDF"):
            load_settings(str(tmp_path), environ={"LIENRX_W9_PATH": str(path)})
    form = tmp_path / "w9.pdf"
    form.write_bytes(b"%PDF-1.7\n%%EOF\n")
    settings = load_settings(str(tmp_path), environ={"LIENRX_W9_PATH": str(form)})
    assert settings["LIENRX_W9_PATH"] == str(form)
