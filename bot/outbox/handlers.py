"""`/desk outbox`: what could not be delivered, why, and a button to send each again.

For the social media managers only: the list names recipients and platform errors.
"""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.ids import parse_id
from bot.messages import Button, Message, Section
from bot.outbox import service
from bot.outbox.report import reason, recipient
from bot.people.service import people_map, reader_for
from bot.registry import action, command
from storage.models import OutboxMessage

RESEND = "outbox.resend"
SHOWN = 10  # one button per row: Slack allows 25 elements in an actions block
# A pending row is stuck once it waited this long (it should have gone out in seconds).
PENDING_SINCE = timedelta(minutes=10)


@command("outbox", usage_key="outbox.usage", aliases=("ausgang",))
async def show_outbox(ctx: Context, args: str) -> None:
    if not await _may_manage(ctx):
        ctx.reply(ctx.t("outbox.refused"))
        return
    rows, total = await service.stuck(
        ctx.session, now=ctx.now, pending_since=PENDING_SINCE, limit=SHOWN
    )
    if not rows:
        ctx.reply(ctx.t("outbox.view.nothing"))
        return
    ctx.reply(await _view(ctx, rows, total))


@action(RESEND)
async def resend(ctx: Context, value: str) -> None:
    if not await _may_manage(ctx):
        ctx.reply(ctx.t("outbox.refused"))
        return
    row_id = parse_id(value)
    row = await service.resend(ctx.session, row_id, now=ctx.now) if row_id else None
    if row is None:
        ctx.reply(ctx.t("outbox.resend.gone", id=value[:20]))
        return
    ctx.reply(ctx.t("outbox.resent", id=row.id))


async def _may_manage(ctx: Context) -> bool:
    return ctx.person in await service.managers(ctx.session, ctx.org)


async def _view(ctx: Context, rows: list[OutboxMessage], total: int) -> Message:
    reader = reader_for(ctx.person, ctx.org)
    people = await people_map(ctx.session, {r.person_id for r in rows if r.person_id})
    sections = [
        Section(
            text=ctx.t(
                "outbox.view.row",
                id=row.id,
                recipient=recipient(reader, row, people),
                status=ctx.t(f"outbox.status.{row.status}"),
                since=ctx.when(row.created_at),
                reason=reason(reader, row),
            )
        )
        for row in rows
    ]
    buttons = [
        Button(label=ctx.t("outbox.button.resend", id=row.id), action=RESEND, value=str(row.id))
        for row in rows
    ]
    more = ctx.t("outbox.view.more", n=len(rows), rest=total - len(rows))
    return Message(
        text=ctx.t("outbox.view.title", n=total),
        sections=sections,
        buttons=buttons,
        context=more if total > len(rows) else None,
    )
