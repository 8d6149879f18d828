"""The Home's own actions: the platform says it was opened, and the button to the board."""

from __future__ import annotations

from bot.board.handlers import send_sign_in_link
from bot.context import Context
from bot.home import refresh
from bot.home.page import HOME_OPENED, OPEN_BOARD
from bot.outbox.service import INTERACTIVE
from bot.people.service import identity_for
from bot.registry import action


@action(HOME_OPENED)
async def home_opened(ctx: Context, value: str) -> None:
    """From now on this person's Home is kept current; and it is shown as it is, at once."""
    actor = ctx.event.actor
    identity = await identity_for(ctx.session, actor.platform, actor.user_id)
    if identity is None:
        return
    if identity.home_opened_at is None:
        identity.home_opened_at = ctx.now
        await ctx.session.flush()
    await refresh.enqueue(ctx.session, [ctx.person.id], now=ctx.now, lane=INTERACTIVE)


@action(OPEN_BOARD)
async def open_board(ctx: Context, value: str) -> None:
    """What `/desk board` answers: the person's own sign-in link (bot/board)."""
    await send_sign_in_link(ctx)
