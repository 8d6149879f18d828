"""Agenda sections for the features next door: an open crisis and open content requests.

They read those features' tables directly (statuses as the features define them), so the
meeting depends on their data, not on their code.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.meeting.agenda import AgendaContext, agenda_section, block, open_items
from bot.messages import Section
from storage.models import ContentRequest, Crisis, Person

CRISIS_OPEN = "open"
REQUEST_ACTIVE = ("open", "accepted")
LIST_LIMIT = 15


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
    requests = (
        await ctx.session.scalars(
            select(ContentRequest)
            .where(ContentRequest.status.in_(REQUEST_ACTIVE))
            .order_by(ContentRequest.due_at, ContentRequest.id)
        )
    ).all()
    heading = ctx.t("meeting.agenda.requests")
    if not requests:
        return Section(text=f"{heading}\n{ctx.t('meeting.agenda.nothing')}")
    names = await ctx.names(sorted({r.assignee_id for r in requests}))
    lines = []
    for request in requests[:LIST_LIMIT]:
        line = ctx.t(
            "meeting.agenda.request_line",
            id=request.id,
            what=request.what,
            assignee=names.get(request.assignee_id, "?"),
            due=ctx.when(request.due_at),
        )
        if request.due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return block(heading, lines, max(0, len(requests) - LIST_LIMIT))


@open_items
async def requests_due(ctx: AgendaContext, person: Person) -> list[str]:
    requests = (
        await ctx.session.scalars(
            select(ContentRequest)
            .where(
                ContentRequest.assignee_id == person.id,
                ContentRequest.status.in_(REQUEST_ACTIVE),
            )
            .order_by(ContentRequest.due_at)
        )
    ).all()
    lines = []
    for request in requests:
        line = ctx.t(
            "meeting.items.request_due",
            id=request.id,
            what=request.what,
            due=ctx.when(request.due_at),
        )
        if request.due_at < ctx.now:
            line += " " + ctx.t("meeting.agenda.overdue")
        lines.append(line)
    return lines
