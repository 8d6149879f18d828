"""`/submit` and the Approve / Reject buttons."""

from __future__ import annotations

from sqlalchemy import select

from bot.approvals import service, states, views
from bot.approvals.notify import reader_for
from bot.context import Context
from bot.registry import action, command
from storage.models import Person


@command("submit", usage_key="approvals.usage.submit", aliases=("einreichen",))
async def submit(ctx: Context, args: str) -> None:
    if not args:
        ctx.reply(ctx.t("approvals.submit.explain"))
        return
    item, request = await service.submit(
        session=ctx.session, org=ctx.org, submitter=ctx.person, text=args, now=ctx.now
    )
    stages = [s.name for s in ctx.org.approval_paths[item.approval_path].stages]
    first = await _people(ctx, request.approver_ids)
    ctx.reply(views.submitted(reader_for(ctx.person, ctx.org), item, stages, first))


@action(views.APPROVE)
async def approve(ctx: Context, value: str) -> None:
    await _decide(ctx, value, states.APPROVED)


@action(views.REJECT)
async def reject(ctx: Context, value: str) -> None:
    await _decide(ctx, value, states.REJECTED)


async def _decide(ctx: Context, value: str, outcome: str) -> None:
    try:
        result = await service.decide(
            session=ctx.session,
            org=ctx.org,
            request_id=int(value),
            person=ctx.person,
            outcome=outcome,
            now=ctx.now,
        )
    except (ValueError, service.RequestNotFound):
        ctx.reply(ctx.t("approvals.request_unknown"))
        return
    request = result.request
    if result.status == "not_approver":
        names = ", ".join(p.name for p in await _people(ctx, request.approver_ids))
        ctx.reply(ctx.t("approvals.not_approver", stage=request.stage_name, names=names))
    elif result.status == "already_decided":
        first = request.decisions[0] if request.decisions else None
        mine = next((d for d in request.decisions if d.person_id == ctx.person.id), first)
        if mine is None:
            ctx.reply(ctx.t("approvals.request_unknown"))
            return
        who = await ctx.session.get_one(Person, mine.person_id)
        ctx.reply(
            ctx.t(
                "approvals.already_decided",
                outcome=ctx.t(f"approvals.outcome.{mine.outcome}"),
                name=who.name,
                when=ctx.when(mine.decided_at),
            )
        )


async def _people(ctx: Context, ids: list[int]) -> list[Person]:
    rows = await ctx.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))
    return list(rows.all())
