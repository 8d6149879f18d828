"""Agenda sections for the features next door: an open crisis, open content requests and the
time from submission to live.

They read those features' tables directly (statuses as the features define them), so the
meeting depends on their data, not on their code.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.meeting.agenda import (
    LIST_LIMIT,
    STATS_DAYS,
    AgendaContext,
    agenda_section,
    block,
    open_items,
)
from bot.messages import Section
from bot.publishing import reports as publishing_reports
from bot.reporting.sql import first_and_total
from storage.models import ContentRequest, Crisis, Person

CRISIS_OPEN = "open"
REQUEST_ACTIVE = ("open", "accepted")


@agenda_section(order=5)
async def open_crisis(ctx: AgendaContext) -> Section | None:
    crises = (
        await ctx.session.scalars(
            select(Crisis).where(Crisis.status == CRISIS_OPEN).order_by(Crisis.declared_at)
        )
    ).all()
    if not crises:
        return None
    lines = [
        ctx.t(
            "meeting.agenda.crisis_line",
            id=c.id,
            description=c.description,
            age=ctx.age(ctx.now - c.declared_at),
        )
        for c in crises
    ]
    return block(ctx.t("meeting.agenda.crisis"), lines)


@agenda_section(order=40)
async def open_requests(ctx: AgendaContext) -> Section:
    """Open content requests, soonest deadline first; the rest counted."""
    rows, total = await first_and_total(
        ctx.session,
        select(ContentRequest.id, ContentRequest.what, ContentRequest.due_at, Person.name)
        .join(Person, Person.id == ContentRequest.assignee_id)
        .where(ContentRequest.status.in_(REQUEST_ACTIVE))
        .order_by(ContentRequest.due_at, ContentRequest.id),
        LIST_LIMIT,
    )
    heading = ctx.t("meeting.agenda.requests")
    if not rows:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    lines = []
    for request_id, what, due_at, assignee in rows:
        line = ctx.t(
            "meeting.agenda.request_line",
            id=request_id,
            what=what,
            assignee=assignee,
            due=ctx.when(due_at),
        )
        if due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return block(heading, lines, ctx.more(len(rows), total))


@open_items
async def requests_due(ctx: AgendaContext, person: Person) -> list[str]:
    rows, total = await first_and_total(
        ctx.session,
        select(ContentRequest.id, ContentRequest.what, ContentRequest.due_at)
        .where(
            ContentRequest.assignee_id == person.id,
            ContentRequest.status.in_(REQUEST_ACTIVE),
        )
        .order_by(ContentRequest.due_at, ContentRequest.id),
        LIST_LIMIT,
    )
    lines = []
    for request_id, what, due_at in rows:
        line = ctx.t("meeting.items.request_due", id=request_id, what=what, due=ctx.when(due_at))
        if due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return ctx.cut(lines, total)


@agenda_section(order=95)
async def time_to_live(ctx: AgendaContext) -> list[Section]:
    """How long the past week's postings took from submission to live, and which went out
    later than wished (the query `/desk stats` shows over all time)."""
    sections = await publishing_reports.live_sections(
        ctx.session,
        ctx,
        channels={c.id: c.name for c in ctx.org.channels},
        departments={d.id: d.name for d in ctx.org.departments},
        since=ctx.now - timedelta(days=STATS_DAYS),
    )
    return [Section(text=ctx.t("meeting.agenda.live")), *sections] if sections else []
