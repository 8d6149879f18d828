"""When the meeting is: local wall-clock time across DST, skips, moves, and the org file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.meeting.schedule import (
    Override,
    Schedule,
    build_schedule,
    next_occurrence,
    parse_time,
    parse_weekday,
    upcoming,
)
from bot.orgconfig import ConfigError, load_config, parse_config
from tests.conftest import EXAMPLE_CONFIG

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY_TEN = Schedule(1, time(10, 0), BERLIN, (timedelta(hours=24), timedelta(hours=1)))


def starts(after: datetime, weeks: int) -> list[datetime]:
    found = upcoming(TUESDAY_TEN, {}, now=after, until=after + timedelta(weeks=weeks))
    return [o.start for o in found]


def test_ten_oclock_berlin_stays_ten_oclock_across_both_switches() -> None:
    autumn = starts(datetime(2026, 10, 19, tzinfo=UTC), 2)
    assert autumn == [
        datetime(2026, 10, 20, 8, 0, tzinfo=UTC),  # CEST, UTC+2
        datetime(2026, 10, 27, 9, 0, tzinfo=UTC),  # CET after 25 October, UTC+1
    ]
    spring = starts(datetime(2027, 3, 22, tzinfo=UTC), 2)
    assert spring == [
        datetime(2027, 3, 23, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 30, 8, 0, tzinfo=UTC),  # CEST after 28 March
    ]
    assert all(s.astimezone(BERLIN).hour == 10 for s in autumn + spring)


def test_next_occurrence_is_strictly_ahead() -> None:
    at_start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    found = next_occurrence(TUESDAY_TEN, {}, now=at_start)
    assert found is not None and found.id == "2026-12-08"
    found = next_occurrence(TUESDAY_TEN, {}, now=at_start - timedelta(seconds=1))
    assert found is not None and found.id == "2026-12-01"


def test_skip_and_move_one_occurrence() -> None:
    now = datetime(2026, 12, 14, tzinfo=UTC)
    moved_to = datetime(2026, 12, 23, 13, 0, tzinfo=UTC)
    overrides = {
        "2026-12-15": Override("skip"),
        "2026-12-22": Override("move", moved_to),
    }
    found = upcoming(TUESDAY_TEN, overrides, now=now, until=now + timedelta(days=16))
    assert [(o.id, o.start, o.moved) for o in found] == [
        ("2026-12-22", moved_to, True),
        ("2026-12-29", datetime(2026, 12, 29, 9, 0, tzinfo=UTC), False),
    ]
    # A meeting moved to a later day is still found when the window ends before it.
    late = upcoming(
        TUESDAY_TEN, overrides, now=datetime(2026, 12, 22, 12, tzinfo=UTC), until=moved_to
    )
    assert [o.id for o in late] == ["2026-12-22"]


def test_nearest_regular_date() -> None:
    assert TUESDAY_TEN.nearest_regular(date(2026, 12, 23)) == date(2026, 12, 22)
    assert TUESDAY_TEN.nearest_regular(date(2026, 12, 19)) == date(2026, 12, 22)
    assert TUESDAY_TEN.nearest_regular(date(2026, 12, 25)) == date(2026, 12, 22)
    assert TUESDAY_TEN.nearest_regular(date(2026, 12, 26)) == date(2026, 12, 29)


def test_parsing_weekdays_and_times() -> None:
    assert parse_weekday("Dienstag") == 1 and parse_weekday("tuesday") == 1
    assert parse_weekday("funday") is None
    assert parse_time("9:05") == time(9, 5) and parse_time("24:00") is None


def test_schedule_from_the_organisation_file() -> None:
    org = load_config(EXAMPLE_CONFIG)
    assert org.meeting is not None
    schedule = build_schedule(org, org.meeting)
    assert schedule == TUESDAY_TEN
    assert build_schedule(org, org.meeting, "friday", "09:30").at == time(9, 30)
    assert schedule.last_offset == timedelta(hours=1)


def _with_meeting(**meeting: object) -> dict[str, object]:
    import yaml

    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["meeting"].update(meeting)
    return raw  # type: ignore[no-any-return]


def test_meeting_contributors_and_timezone_are_checked() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            _with_meeting(contributors=["carla", "zoe", "role:cooks"], timezone="Mars/Base")
        )
    assert err.value.problems == ["meeting.timezone: unknown timezone 'Mars/Base'"]
    with pytest.raises(ConfigError) as err:
        parse_config(_with_meeting(contributors=["carla", "zoe", "role:cooks"]))
    assert err.value.problems == [
        "meeting.contributors[1]: unknown person 'zoe' (use a handle, 'lead' or 'role:NAME')",
        "meeting.contributors[2]: unknown role 'cooks'",
    ]
    ok = parse_config(_with_meeting(contributors=["carla", "role:legal"], timezone="Europe/London"))
    assert ok.meeting is not None and ok.meeting.contributors == ["carla", "role:legal"]
