"""SPEC §7.1: "today" is the pharmacy's local date (LIENRX_TIMEZONE), moments stay UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lienrx.config import ConfigError, load_settings
from lienrx.core import clock

CENTRAL = ZoneInfo("America/Chicago")


@pytest.fixture
def zone_restored() -> Iterator[None]:
    yield
    clock.configure(clock.DEFAULT_TIMEZONE)


def evening(day: date) -> datetime:
    """21:00 Central on ``day``: already 02:00 or 03:00 UTC of the next day."""
    return datetime.combine(day, time(21), CENTRAL)


def test_today_is_the_pharmacys_local_date_not_utcs():
    clock.freeze(evening(date(2026, 11, 20)))
    assert clock.utcnow().astimezone(UTC).date() == date(2026, 11, 21)
    assert clock.today() == date(2026, 11, 20)


def test_utcnow_stays_utc():
    assert datetime.now(UTC) - clock.utcnow() < timedelta(seconds=5)
    assert clock.utcnow().utcoffset() == timedelta(0)


def test_local_date_of_a_utc_moment_follows_the_configured_zone(zone_restored):
    moment = datetime(2026, 7, 1, 3, 30, tzinfo=UTC)
    assert clock.local_date(moment) == date(2026, 6, 30)  # 22:30 CDT
    clock.configure("Asia/Tokyo")
    assert clock.local_date(moment) == date(2026, 7, 1)
    with pytest.raises(ValueError, match="aware"):
        clock.local_date(datetime(2026, 7, 1, 3, 30))  # noqa: DTZ001 - a naive moment on purpose


def test_timezone_defaults_to_chicago_and_the_pharmacy_state_to_tennessee(tmp_path):
    settings = load_settings(str(tmp_path), environ={})
    assert settings["LIENRX_TIMEZONE"] == "America/Chicago"
    assert settings["LIENRX_PHARMACY_STATE"] == "TN"


def test_an_unknown_timezone_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="LIENRX_TIMEZONE"):
        load_settings(str(tmp_path), environ={"LIENRX_TIMEZONE": "America/Springfield"})
    with pytest.raises(ConfigError, match="LIENRX_TIMEZONE"):
        load_settings(str(tmp_path), environ={"LIENRX_TIMEZONE": "../../etc/passwd"})


def test_the_pharmacy_state_must_be_a_us_state(tmp_path):
    with pytest.raises(ConfigError, match="LIENRX_PHARMACY_STATE"):
        load_settings(str(tmp_path), environ={"LIENRX_PHARMACY_STATE": "Tennessee"})
    settings = load_settings(str(tmp_path), environ={"LIENRX_PHARMACY_STATE": "ky"})
    assert settings["LIENRX_PHARMACY_STATE"] == "KY"


def test_lienrx_default_state_is_still_read_as_the_pharmacy_state(tmp_path, caplog):
    settings = load_settings(str(tmp_path), environ={"LIENRX_DEFAULT_STATE": "VA"})
    assert settings["LIENRX_PHARMACY_STATE"] == "VA"
    assert "LIENRX_DEFAULT_STATE is deprecated" in caplog.text
    both = load_settings(str(tmp_path), environ={"LIENRX_DEFAULT_STATE": "VA",
                                                  "LIENRX_PHARMACY_STATE": "KY"})
    assert both["LIENRX_PHARMACY_STATE"] == "KY"


def test_the_application_sets_the_clock_to_its_timezone(app):
    assert app.config["LIENRX_TIMEZONE"] == "America/Chicago"
    assert clock.timezone() == ZoneInfo(app.config["LIENRX_TIMEZONE"])
