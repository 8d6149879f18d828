"""`help`: the commands, in the reader's language; a typo gets the closest command instead."""

from __future__ import annotations

from difflib import get_close_matches

from bot.context import Context
from bot.messages import Message, Section
from bot.registry import COMMANDS, command, listed_commands


def help_message(ctx: Context) -> Message:
    lines = [ctx.t(spec.usage_key) for spec in listed_commands()]
    return Message(text=ctx.t("help.title"), sections=[Section(items=lines)])


@command("help", usage_key="help.usage", aliases=("hilfe", "?"))
async def show_help(ctx: Context, args: str) -> None:
    ctx.reply(help_message(ctx))


def closest_command(name: str) -> str | None:
    """The registered command or alias nearest to a typo (`statsu` → `status`), if any is."""
    matches = get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
    return matches[0] if matches else None


async def unknown_command(ctx: Context, name: str) -> None:
    """One line that helps rather than the whole help: the likely command and how it goes."""
    suggestion = closest_command(name)
    if suggestion is None:
        ctx.reply(ctx.t("help.unknown", name=name))
        return
    usage = ctx.t(COMMANDS[suggestion].usage_key)
    ctx.reply(
        Message(
            text=ctx.t("help.did_you_mean", name=name, suggestion=suggestion),
            sections=[Section(text=usage)],
            context=ctx.t("help.all_commands"),
        )
    )


async def welcome(ctx: Context) -> None:
    """First contact (the bot was installed, or the person was added): hello and the commands."""
    message = help_message(ctx)
    ctx.reply(
        message.model_copy(
            update={
                "text": ctx.t("help.welcome", name=ctx.person.name),
                "context": ctx.t("help.welcome_hint"),
            }
        )
    )
