"""The deployment's default working calendar comes from three settings, each refused in one clear line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.working_calendar import Nation

VARIABLES = ("REFLECT_TIME_ZONE", "REFLECT_BANK_HOLIDAYS", "REFLECT_QUIET_HOURS")


@pytest.fixture(autouse=True)
def local_mode_without_calendar_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REFLECT_LOCAL_MODE", "true")
    monkeypatch.chdir(tmp_path)


def test_by_default_a_deployment_works_london_time_with_english_bank_holidays_and_quiet_evenings() -> None:
    calendar = load_settings().working_calendar

    assert (calendar.zone.key, calendar.nation) == ("Europe/London", Nation.ENGLAND)
    assert (calendar.quiet_hours.start, calendar.quiet_hours.end) == (time(20), time(8))


def test_the_three_calendar_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLECT_TIME_ZONE", "Europe/Belfast")
    monkeypatch.setenv("REFLECT_BANK_HOLIDAYS", "northern_ireland")
    monkeypatch.setenv("REFLECT_QUIET_HOURS", "21:30-07:00")

    calendar = load_settings().working_calendar

    assert (calendar.zone.key, calendar.nation) == ("Europe/Belfast", Nation.NORTHERN_IRELAND)
    assert (calendar.quiet_hours.start, calendar.quiet_hours.end) == (time(21, 30), time(7))


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("REFLECT_TIME_ZONE", "Mars/Olympus_Mons", "not an IANA time zone name such as Europe/London"),
        ("REFLECT_TIME_ZONE", "localtime", "not an IANA time zone name"),
        ("REFLECT_BANK_HOLIDAYS", "cornwall", "'england', 'wales', 'scotland' or 'northern_ireland'"),
        ("REFLECT_QUIET_HOURS", "8pm-8am", "not a span of 24-hour times such as 20:00-08:00"),
        ("REFLECT_QUIET_HOURS", "08:00-08:00", "must start and end at different times"),
    ],
)
def test_a_bad_calendar_setting_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as refused:
        load_settings()

    assert str(refused.value).startswith(f"{name}: ")
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)
