"""`help`: the commands, in the reader's language."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Message, Section
from bot.registry import command, listed_commands


def help_message(ctx: Context) -> Message:
    lines = [ctx.t(spec.usage_key) for spec in listed_commands()]
    return Message(text=ctx.t("help.title"), sections=[Section(text="\n".join(lines))])


@command("help", usage_key="help.usage", aliases=("hilfe", "?"))
async def show_help(ctx: Context, args: str) -> None:
    ctx.reply(help_message(ctx))


async def unknown_command(ctx: Context, name: str) -> None:
    message = help_message(ctx)
    ctx.reply(message.model_copy(update={"text": ctx.t("help.unknown", name=name)}))


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
