"""`/desk board` (Teams: `board`): a personal sign-in link to the desk board, for one use."""

from __future__ import annotations

from bot.board import links, signin
from bot.context import Context
from bot.messages import Link, Message, Section
from bot.registry import command


@command("board", usage_key="board.usage")
async def board_command(ctx: Context, args: str) -> None:
    await send_sign_in_link(ctx)


async def send_sign_in_link(ctx: Context) -> None:
    """Answer the person with a fresh link (also the App Home's *Board öffnen*). The link is
    shown once and only to them: their chat with the bot, or an answer only they see."""
    if links.board_url() is None:
        ctx.reply(ctx.t("board.signin.off"))
        return
    token = await signin.issue_link(ctx.session, ctx.person, now=ctx.now)
    url = links.sign_in_url(token)
    assert url is not None
    minutes = int(signin.LINK_LIFETIME.total_seconds() // 60)
    ctx.reply(
        Message(
            text=ctx.t("board.signin.title"),
            sections=[
                Section(
                    text=ctx.t("board.signin.body", minutes=minutes),
                    link=Link(label=ctx.t("board.signin.open"), url=url),
                )
            ],
            context=ctx.t("board.signin.private"),
        )
    )
