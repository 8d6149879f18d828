"""Deadlines as people type them, in German and English, in the organisation's timezone.

`morgen`, `übermorgen 9 Uhr`, `Freitag 12 Uhr`, `tomorrow`, `friday 3pm`, `2026-12-01`,
`1.12.2026 14:30`, `in 2h`. A day without a time means the end of the working day (17:00). A
weekday means its next occurrence after today. The result is aware UTC, or None if the text is
not a date we understand.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.durations import parse_duration

END_OF_DAY = time(17, 0)
WEEKDAY_NAMES = {
    **dict.fromkeys(("montag", "mo", "monday", "mon"), 0),
    **dict.fromkeys(("dienstag", "di", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mittwoch", "mi", "wednesday", "wed"), 2),
    **dict.fromkeys(("donnerstag", "do", "thursday", "thu", "thurs"), 3),
    **dict.fromkeys(("freitag", "fr", "friday", "fri"), 4),
    **dict.fromkeys(("samstag", "sa", "saturday", "sat", "sonnabend"), 5),
    **dict.fromkeys(("sonntag", "so", "sunday", "sun"), 6),
}
_RELATIVE = {
    "heute": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
    "day after tomorrow": 2,
}
_FILLER = re.compile(
    r"\b(?:am|um|at|on|the|den|zum|spätestens|nächsten|naechsten|next|kommenden|this|diesen)\b"
)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_GERMAN_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})?(?!\d)")
_TIME_12H = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)\b")
_TIME_24H = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)\b|\b(\d{1,2})[:.](\d{2})\b")
_NOON = re.compile(r"\b(?:mittags?|noon|midday)\b")
_IN = re.compile(r"^in\s+(\d+\s*[a-zäöü]+(?:\s+\d+\s*[a-zäöü]+)*)$")
_UNIT_WORDS = {
    "minuten": "m",
    "minute": "m",
    "minutes": "m",
    "min": "m",
    "stunden": "h",
    "stunde": "h",
    "hours": "h",
    "hour": "h",
    "tage": "d",
    "tag": "d",
    "days": "d",
    "day": "d",
    "wochen": "w",
    "woche": "w",
    "weeks": "w",
    "week": "w",
}


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    rest = " ".join(text.strip().lower().replace(",", " ").split())
    if not rest:
        return None
    relative = _in_duration(rest)
    if relative is not None:
        return (now + relative).astimezone(UTC)
    today = now.astimezone(tz).date()
    day, rest = _take_day(rest, today)
    at, rest = _take_time(rest)
    rest = _FILLER.sub(" ", rest).strip()
    if rest or (day is None and at is None):
        return None
    if day is None:
        # Only a time: today if still ahead, otherwise tomorrow.
        assert at is not None
        day = today if _local(today, at, tz) > now else today + timedelta(days=1)
    return _local(day, at or END_OF_DAY, tz).astimezone(UTC)


def parse_date(text: str, *, today: date) -> date | None:
    """An explicit date and nothing else: `2026-12-01`, `1.12.2026`, `1.12.` (the next one)."""
    text = text.strip()
    for pattern in (_ISO, _GERMAN_DATE):
        match = pattern.fullmatch(text)
        if match:
            return _take_day(text, today)[0]
    return None


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _in_duration(text: str) -> timedelta | None:
    match = _IN.match(text)
    if not match:
        return None
    compact = match.group(1)
    for word, unit in sorted(_UNIT_WORDS.items(), key=lambda kv: -len(kv[0])):
        compact = re.sub(rf"(\d)\s*{word}\b", rf"\g<1>{unit}", compact)
    try:
        return parse_duration(compact)
    except ValueError:
        return None


def _take_time(text: str) -> tuple[time | None, str]:
    match = _TIME_12H.search(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None, text
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
        return time(hour, minute), _cut(text, match)
    match = _TIME_24H.search(text)
    if match:
        hour = int(match.group(1) or match.group(3))
        minute = int(match.group(2) or match.group(4) or 0)
        if hour > 23 or minute > 59:
            return None, text
        return time(hour, minute), _cut(text, match)
    match = _NOON.search(text)
    if match:
        return time(12, 0), _cut(text, match)
    return None, text


def _take_day(text: str, today: date) -> tuple[date | None, str]:
    for phrase in sorted(_RELATIVE, key=len, reverse=True):
        match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
        if match:
            return today + timedelta(days=_RELATIVE[phrase]), _cut(text, match)
    match = _ISO.search(text)
    if match:
        found = _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        return found, _cut(text, match) if found else text
    match = _GERMAN_DATE.search(text)
    if match:
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else today.year
        found = _date(year, month, day)
        if found is not None and not match.group(3) and found < today:
            found = _date(year + 1, month, day)
        return found, _cut(text, match) if found else text
    for word in text.split():
        if word.rstrip(".") in WEEKDAY_NAMES:
            target = WEEKDAY_NAMES[word.rstrip(".")]
            ahead = (target - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead), text.replace(word, " ", 1)
    return None, text


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cut(text: str, match: re.Match[str]) -> str:
    return (text[: match.start()] + " " + text[match.end() :]).strip()
