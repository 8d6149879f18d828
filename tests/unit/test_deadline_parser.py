"""Deadlines typed in German and English, read in the organisation's timezone (fixed clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.content_requests.service import Parsed, parse
from bot.when import parse_when

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 26 November 2026, 10:00 in Berlin.
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def local(text: str, now: datetime = NOW) -> str | None:
    found = parse_when(text, now=now, tz=BERLIN)
    return found.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M") if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morgen", "Fri 2026-11-27 17:00"),
        ("morgen 12 Uhr", "Fri 2026-11-27 12:00"),
        ("Morgen, 9:30", "Fri 2026-11-27 09:30"),
        ("übermorgen", "Sat 2026-11-28 17:00"),
        ("uebermorgen 8 Uhr", "Sat 2026-11-28 08:00"),
        ("Freitag 12 Uhr", "Fri 2026-11-27 12:00"),
        ("am Freitag um 12:15", "Fri 2026-11-27 12:15"),
        ("nächsten Montag", "Mon 2026-11-30 17:00"),
        ("Donnerstag", "Thu 2026-12-03 17:00"),  # today is Thursday: the next one
        ("tomorrow", "Fri 2026-11-27 17:00"),
        ("tomorrow 9am", "Fri 2026-11-27 09:00"),
        ("friday 3pm", "Fri 2026-11-27 15:00"),
        ("next friday at 3:30pm", "Fri 2026-11-27 15:30"),
        ("monday 12pm", "Mon 2026-11-30 12:00"),
        ("monday 12am", "Mon 2026-11-30 00:00"),
        ("2026-12-01", "Tue 2026-12-01 17:00"),
        ("2026-12-01 14:30", "Tue 2026-12-01 14:30"),
        ("1.12.2026", "Tue 2026-12-01 17:00"),
        ("1.12.2026 14:30", "Tue 2026-12-01 14:30"),
        ("3.12.", "Thu 2026-12-03 17:00"),
        ("3.1.", "Sun 2027-01-03 17:00"),  # already past this year: next year
        ("heute 18 Uhr", "Thu 2026-11-26 18:00"),
        ("15:00", "Thu 2026-11-26 15:00"),
        ("9 Uhr", "Fri 2026-11-27 09:00"),  # already past today: tomorrow
        ("mittags", "Thu 2026-11-26 12:00"),
        ("in 2h", "Thu 2026-11-26 12:00"),
        ("in 2 Stunden", "Thu 2026-11-26 12:00"),
        ("in 3 days", "Sun 2026-11-29 10:00"),
    ],
)
def test_understands(text: str, expected: str) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Quatsch",
        "morgen irgendwann",
        "2026-02-30",
        "2026-02-30 12 Uhr",
        "31.02.2026",
        "25 Uhr",
        "13pm",
        "friday 12:75",
    ],
)
def test_refuses_what_it_does_not_understand(text: str) -> None:
    assert local(text) is None


def test_times_are_wall_clock_across_the_dst_change() -> None:
    # Saturday 28 March 2026 in Berlin; Sunday the clocks go forward.
    before = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    found = parse_when("Montag 9 Uhr", now=before, tz=BERLIN)
    assert found == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # CEST: UTC+2
    assert parse_when("morgen 9 Uhr", now=before, tz=BERLIN) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )


def test_the_result_is_utc() -> None:
    found = parse_when("morgen 12 Uhr", now=NOW, tz=BERLIN)
    assert found is not None and found.tzinfo == UTC and found.hour == 11


def test_request_is_split_into_target_what_when_why() -> None:
    parsed = parse(
        "marketing Visual für die Facebook-Aktion bis morgen 12 Uhr weil Kampagnenstart am Freitag",
        now=NOW,
        tz=BERLIN,
    )
    assert parsed == Parsed(
        "marketing",
        "Visual für die Facebook-Aktion",
        datetime(2026, 11, 27, 11, 0, tzinfo=UTC),
        "Kampagnenstart am Freitag",
    )


def test_english_request_and_a_what_that_contains_by() -> None:
    parsed = parse(
        "@carla a quote by our CEO by friday 3pm because the interview runs monday",
        now=NOW,
        tz=BERLIN,
    )
    assert isinstance(parsed, Parsed)
    assert parsed.target == "@carla"
    assert parsed.what == "a quote by our CEO"
    assert parsed.due_at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    assert parsed.why == "the interview runs monday"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("marketing", "requests.parse.usage"),
        ("marketing ein Visual", "requests.parse.no_deadline"),
        ("marketing ein Visual bis irgendwann", "requests.parse.bad_date"),
        ("marketing ein Visual bis 2020-01-01", "requests.parse.past"),
    ],
)
def test_request_problems_are_named(text: str, problem: str) -> None:
    assert parse(text, now=NOW, tz=BERLIN) == problem
