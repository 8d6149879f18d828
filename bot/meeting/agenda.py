"""The agenda and each contributor's open items, built from the live pipeline.

Both are small registries so features that land later (content requests, crisis) plug in:

    @agenda_section(order=40)
    async def open_requests(ctx: AgendaContext) -> Section | None: ...

    @open_items
    async def requests_due(ctx: AgendaContext, person: Person) -> list[str]: ...

A section returns None when it has nothing to say and should not appear at all.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.approvals import states
from bot.approvals.service import pending_approvals_for
from bot.meeting import service
from bot.meeting.schedule import Occurrence
from bot.messages import Message, Section
from bot.orgconfig import OrgConfig
from storage.models import ApprovalRequest, ContentItem, Decision, Person

PLANNED_DAYS = 7
STATS_DAYS = 7
LIST_LIMIT = 15


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

    async def names(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        rows = await self.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
        return {pid: name for pid, name in rows.all()}


SectionBuilder = Callable[[AgendaContext], Awaitable[Section | None]]
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


def block(heading: str, lines: list[str], more: int = 0) -> Section:
    body = "\n".join(f"• {line}" for line in lines)
    if more:
        body += f"\n… +{more}"
    return Section(text=f"{heading}\n{body}")


async def build_agenda(ctx: AgendaContext) -> Message:
    sections = [s for _, fn in SECTIONS if (s := await fn(ctx)) is not None]
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
async def topics(ctx: AgendaContext) -> Section:
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
    lines = [ctx.t("meeting.agenda.topics")]
    for dept in sorted(by_dept):
        lines.append(f"{dept}:")
        lines += [f"• {entry}" for entry in by_dept[dept]]
    return Section(text="\n".join(lines))


@agenda_section(order=20)
async def awaiting_approval(ctx: AgendaContext) -> Section:
    rows = (
        await ctx.session.execute(
            select(ApprovalRequest, ContentItem)
            .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
            .where(ApprovalRequest.status == states.PENDING)
            .order_by(ContentItem.created_at, ApprovalRequest.id)
        )
    ).all()
    heading = ctx.t("meeting.agenda.awaiting")
    if not rows:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    waiting_ids = sorted({a for r, _ in rows for a in r.approver_ids})
    names = await ctx.names(waiting_ids)
    lines = []
    for request, item in rows[:LIST_LIMIT]:
        decided = {d.person_id for d in request.decisions}
        waiting = ", ".join(names.get(p, "?") for p in request.approver_ids if p not in decided)
        line = ctx.t(
            "meeting.agenda.awaiting_line",
            id=item.id,
            title=item.title,
            stage=request.stage_name,
            age=ctx.age(ctx.now - item.created_at),
            waiting=waiting,
        )
        if request.due_at is not None and request.due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return block(heading, lines, max(0, len(rows) - LIST_LIMIT))


@agenda_section(order=30)
async def planned(ctx: AgendaContext) -> Section:
    until = ctx.now + timedelta(days=PLANNED_DAYS)
    items = (
        await ctx.session.scalars(
            select(ContentItem)
            .where(
                ContentItem.status == states.ITEM_APPROVED,
                ContentItem.publish_at.is_not(None),
                ContentItem.publish_at >= ctx.now,
                ContentItem.publish_at <= until,
            )
            .order_by(ContentItem.publish_at, ContentItem.id)
        )
    ).all()
    heading = ctx.t("meeting.agenda.planned", days=PLANNED_DAYS)
    if not items:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    channel_names = {c.id: c.name for c in ctx.org.channels}
    by_channel: dict[str, list[str]] = {}
    for item in items:
        assert item.publish_at is not None
        line = f"{ctx.when(item.publish_at)} – #{item.id} {item.title}"
        for channel in item.channels or [""]:
            name = channel_names.get(channel, channel) or ctx.t("meeting.agenda.no_channel")
            by_channel.setdefault(name, []).append(line)
    lines = [heading]
    for name in sorted(by_channel):
        lines.append(f"{name}:")
        lines += [f"• {entry}" for entry in by_channel[name]]
    return Section(text="\n".join(lines))


@agenda_section(order=90)
async def approval_lead_time(ctx: AgendaContext) -> Section | None:
    since = ctx.now - timedelta(days=STATS_DAYS)
    decided = (
        await ctx.session.scalars(
            select(ApprovalRequest).where(
                ApprovalRequest.decided_at.is_not(None),
                ApprovalRequest.decided_at >= since,
                ApprovalRequest.decided_at <= ctx.now,
            )
        )
    ).all()
    heading = ctx.t("meeting.agenda.lead_time")
    if not decided:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.no_decisions')}")
    leads = [r.decided_at - r.created_at for r in decided if r.decided_at is not None]
    median = timedelta(seconds=statistics.median(d.total_seconds() for d in leads))
    lines = [ctx.t("meeting.agenda.median", age=ctx.age(median), n=len(leads))]
    waits: dict[int, timedelta] = {}
    rows = await ctx.session.execute(
        select(Decision.person_id, Decision.decided_at, ApprovalRequest.created_at)
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(Decision.decided_at >= since, Decision.decided_at <= ctx.now)
    )
    for person_id, decided_at, created_at in rows.all():
        waits[person_id] = max(waits.get(person_id, timedelta(0)), decided_at - created_at)
    if waits:
        slowest = max(waits, key=lambda p: (waits[p], -p))
        name = (await ctx.names([slowest])).get(slowest, "?")
        lines.append(ctx.t("meeting.agenda.longest", name=name, age=ctx.age(waits[slowest])))
    return block(heading, lines)


# --- each contributor's open items -------------------------------------------------------------


@open_items
async def awaiting_you(ctx: AgendaContext, person: Person) -> list[str]:
    requests = await pending_approvals_for(session=ctx.session, person=person)
    lines = []
    for request in requests:
        if any(d.person_id == person.id for d in request.decisions):
            continue
        item = await ctx.session.get_one(ContentItem, request.item_id)
        line = ctx.t(
            "meeting.items.awaiting_you",
            id=item.id,
            title=item.title,
            age=ctx.age(ctx.now - request.created_at),
        )
        if request.due_at is not None and request.due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return lines


@open_items
async def your_submissions(ctx: AgendaContext, person: Person) -> list[str]:
    items = (
        await ctx.session.scalars(
            select(ContentItem)
            .where(
                ContentItem.submitter_id == person.id,
                ContentItem.status == states.ITEM_IN_REVIEW,
            )
            .order_by(ContentItem.created_at)
        )
    ).all()
    return [
        ctx.t(
            "meeting.items.your_submission",
            id=item.id,
            title=item.title,
            age=ctx.age(ctx.now - item.created_at),
        )
        for item in items
    ]
