"""The agenda and each contributor's open items, built from the live pipeline.

Both are small registries so features that land later (content requests, crisis) plug in:

    @agenda_section(order=40)
    async def open_requests(ctx: AgendaContext) -> Section | None: ...

    @open_items
    async def requests_due(ctx: AgendaContext, person: Person) -> list[str]: ...

A section returns None when it has nothing to say and should not appear at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n, reporting
from bot.approvals import reports, states
from bot.meeting import service
from bot.meeting.schedule import Occurrence
from bot.messages import Message, Section
from bot.orgconfig import OrgConfig
from bot.reporting.sql import first_and_total, medians, seconds_between
from storage.models import ApprovalRequest, ContentItem, Decision, Person

PLANNED_DAYS = 7
STATS_DAYS = 7
LIST_LIMIT = reporting.LIMIT


@dataclass
class AgendaContext:
    session: AsyncSession
    org: OrgConfig
    now: datetime
    occurrence: Occurrence
    locale: str
    tz: ZoneInfo

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.locale, key, **params)

    def when(self, value: datetime) -> str:
        return i18n.format_datetime(value, self.locale, self.tz)

    def age(self, value: timedelta) -> str:
        return i18n.format_age(value, self.locale)

    def more(self, shown: int, total: int) -> str | None:
        """The line "… und 8.732 weitere" when a list shows `shown` of `total`, else None."""
        return reporting.more(self.locale, total - shown) if total > shown else None

    def cut(self, lines: list[str], total: int) -> list[str]:
        """Open items: the first lines, then one line for the rest."""
        return reporting.with_more(self.locale, lines, total)

    async def names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
        return {pid: name for pid, name in rows.all()}


SectionBuilder = Callable[[AgendaContext], Awaitable[Section | list[Section] | None]]
ItemsBuilder = Callable[[AgendaContext, Person], Awaitable[list[str]]]
SECTIONS: list[tuple[int, SectionBuilder]] = []
OPEN_ITEMS: list[ItemsBuilder] = []


def agenda_section(order: int) -> Callable[[SectionBuilder], SectionBuilder]:
    def register(fn: SectionBuilder) -> SectionBuilder:
        SECTIONS.append((order, fn))
        SECTIONS.sort(key=lambda entry: entry[0])
        return fn

    return register


def open_items(fn: ItemsBuilder) -> ItemsBuilder:
    OPEN_ITEMS.append(fn)
    return fn


def block(heading: str, lines: list[str], more: str | None = None) -> Section:
    """A heading and its list; `more` (what was cut, see AgendaContext.more) last."""
    return Section(text=heading, items=[*lines, more] if more else lines)


def groups(heading: str, grouped: dict[str, list[str]], more: str | None) -> list[Section]:
    """A heading, then a list per group (`Marketing:` and its entries), groups by name."""
    out = [Section(text=heading)]
    out += [Section(text=f"{name}:", items=grouped[name]) for name in sorted(grouped)]
    if more:
        out.append(Section(text=more))
    return out


async def build_agenda(ctx: AgendaContext) -> Message:
    sections: list[Section] = []
    for _, fn in SECTIONS:
        built = await fn(ctx)
        sections += [built] if isinstance(built, Section) else built or []
    return Message(
        text=ctx.t("meeting.agenda.title", when=ctx.when(ctx.occurrence.start)),
        sections=sections,
        context=ctx.t("meeting.topic.how"),
    )


async def items_of(ctx: AgendaContext, person: Person) -> list[str]:
    lines: list[str] = []
    for fn in OPEN_ITEMS:
        lines += await fn(ctx, person)
    return lines


# --- the built-in sections -------------------------------------------------------------------


@agenda_section(order=10)
async def topics(ctx: AgendaContext) -> Section | list[Section]:
    rows = await service.topics_for(session=ctx.session, occ_id=ctx.occurrence.id)
    if not rows:
        return Section(
            text=f"{ctx.t('meeting.agenda.topics')}\n{ctx.t('meeting.agenda.no_topics')}"
        )
    names = await ctx.names(sorted({r.person_id for r in rows}))
    departments = {d.id: d.name for d in ctx.org.departments}
    by_dept: dict[str, list[str]] = {}
    for row in rows:
        dept = departments.get(row.department_id or "", ctx.t("meeting.agenda.no_department"))
        by_dept.setdefault(dept, []).append(f"{row.text} ({names.get(row.person_id, '?')})")
    return groups(ctx.t("meeting.agenda.topics"), by_dept, None)


@agenda_section(order=20)
async def awaiting_approval(ctx: AgendaContext) -> Section:
    """The oldest items in approval, with whom each waits on; the rest counted."""
    rows, total = await first_and_total(
        ctx.session,
        select(
            ApprovalRequest.id,
            ApprovalRequest.stage_name,
            ApprovalRequest.due_at,
            ContentItem.id,
            ContentItem.title,
            ContentItem.created_at,
        )
        .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
        .where(ApprovalRequest.status == states.PENDING)
        .order_by(ContentItem.created_at, ApprovalRequest.id),
        LIST_LIMIT,
    )
    heading = ctx.t("meeting.agenda.awaiting")
    if not rows:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    waiting = await reports.undecided_names(ctx.session, [row[0] for row in rows])
    lines = []
    for request_id, stage, due_at, item_id, title, created_at in rows:
        line = ctx.t(
            "meeting.agenda.awaiting_line",
            id=item_id,
            title=title,
            stage=stage,
            age=ctx.age(ctx.now - created_at),
            waiting=", ".join(waiting.get(request_id, [])),
        )
        if due_at is not None and due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return block(heading, lines, ctx.more(len(rows), total))


@agenda_section(order=30)
async def planned(ctx: AgendaContext) -> Section | list[Section]:
    """Approved content going out in the next days, per channel; the rest counted."""
    until = ctx.now + timedelta(days=PLANNED_DAYS)
    rows, total = await first_and_total(
        ctx.session,
        select(ContentItem.id, ContentItem.title, ContentItem.publish_at, ContentItem.channels)
        .where(
            ContentItem.status == states.ITEM_APPROVED,
            ContentItem.publish_at.is_not(None),
            ContentItem.publish_at >= ctx.now,
            ContentItem.publish_at <= until,
        )
        .order_by(ContentItem.publish_at, ContentItem.id),
        LIST_LIMIT,
    )
    heading = ctx.t("meeting.agenda.planned", days=PLANNED_DAYS)
    if not rows:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    channel_names = {c.id: c.name for c in ctx.org.channels}
    by_channel: dict[str, list[str]] = {}
    for item_id, title, publish_at, channels in rows:
        assert publish_at is not None
        line = f"{ctx.when(publish_at)} – #{item_id} {title}"
        for channel in channels or [""]:
            name = channel_names.get(channel, channel) or ctx.t("meeting.agenda.no_channel")
            by_channel.setdefault(name, []).append(line)
    return groups(heading, by_channel, ctx.more(len(rows), total))


@agenda_section(order=90)
async def approval_lead_time(ctx: AgendaContext) -> Section | None:
    """The median stage of the past week, and whose decision took longest."""
    since = ctx.now - timedelta(days=STATS_DAYS)
    decided = await medians(
        ctx.session,
        select(
            literal_column("0").label("week"),
            seconds_between(ApprovalRequest.decided_at, ApprovalRequest.created_at).label("s"),
        )
        .where(
            ApprovalRequest.decided_at.is_not(None),
            ApprovalRequest.decided_at >= since,
            ApprovalRequest.decided_at <= ctx.now,
        )
        .subquery(),
    )
    heading = ctx.t("meeting.agenda.lead_time")
    if not decided:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.no_decisions')}")
    (week,) = decided.values()
    lines = [
        ctx.t(
            "meeting.agenda.median",
            age=ctx.age(week.median),
            n=reporting.format_number(week.n, ctx.locale),
        )
    ]
    waited = seconds_between(Decision.decided_at, ApprovalRequest.created_at)
    slowest = (
        await ctx.session.execute(
            select(Person.name, waited)
            .select_from(Decision)
            .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
            .join(Person, Person.id == Decision.person_id)
            .where(Decision.decided_at >= since, Decision.decided_at <= ctx.now)
            .order_by(waited.desc(), Person.id)
            .limit(1)
        )
    ).first()
    if slowest is not None:
        name, seconds = slowest
        age = ctx.age(timedelta(seconds=max(float(seconds), 0.0)))
        lines.append(ctx.t("meeting.agenda.longest", name=name, age=age))
    return block(heading, lines)


# --- each contributor's open items -------------------------------------------------------------


@open_items
async def awaiting_you(ctx: AgendaContext, person: Person) -> list[str]:
    waiting, total = await reports.waiting_for(ctx.session, person.id, LIST_LIMIT)
    lines = []
    for pending in waiting:
        line = ctx.t(
            "meeting.items.awaiting_you",
            id=pending.item_id,
            title=pending.title,
            age=ctx.age(ctx.now - pending.created_at),
        )
        if pending.due_at is not None and pending.due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return ctx.cut(lines, total)


@open_items
async def your_submissions(ctx: AgendaContext, person: Person) -> list[str]:
    rows, total = await first_and_total(
        ctx.session,
        select(ContentItem.id, ContentItem.title, ContentItem.created_at)
        .where(
            ContentItem.submitter_id == person.id,
            ContentItem.status == states.ITEM_IN_REVIEW,
        )
        .order_by(ContentItem.created_at, ContentItem.id),
        LIST_LIMIT,
    )
    lines = [
        ctx.t(
            "meeting.items.your_submission",
            id=item_id,
            title=title,
            age=ctx.age(ctx.now - created_at),
        )
        for item_id, title, created_at in rows
    ]
    return ctx.cut(lines, total)
