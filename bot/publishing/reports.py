"""From submission to live: how long content takes to go out, per department and channel, and
which postings went out later than the submitter wished. Read by `/desk stats` and the
meeting agenda; set-based (medians in SQL, the late list cut with "… und N weitere").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n, reporting
from bot.messages import Section
from bot.publishing import states
from bot.reporting.sql import Median, first_and_total, medians, seconds_between
from storage.models import ContentItem, Posting

# Posted within this of the wished time counts as on time: a hand-off at 10:00 marked at
# 10:20 is not "later than wished".
LATE_GRACE = timedelta(hours=1)


class Reads(Protocol):
    """Who reads the report: a chat reader or the agenda's context."""

    @property
    def locale(self) -> str: ...

    def t(self, key: str, **params: Any) -> str: ...


@dataclass(frozen=True)
class LiveTimes:
    """Median time from submission to live, keyed by department id (None: none) and channel."""

    by_department: dict[str | None, Median]
    by_channel: dict[str | None, Median]


@dataclass(frozen=True)
class Late:
    item_id: int
    title: str
    channel: str
    late: timedelta


def _went_live(since: datetime | None) -> list[ColumnElement[bool]]:
    """Postings that went out (a `not_posted` one is done too, but never live)."""
    where = [Posting.status == states.POSTED, Posting.done_at.is_not(None)]
    return [*where, Posting.done_at >= since] if since is not None else where


async def live_times(session: AsyncSession, *, since: datetime | None = None) -> LiveTimes:
    """Both groupings in one statement: the item's submission is its `created_at`."""
    took = seconds_between(Posting.done_at, ContentItem.created_at)
    groupings = [("department", ContentItem.department_id), ("channel", Posting.channel)]
    rows = union_all(
        *(
            select(
                literal(name).label("grouping"),
                cast(key, String).label("key"),
                took.label("seconds"),
            )
            .join(ContentItem, ContentItem.id == Posting.item_id)
            .where(*_went_live(since))
            for name, key in groupings
        )
    ).subquery()
    out: dict[str, dict[str | None, Median]] = {name: {} for name, _ in groupings}
    for (grouping, key), median in (await medians(session, rows)).items():
        out[grouping][key] = median
    return LiveTimes(out["department"], out["channel"])


async def late_postings(
    session: AsyncSession, *, since: datetime | None = None, limit: int = reporting.LIMIT
) -> tuple[list[Late], int]:
    """Postings that went out more than LATE_GRACE after the wished time, latest first, and
    how many there are in all."""
    late = seconds_between(Posting.done_at, Posting.wished_at)
    found, total = await first_and_total(
        session,
        select(ContentItem.id, ContentItem.title, Posting.channel, late)
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(
            *_went_live(since),
            Posting.wished_at.is_not(None),
            late > LATE_GRACE.total_seconds(),
        )
        .order_by(late.desc(), Posting.id),
        limit,
    )
    return [
        Late(item_id, title, channel, timedelta(seconds=float(seconds)))
        for item_id, title, channel, seconds in found
    ], total


async def live_sections(
    session: AsyncSession,
    reader: Reads,
    *,
    channels: Mapping[str, str],
    departments: Mapping[str, str],
    since: datetime | None = None,
) -> list[Section]:
    """The lead-time tables and the late list, as `/desk stats` and the agenda show them;
    nothing when nothing went live (in the window, from `since`)."""
    times = await live_times(session, since=since)
    no_department = reader.t("publishing.report.no_department")
    tables = [
        (
            "publishing.report.by_department",
            {departments.get(k or "", no_department): m for k, m in times.by_department.items()},
        ),
        (
            "publishing.report.by_channel",
            {channels.get(k or "", k or "?"): m for k, m in times.by_channel.items()},
        ),
    ]
    sections = [_median_table(reader, key, groups) for key, groups in tables if groups]
    late, total = await late_postings(session, since=since)
    if late:
        lines = [
            reader.t(
                "publishing.report.late_line",
                id=p.item_id,
                title=p.title,
                channel=channels.get(p.channel, p.channel),
                late=i18n.format_age(p.late, reader.locale),
            )
            for p in late
        ]
        heading = reader.t(
            "publishing.report.late", n=reporting.format_number(total, reader.locale)
        )
        sections.append(
            Section(text=heading, items=reporting.with_more(reader.locale, lines, total))
        )
    return sections


def _median_table(reader: Reads, key: str, groups: dict[str, Median]) -> Section:
    """Slowest first, cut after the first few."""
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1].median, kv[0]))
    lines = [
        reader.t(
            "publishing.report.line",
            name=name,
            median=i18n.format_age(m.median, reader.locale),
            n=reporting.format_number(m.n, reader.locale),
        )
        for name, m in ranked[: reporting.LIMIT]
    ]
    items = reporting.with_more(reader.locale, lines, len(ranked))
    return Section(text=reader.t(key), items=items)
