"""The board's calendar: a month or a week as a grid of days, built on calendar.py's queries.

The postings on the plan come from `calendar.entries_between` (one statement for the whole
grid) and the holidays from `calendar.holiday_name`, so the board, `/desk kalender` and the
iCal feed agree. The board adds approved postings not yet planned, on their wished day, and
filters by department and state; that is two more statements, whatever the grid holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.meeting.schedule import Occurrence
from bot.orgconfig import OrgConfig
from bot.publishing import calendar, states
from bot.publishing.calendar import Entry
from storage.models import ContentItem, Posting

MONTH, WEEK = "month", "week"
# The states a reader can pick: the plan's, plus approved postings waiting for a time.
STATES = (states.APPROVED, states.PLANNED, states.DUE, states.POSTED, states.FROZEN)


@dataclass(frozen=True)
class GridDay:
    day: date
    in_view: bool  # False for the neighbouring months' days that fill a month's weeks
    holiday: str | None
    meetings: list[Occurrence]
    entries: list[Entry]


@dataclass(frozen=True)
class Grid:
    view: str
    anchor: date
    first: date  # the first day the grid shows (a Monday)
    weeks: list[list[GridDay]]
    departments: dict[int, str | None]  # item id → department id, for the shown entries


@dataclass(frozen=True)
class GridFilters:
    channel: str | None = None
    department: str | None = None
    state: str | None = None


def bounds(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown day, day after the last, first and last day of the period itself)."""
    if view == WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=7), monday, monday + timedelta(days=6)
    start = anchor.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=(7 - end.weekday()) % 7)
    return first, last, start, end - timedelta(days=1)


def step(view: str, anchor: date, direction: int) -> date:
    """The previous (-1) or next (+1) week or month."""
    if view == WEEK:
        return anchor + timedelta(weeks=direction)
    first = anchor.replace(day=1)
    if direction < 0:
        return (first - timedelta(days=1)).replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


async def grid(
    session: AsyncSession,
    org: OrgConfig,
    *,
    view: str,
    anchor: date,
    locale: str,
    filters: GridFilters,
) -> Grid:
    tz = org.organization.tz
    first, last, period_start, period_end = bounds(view, anchor)
    start = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last, time(), tzinfo=tz).astimezone(UTC)
    entries = await calendar.entries_between(session, start=start, end=end, channel=filters.channel)
    entries += await _wished(session, start=start, end=end, channel=filters.channel)
    departments = await _departments(session, {e.item_id for e in entries})
    entries = [
        e
        for e in entries
        if (filters.state is None or e.status == filters.state)
        and (filters.department is None or departments.get(e.item_id) == filters.department)
    ]
    meetings = await calendar.meetings_between(session, org, start, end)
    by_day: dict[date, list[Entry]] = {}
    for entry in sorted(entries, key=lambda e: (e.at, e.channel, e.item_id)):
        by_day.setdefault(entry.at.astimezone(tz).date(), []).append(entry)
    days = [first + timedelta(days=i) for i in range((last - first).days)]
    cells = [
        GridDay(
            day=d,
            in_view=period_start <= d <= period_end,
            holiday=calendar.holiday_name(org, d, locale),
            meetings=[m for m in meetings if m.start.astimezone(tz).date() == d],
            entries=by_day.get(d, []),
        )
        for d in days
    ]
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    return Grid(view, anchor, first, weeks, departments)


async def _wished(
    session: AsyncSession, *, start: datetime, end: datetime, channel: str | None
) -> list[Entry]:
    """Approved postings waiting for a time, on the day the submitter wished for."""
    query = (
        select(
            Posting.id,
            Posting.item_id,
            ContentItem.title,
            Posting.channel,
            Posting.status,
            Posting.wished_at,
            Posting.url,
            Posting.updated_at,
        )
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(
            Posting.status == states.APPROVED,
            Posting.planned_at.is_(None),
            Posting.wished_at >= start,
            Posting.wished_at < end,
        )
    )
    if channel is not None:
        query = query.where(Posting.channel == channel)
    return [
        Entry(pid, item_id, title, ch, status, at, url, changed)
        for pid, item_id, title, ch, status, at, url, changed in await session.execute(query)
        if at is not None
    ]


async def _departments(session: AsyncSession, item_ids: set[int]) -> dict[int, str | None]:
    if not item_ids:
        return {}
    rows = await session.execute(
        select(ContentItem.id, ContentItem.department_id).where(ContentItem.id.in_(item_ids))
    )
    return {item_id: department for item_id, department in rows.all()}
