"""`/desk departments`: who is where, who leads, and who contributed in the last 30 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.context import Context
from bot.messages import Message, Section
from bot.registry import command
from storage.models import ContentItem, ContentRequest, Person

WINDOW = timedelta(days=30)


@command("departments", usage_key="departments.usage", aliases=("abteilungen",))
async def departments(ctx: Context, args: str) -> None:
    since = ctx.now - WINDOW
    items = dict(
        (
            await ctx.session.execute(
                select(ContentItem.submitter_id, func.count())
                .where(ContentItem.created_at >= since)
                .group_by(ContentItem.submitter_id)
            )
        ).all()
    )
    delivered = dict(
        (
            await ctx.session.execute(
                select(ContentRequest.assignee_id, func.count())
                .where(ContentRequest.status == "delivered", ContentRequest.updated_at >= since)
                .group_by(ContentRequest.assignee_id)
            )
        ).all()
    )
    people = {p.handle: p for p in (await ctx.session.scalars(select(Person))).all() if p.active}

    def who(handle: str) -> str:
        person = people.get(handle)
        if person is None:
            return handle
        count = int(items.get(person.id, 0))
        return f"{person.name} ({ctx.t('departments.count', n=count)})"

    sections: list[Section] = []
    placed: set[str] = set()
    for dept in ctx.org.departments:
        handles = [dept.lead, *[m for m in dept.members if m != dept.lead]]
        placed.update(handles)
        ids = [people[h].id for h in handles if h in people]
        total = sum(int(items.get(i, 0)) for i in ids)
        answered = sum(int(delivered.get(i, 0)) for i in ids)
        members = [who(m) for m in dept.members if m != dept.lead]
        quiet = [people[h].name for h in handles if h in people and not items.get(people[h].id)]
        lines = [
            ctx.t("departments.lead", name=who(dept.lead)),
            ctx.t("departments.members", names=", ".join(members) or "–"),
            ctx.t("departments.total", n=total, requests=answered),
        ]
        if quiet:
            lines.append(ctx.t("departments.quiet", names=", ".join(quiet)))
        sections.append(Section(text=f"*{dept.name}* (`{dept.id}`)\n" + "\n".join(lines)))
    others = [who(h) for h in people if h not in placed]
    if others:
        sections.append(Section(text=ctx.t("departments.none") + "\n" + ", ".join(others)))
    ctx.reply(
        Message(
            text=ctx.t("departments.title"),
            sections=sections,
            context=ctx.t("departments.window", when=ctx.when(since)),
        )
    )
