"""`/desk status`: one answer assembled from sections that features contribute.

A feature adds what a person should know about it with

    @status_section(order=20)
    async def my_things(ctx: Context) -> list[Section]: ...

(an empty list when there is nothing to say). Sections appear in `order`, then registration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.context import Context
from bot.messages import Message, Section
from bot.registry import command

StatusSection = Callable[[Context], Awaitable[list[Section]]]
SECTIONS: list[tuple[int, int, StatusSection]] = []


def status_section(order: int = 100) -> Callable[[StatusSection], StatusSection]:
    def register(fn: StatusSection) -> StatusSection:
        SECTIONS.append((order, len(SECTIONS), fn))
        return fn

    return register


async def status_message(ctx: Context) -> Message:
    sections: list[Section] = []
    for _, _, fn in sorted(SECTIONS, key=lambda entry: (entry[0], entry[1])):
        sections.extend(await fn(ctx))
    if not sections:
        return Message(text=ctx.t("status.title"), context=ctx.t("status.nothing"))
    return Message(text=ctx.t("status.title"), sections=sections)


@command("status", usage_key="status.usage", aliases=("stand",))
async def show_status(ctx: Context, args: str) -> None:
    ctx.reply(await status_message(ctx))
