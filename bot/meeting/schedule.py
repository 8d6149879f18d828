"""When the meeting is: pure date arithmetic, in the meeting's timezone, stored as UTC.

An occurrence is named by its regular local date (`2026-12-22`), which stays its name when it
is moved to another day or hour; the wall-clock time is applied in the meeting's timezone, so
10:00 Europe/Berlin is 10:00 local on both sides of a daylight-saving switch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.orgconfig import MeetingConfig, OrgConfig
from bot.when import WEEKDAY_NAMES

DEFAULT_REMINDERS = (timedelta(hours=1),)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 = Monday
    at: time
    tz: ZoneInfo
    reminders: tuple[timedelta, ...]  # longest first; the last one posts the agenda

    @property
    def last_offset(self) -> timedelta:
        return self.reminders[-1]

    def start_on(self, day: date) -> datetime:
        """The regular start on a local date, in UTC."""
        return datetime.combine(day, self.at, tzinfo=self.tz).astimezone(UTC)

    def is_regular(self, day: date) -> bool:
        return day.weekday() == self.weekday

    def regular_dates(self, after: datetime) -> Iterator[date]:
        """Regular local dates whose meeting starts after `after`, in order, forever."""
        day = after.astimezone(self.tz).date() - timedelta(days=1)
        day += timedelta(days=(self.weekday - day.weekday()) % 7)
        while True:
            if self.start_on(day) > after:
                yield day
            day += timedelta(days=7)

    def nearest_regular(self, day: date) -> date:
        """The regular date within three days of `day` (there is exactly one)."""
        diff = (self.weekday - day.weekday()) % 7
        return day + timedelta(days=diff if diff <= 3 else diff - 7)


@dataclass(frozen=True)
class Override:
    action: str  # skip | move
    moved_to: datetime | None = None


@dataclass(frozen=True)
class Occurrence:
    id: str  # the regular local date, ISO
    start: datetime  # UTC
    regular_start: datetime  # UTC
    moved: bool = False

    def reminder_at(self, offset: timedelta) -> datetime:
        return self.start - offset


def parse_weekday(text: str) -> int | None:
    """`tuesday`, `dienstag`, `di`, `tue`: the names bot.when knows."""
    return WEEKDAY_NAMES.get(text.strip().lower().rstrip("."))


def parse_time(text: str) -> time | None:
    match = _TIME.match(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def meeting_tz(meeting: MeetingConfig, org: OrgConfig) -> ZoneInfo:
    return ZoneInfo(meeting.timezone) if meeting.timezone else org.organization.tz


def build_schedule(
    org: OrgConfig, meeting: MeetingConfig, weekday: str | None = None, at: str | None = None
) -> Schedule:
    """From the organisation file, with what `/meeting set` stored taking precedence."""
    day = parse_weekday(weekday or meeting.weekday)
    clock = parse_time(at or meeting.time)
    assert day is not None and clock is not None
    reminders = tuple(sorted({r for r in meeting.reminders if r > timedelta(0)}, reverse=True))
    return Schedule(day, clock, meeting_tz(meeting, org), reminders or DEFAULT_REMINDERS)


def occurrence(
    schedule: Schedule, day: date, overrides: Mapping[str, Override]
) -> Occurrence | None:
    """The occurrence named by a regular date, or None if that date is skipped or irregular."""
    if not schedule.is_regular(day):
        return None
    name = day.isoformat()
    regular = schedule.start_on(day)
    override = overrides.get(name)
    if override is not None and override.action == "skip":
        return None
    if override is not None and override.action == "move" and override.moved_to is not None:
        return Occurrence(name, override.moved_to, regular, moved=True)
    return Occurrence(name, regular, regular)


def upcoming(
    schedule: Schedule,
    overrides: Mapping[str, Override],
    *,
    now: datetime,
    until: datetime,
) -> list[Occurrence]:
    """Occurrences still ahead whose start (regular or moved) is before `until`, by start.

    A moved occurrence may start later than its regular date, so dates are scanned a little
    further back and forward than the window itself.
    """
    moved_late = [
        date.fromisoformat(name)
        for name, o in overrides.items()
        if o.action == "move" and o.moved_to and now < o.moved_to <= until
    ]
    found: dict[str, Occurrence] = {}
    for day in moved_late:
        occ = occurrence(schedule, day, overrides)
        if occ is not None:
            found[occ.id] = occ
    for day in schedule.regular_dates(now - timedelta(days=7)):
        if schedule.start_on(day) > until + timedelta(days=7):
            break
        occ = occurrence(schedule, day, overrides)
        if occ is not None and now < occ.start <= until:
            found[occ.id] = occ
    return sorted(found.values(), key=lambda o: o.start)


def next_occurrence(
    schedule: Schedule, overrides: Mapping[str, Override], *, now: datetime
) -> Occurrence | None:
    """The next meeting still ahead (a year of skips finds nothing)."""
    found = upcoming(schedule, overrides, now=now, until=now + timedelta(days=366))
    return found[0] if found else None
