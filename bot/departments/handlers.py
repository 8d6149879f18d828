"""`/desk departments`: who is where, who leads, and who contributed in the last 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot import reporting
from bot.approvals.states import ITEM_DRAFT
from bot.context import Context
from bot.messages import Message, Section
from bot.orgconfig import DepartmentConfig
from bot.registry import command
from storage.models import ContentItem, ContentRequest, Person

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class _Counts:
    """Per active person (by handle): name, items submitted and requests delivered lately."""

    names: dict[str, str]
    items: dict[str, int]
    delivered: dict[str, int]


async def _counts(ctx: Context) -> _Counts:
    """Three grouped queries, whatever the number of items: people, items, delivered requests."""
    since = ctx.now - WINDOW
    people = (
        await ctx.session.execute(
            select(Person.id, Person.handle, Person.name).where(Person.active).order_by(Person.id)
        )
    ).all()
    items = {
        pid: n
        for pid, n in await ctx.session.execute(
            select(ContentItem.submitter_id, func.count())
            .where(ContentItem.created_at >= since, ContentItem.status != ITEM_DRAFT)
            .group_by(ContentItem.submitter_id)
        )
    }
    delivered = {
        pid: n
        for pid, n in await ctx.session.execute(
            select(ContentRequest.assignee_id, func.count())
            .where(ContentRequest.status == "delivered", ContentRequest.updated_at >= since)
            .group_by(ContentRequest.assignee_id)
        )
    }
    return _Counts(
        names={handle: name for _, handle, name in people},
        items={handle: int(items.get(pid, 0)) for pid, handle, _ in people},
        delivered={handle: int(delivered.get(pid, 0)) for pid, handle, _ in people},
    )


def _listed(ctx: Context, names: list[str]) -> str:
    """A comma-separated list, cut after the first few with how many more there are."""
    shown = reporting.with_more(ctx.locale, names[: reporting.LIMIT], len(names))
    return ", ".join(shown) or "–"


def _who(ctx: Context, counts: _Counts, handle: str) -> str:
    if handle not in counts.names:
        return handle
    n = reporting.format_number(counts.items[handle], ctx.locale)
    return f"{counts.names[handle]} ({ctx.t('departments.count', n=n)})"


def _department(ctx: Context, counts: _Counts, dept: DepartmentConfig) -> Section:
    handles = [dept.lead, *[m for m in dept.members if m != dept.lead]]
    active = [h for h in handles if h in counts.names]
    total = sum(counts.items[h] for h in active)
    answered = sum(counts.delivered[h] for h in active)
    quiet = [counts.names[h] for h in active if not counts.items[h]]
    lines = [
        ctx.t("departments.lead", name=_who(ctx, counts, dept.lead)),
        ctx.t(
            "departments.members",
            names=_listed(ctx, [_who(ctx, counts, m) for m in dept.members if m != dept.lead]),
        ),
        ctx.t(
            "departments.total",
            n=reporting.format_number(total, ctx.locale),
            requests=reporting.format_number(answered, ctx.locale),
        ),
    ]
    if quiet:
        lines.append(ctx.t("departments.quiet", names=_listed(ctx, quiet)))
    return Section(text=f"*{dept.name}* (`{dept.id}`)", items=lines)


async def overview(ctx: Context) -> Message:
    """Every department with its people and what they contributed lately; then the rest."""
    counts = await _counts(ctx)
    sections = [_department(ctx, counts, dept) for dept in ctx.org.departments]
    placed = {h for dept in ctx.org.departments for h in (dept.lead, *dept.members)}
    others = [_who(ctx, counts, h) for h in counts.names if h not in placed]
    if others:
        sections.append(Section(text=ctx.t("departments.none") + " " + _listed(ctx, others)))
    return Message(
        text=ctx.t("departments.title"),
        sections=sections,
        context=ctx.t("departments.window", when=ctx.when(ctx.now - WINDOW)),
    )


@command("departments", usage_key="departments.usage", aliases=("abteilungen",))
async def departments(ctx: Context, args: str) -> None:
    ctx.reply(await overview(ctx))
