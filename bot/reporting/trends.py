"""Numbers over the last weeks, for the board's charts: lead time per stage and department
(the weekly median, computed by the database), approvals waiting per person, postings per
channel and week. Set-based: each figure is one statement, however many items there are.

Weeks are counted in whole 7-day steps from `start` (a Monday, 00:00 in the organisation's
timezone, given in UTC), so a row's week is a number the database computes the same way on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states
from bot.approvals.reports import not_decided_yet
from bot.publishing import states as posting_states
from bot.reporting.sql import Median, medians, seconds_between, weeks_since
from storage.base import UTCDateTime
from storage.models import (
    ApprovalRequest,
    ContentItem,
    Decision,
    Department,
    Person,
    Posting,
    RequestApprover,
)

WEEKS = 12


def _at(value: datetime) -> ColumnElement[datetime]:
    """A bound timestamp stored the way the columns are (naive UTC)."""
    return literal(value, UTCDateTime())


@dataclass(frozen=True)
class LeadTimes:
    """Per stage name and per department name: week number → the median and how many."""

    by_stage: dict[str, dict[int, Median]]
    by_department: dict[str | None, dict[int, Median]]


async def lead_times(session: AsyncSession, start: datetime) -> LeadTimes:
    """How long a stage waited for each decision (as `/desk stats` counts it, by the week of
    the decision), and how long an item took from submission to its final decision."""
    decided = (
        select(
            literal("stage").label("grouping"),
            cast(ApprovalRequest.stage_name, String).label("key"),
            weeks_since(Decision.decided_at, _at(start)).label("week"),
            seconds_between(Decision.decided_at, ApprovalRequest.created_at).label("s"),
        )
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(Decision.decided_at >= start)
    )
    timed_out = select(  # decided by the clock (`on_timeout: approve`): no decision row
        literal("stage"),
        cast(ApprovalRequest.stage_name, String),
        weeks_since(ApprovalRequest.decided_at, _at(start)),
        seconds_between(ApprovalRequest.decided_at, ApprovalRequest.created_at),
    ).where(ApprovalRequest.resolution == "timeout", ApprovalRequest.decided_at >= start)
    item_rows = (
        select(
            literal("department"),
            cast(Department.name, String),
            weeks_since(ContentItem.decided_at, _at(start)),
            seconds_between(ContentItem.decided_at, ContentItem.created_at),
        )
        .outerjoin(Department, Department.id == ContentItem.department_id)
        .where(
            ContentItem.decided_at >= start,
            ContentItem.status != states.ITEM_WITHDRAWN,
        )
    )
    found = await medians(session, union_all(decided, timed_out, item_rows).subquery())
    by: dict[str, dict[Any, dict[int, Median]]] = {"stage": {}, "department": {}}
    for (grouping, key, week), median in found.items():
        by[grouping].setdefault(key, {})[int(week)] = median
    return LeadTimes(by_stage=by["stage"], by_department=by["department"])


async def waiting_per_person(session: AsyncSession) -> list[tuple[str, int]]:
    """Open approvals per approver who has yet to decide them, most first."""
    n = func.count().label("n")
    rows = await session.execute(
        select(Person.name, n)
        .select_from(RequestApprover)
        .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
        .join(Person, Person.id == RequestApprover.person_id)
        .where(ApprovalRequest.status == states.PENDING, not_decided_yet())
        .group_by(Person.id, Person.name)
        .order_by(n.desc(), Person.name)
    )
    return [(name, int(count)) for name, count in rows.all()]


async def postings_per_week(session: AsyncSession, start: datetime) -> dict[str, dict[int, int]]:
    """Postings that went live, per channel id and week."""
    week = weeks_since(Posting.done_at, _at(start)).label("week")
    rows = await session.execute(
        select(Posting.channel, week, func.count())
        .where(Posting.status == posting_states.POSTED, Posting.done_at >= start)
        .group_by(Posting.channel, week)
    )
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for channel, n_week, count in rows.all():
        out[channel][int(n_week)] = int(count)
    return dict(out)


def window_start(monday: datetime, weeks: int = WEEKS) -> datetime:
    """The first of the last `weeks` weeks, the current one included."""
    return monday - timedelta(weeks=weeks - 1)
