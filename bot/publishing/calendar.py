"""The calendar's read side: what `/desk kalender` and the iCal feed show.

Both come from the queries here (set-based: one statement for the postings of a window, one
for a person's approval deadlines, one for their content requests), so chat and the
subscribed calendar never disagree. Times are UTC; the organisation's timezone is applied
where days are cut (the week, its holidays) and by the renderers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays as holiday_lib
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states as approval_states
from bot.content_requests.service import ACTIVE as REQUEST_ACTIVE
from bot.meeting import service as meeting
from bot.meeting.schedule import Occurrence, Schedule, upcoming
from bot.orgconfig import OrgConfig
from bot.publishing import states
from storage.models import (
    ApprovalRequest,
    ContentItem,
    ContentRequest,
    MeetingOverride,
    MeetingSettings,
    Person,
    Posting,
    RequestApprover,
)

# Days without anything on a channel's plan before the week view calls it a gap.
GAP_DAYS = 3
# How far back the feed reaches: calendar apps keep what they fetched before.
FEED_HISTORY = timedelta(days=90)


@dataclass(frozen=True)
class Entry:
    """A posting on the plan."""

    posting_id: int
    item_id: int
    title: str
    channel: str
    status: str
    at: datetime  # planned time, UTC
    url: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Day:
    day: date
    holiday: str | None
    meetings: list[Occurrence]
    entries: list[Entry]


@dataclass(frozen=True)
class Week:
    days: list[Day]
    channels: list[str]  # the channel ids shown (one when filtered)
    gaps: list[tuple[str, int]]  # (channel id, longest run of days without a posting)


@dataclass(frozen=True)
class Deadline:
    """An approval or content-request deadline of one person, for the feed."""

    kind: str  # approval | request
    id: int
    at: datetime
    title: str
    detail: str | None  # the approval stage, or why the content is wanted
    item_id: int | None
    changed_at: datetime


@dataclass(frozen=True)
class MeetingSeries:
    """The weekly meeting as one recurring event: regular starts from `first` on, the skipped
    regular dates, and the moved ones with where they went."""

    schedule: Schedule
    first: date
    skipped: list[date]
    moved: list[tuple[date, datetime]]
    changed_at: datetime


# --- postings ------------------------------------------------------------------------------


async def entries_between(
    session: AsyncSession, *, start: datetime, end: datetime | None, channel: str | None = None
) -> list[Entry]:
    """Every posting on the plan (planned, due, posted, frozen) in [start, end), by time."""
    query = (
        select(
            Posting.id,
            Posting.item_id,
            ContentItem.title,
            Posting.channel,
            Posting.status,
            Posting.planned_at,
            Posting.url,
            Posting.updated_at,
        )
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(Posting.status.in_(states.ON_THE_PLAN), Posting.planned_at >= start)
        .order_by(Posting.planned_at, Posting.id)
    )
    if end is not None:
        query = query.where(Posting.planned_at < end)
    if channel is not None:
        query = query.where(Posting.channel == channel)
    return [
        Entry(pid, item_id, title, ch, status, at, url, changed)
        for pid, item_id, title, ch, status, at, url, changed in (await session.execute(query))
        if at is not None  # the WHERE on planned_at rules NULL out; this tells the type checker
    ]


@dataclass(frozen=True)
class PlanVersion:
    """What changes whenever the feed's postings do: how many, which (the sum of their ids),
    every change to one (each bumps its `revision`), and the latest change to a posting or its
    item. One aggregate instead of every row, so an unchanged feed is answered without
    reading it."""

    count: int
    id_sum: int
    revision_sum: int
    changed_at: datetime | None
    items_changed_at: datetime | None


async def plan_version(
    session: AsyncSession, *, start: datetime, channel: str | None = None
) -> PlanVersion:
    query = (
        select(
            func.count(),
            func.coalesce(func.sum(Posting.id), 0),
            func.coalesce(func.sum(Posting.revision), 0),
            func.max(Posting.updated_at),
            func.max(ContentItem.updated_at),
        )
        .select_from(Posting)
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(Posting.status.in_(states.ON_THE_PLAN), Posting.planned_at >= start)
    )
    if channel is not None:
        query = query.where(Posting.channel == channel)
    count, id_sum, revisions, changed, items_changed = (await session.execute(query)).one()
    return PlanVersion(int(count), int(id_sum), int(revisions), changed, items_changed)


def week_start(now: datetime, org: OrgConfig, weeks_ahead: int = 0) -> date:
    """The Monday of the week `now` falls in (organisation's timezone), plus whole weeks."""
    today = now.astimezone(org.organization.tz).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)


async def week(
    session: AsyncSession,
    org: OrgConfig,
    *,
    now: datetime,
    locale: str,
    weeks_ahead: int = 0,
    channel: str | None = None,
) -> Week:
    """Monday to Sunday: postings per day, holidays, meetings, and each channel's gaps."""
    tz = org.organization.tz
    monday = week_start(now, org, weeks_ahead)
    days = [monday + timedelta(days=i) for i in range(7)]
    start = datetime.combine(monday, time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=tz).astimezone(UTC)
    entries = await entries_between(session, start=start, end=end, channel=channel)
    meetings = await meetings_between(session, org, start, end)
    by_day: dict[date, list[Entry]] = {d: [] for d in days}
    for entry in entries:
        by_day[entry.at.astimezone(tz).date()].append(entry)
    channels = [channel] if channel else [c.id for c in org.channels]
    return Week(
        days=[
            Day(
                day=d,
                holiday=holiday_name(org, d, locale),
                meetings=[m for m in meetings if m.start.astimezone(tz).date() == d],
                entries=sorted(by_day[d], key=lambda e: (_order(org, e.channel), e.at, e.item_id)),
            )
            for d in days
        ],
        channels=channels,
        gaps=_gaps(channels, days, by_day),
    )


# The reader's language as the `holidays` package names it (German is its default for DE).
_HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US"}


def holiday_name(org: OrgConfig, day: date, locale: str) -> str | None:
    """The public holiday on a day (`organization.holidays`), named in the reader's language
    where the package has it."""
    code = org.organization.holidays
    return _holidays(code, day.year, _HOLIDAY_LANGUAGE.get(locale)).get(day) if code else None


@cache
def _holidays(code: str, year: int, language: str | None) -> dict[date, str]:
    country, _, subdiv = code.partition("-")
    found = holiday_lib.country_holidays(country, subdiv=subdiv or None, years=year)
    if language not in found.supported_languages:
        language = None
    named = holiday_lib.country_holidays(
        country, subdiv=subdiv or None, years=year, language=language
    )
    return dict(named)


def _order(org: OrgConfig, channel: str) -> int:
    ids = [c.id for c in org.channels]
    return ids.index(channel) if channel in ids else len(ids)


def _gaps(
    channels: list[str], days: list[date], by_day: dict[date, list[Entry]]
) -> list[tuple[str, int]]:
    """Per channel, the longest run of days with nothing on its plan, when it is long."""
    found = []
    for channel in channels:
        longest = run = 0
        for d in days:
            run = 0 if any(e.channel == channel for e in by_day[d]) else run + 1
            longest = max(longest, run)
        if longest >= GAP_DAYS:
            found.append((channel, longest))
    return found


async def meetings_between(
    session: AsyncSession, org: OrgConfig, start: datetime, end: datetime
) -> list[Occurrence]:
    schedule = await meeting.load_schedule(session=session, org=org)
    if schedule is None:
        return []
    overrides = await meeting.load_overrides(session=session)
    return upcoming(
        schedule,
        overrides,
        now=start - timedelta(microseconds=1),
        until=end - timedelta(microseconds=1),
    )


# --- a person's feed -----------------------------------------------------------------------


async def deadlines_of(session: AsyncSession, person: Person) -> list[Deadline]:
    """Pending approvals waiting for this person (their SLA) and content requests asked of
    them, still open: two statements, whatever their number."""
    approvals = await session.execute(
        select(
            ApprovalRequest.id,
            ApprovalRequest.due_at,
            ContentItem.title,
            ApprovalRequest.stage_name,
            ContentItem.id,
            ApprovalRequest.created_at,
        )
        .join(RequestApprover, RequestApprover.request_id == ApprovalRequest.id)
        .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
        .where(
            RequestApprover.person_id == person.id,
            ApprovalRequest.status == approval_states.PENDING,
            ApprovalRequest.due_at.is_not(None),
        )
    )
    requests = await session.execute(
        select(
            ContentRequest.id,
            ContentRequest.due_at,
            ContentRequest.what,
            ContentRequest.why,
            ContentRequest.updated_at,
        ).where(
            ContentRequest.assignee_id == person.id,
            ContentRequest.status.in_(REQUEST_ACTIVE),
        )
    )
    found = [
        Deadline("approval", rid, due, title, stage, item_id, changed)
        for rid, due, title, stage, item_id, changed in approvals.all()
        if due is not None  # filtered in SQL already
    ]
    found += [
        Deadline("request", rid, due, what, why, None, changed)
        for rid, due, what, why, changed in requests.all()
    ]
    return sorted(found, key=lambda d: (d.at, d.kind, d.id))


async def meeting_series(
    session: AsyncSession, org: OrgConfig, *, now: datetime
) -> MeetingSeries | None:
    """The meeting from FEED_HISTORY ago on, with its one-off skips and moves."""
    schedule = await meeting.load_schedule(session=session, org=org)
    if schedule is None:
        return None
    first = next(schedule.regular_dates(now - FEED_HISTORY))
    rows = (await session.scalars(select(MeetingOverride))).all()
    stored = await session.get(MeetingSettings, 1)
    skipped, moved = [], []
    for row in rows:
        day = date.fromisoformat(row.occurrence)
        if day < first or not schedule.is_regular(day):
            continue  # before the feed begins, or a date of an earlier weekday setting
        if row.action == "skip":
            skipped.append(day)
        elif row.action == "move" and row.moved_to is not None:
            moved.append((day, row.moved_to))
    changes = [r.created_at for r in rows] + ([stored.updated_at] if stored else [])
    changed_at = max(changes, default=datetime.combine(first, time(), tzinfo=UTC))
    return MeetingSeries(schedule, first, sorted(skipped), sorted(moved), changed_at)
