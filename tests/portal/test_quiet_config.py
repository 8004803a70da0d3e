"""LIENRX_QUIET_LIEN_DAYS: the quiet-lien threshold comes from the environment."""

import pytest

from lienrx.config import ConfigError, load_settings

ENV = {"LIENRX_ENV": "testing", "SECRET_KEY": "k", "LIENRX_DATA_KEYS": "x",
       "LIENRX_SIGNING_KEY": "y"}


def test_quiet_lien_days_default_is_45(tmp_path):
    assert load_settings(str(tmp_path), environ=ENV)["LIENRX_QUIET_LIEN_DAYS"] == 45


def test_quiet_lien_days_from_the_environment(tmp_path):
    settings = load_settings(str(tmp_path), environ={**ENV, "LIENRX_QUIET_LIEN_DAYS": "30"})
    assert settings["LIENRX_QUIET_LIEN_DAYS"] == 30


def test_quiet_lien_days_must_be_whole_days(tmp_path):
    with pytest.raises(ConfigError, match="LIENRX_QUIET_LIEN_DAYS"):
        load_settings(str(tmp_path), environ={**ENV, "LIENRX_QUIET_LIEN_DAYS": "-3"})
