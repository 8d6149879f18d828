"""`/desk people` and `/desk reload`: who socialdesk knows, and taking up a changed
organisation file on demand. Both for the social media managers."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.context import Context
from bot.events import Command
from bot.messages import Fact, Message, Section
from bot.org.reload import broken_message, changes_message, reloader_for
from bot.orgconfig import ConfigError
from bot.people.service import person_for_reference
from bot.publishing.who import is_manager
from bot.registry import command
from storage.models import Person, PlatformIdentity

PLATFORM_NAMES = {"slack": "Slack", "teams": "Teams"}


async def _platforms(ctx: Context) -> dict[int, list[str]]:
    """Where each person has been reached: their platform identities, in one query."""
    rows = await ctx.session.execute(
        select(PlatformIdentity.person_id, PlatformIdentity.platform).order_by(
            PlatformIdentity.platform
        )
    )
    found: dict[int, list[str]] = {}
    for person_id, platform in rows.all():
        found.setdefault(person_id, []).append(PLATFORM_NAMES.get(platform, platform))
    return found


def _line(ctx: Context, person: Person, platforms: list[str]) -> str:
    roles = ", ".join(ctx.org.role_name(r) for r in sorted(person.role_names))
    parts = [f"{person.name} (`{person.handle}`)"]
    if roles:
        parts.append(roles)
    parts.append(", ".join(platforms) if platforms else ctx.t("people.not_reached"))
    if not person.active:
        parts.append(ctx.t("people.inactive"))
    return " · ".join(parts)


async def overview(ctx: Context) -> Message:
    """Everyone known, by department (as the organisation file places them)."""
    people = (await ctx.session.scalars(select(Person).order_by(Person.name))).all()
    platforms = await _platforms(ctx)
    sections: list[Section] = []
    placed: set[str] = set()
    by_handle = {p.handle: p for p in people}
    for dept in ctx.org.departments:
        handles = [dept.lead, *[m for m in dept.members if m != dept.lead]]
        items = [
            _line(ctx, by_handle[h], platforms.get(by_handle[h].id, []))
            for h in handles
            if h in by_handle
        ]
        placed.update(handles)
        sections.append(Section(text=f"*{dept.name}* (`{dept.id}`)", items=items))
    rest = [_line(ctx, p, platforms.get(p.id, [])) for p in people if p.handle not in placed]
    if rest:
        sections.append(Section(text=ctx.t("people.no_department"), items=rest))
    active = sum(1 for p in people if p.active)
    return Message(text=ctx.t("people.title", n=active), sections=sections)


async def one(ctx: Context, person: Person) -> Message:
    identities = (
        await ctx.session.scalars(
            select(PlatformIdentity)
            .where(PlatformIdentity.person_id == person.id)
            .order_by(PlatformIdentity.platform)
        )
    ).all()
    dept = ctx.org.department_of(person.handle)
    reached = [
        PLATFORM_NAMES.get(i.platform, i.platform)
        + (f" ({ctx.t('people.seen', when=ctx.when(i.last_seen_at))})" if i.last_seen_at else "")
        for i in identities
    ]
    fields = [
        Fact(label=ctx.t("people.email"), value=person.email),
        Fact(label=ctx.t("people.department"), value=dept.name if dept else "–"),
        Fact(
            label=ctx.t("people.roles"),
            value=", ".join(ctx.org.role_name(r) for r in sorted(person.role_names)) or "–",
        ),
    ]
    text = f"{person.name} (`{person.handle}`)"
    if not person.active:
        text += " · " + ctx.t("people.inactive")
    return Message(
        text=text,
        fields=fields,
        sections=[
            Section(text=ctx.t("people.platforms"), items=reached or [ctx.t("people.not_reached")])
        ],
    )


@command("people", usage_key="people.usage", aliases=("leute",))
async def people(ctx: Context, args: str) -> None:
    if not is_manager(ctx.person):
        ctx.reply(ctx.t("people.managers_only"))
        return
    if not args.strip():
        ctx.reply(await overview(ctx))
        return
    mentions = ctx.event.mentions if isinstance(ctx.event, Command) else {}
    person = await person_for_reference(
        ctx.session, args, platform=ctx.event.actor.platform, mentions=mentions
    )
    if person is None:  # perhaps someone who left: they are still known by handle
        person = await ctx.session.scalar(
            select(Person).where(Person.handle == args.strip().removeprefix("@").lower())
        )
    ctx.reply(await one(ctx, person) if person else ctx.t("people.unknown", who=args.strip()))


@command("reload", usage_key="people.reload_usage")
async def reload(ctx: Context, args: str) -> None:
    """Validate and apply the organisation file in this event's transaction; the server
    switches to it once that committed, so an answer never claims what did not happen."""
    if not is_manager(ctx.person):
        ctx.reply(ctx.t("people.managers_only"))
        return
    reloader = reloader_for(ctx.session)
    if reloader is None:
        ctx.reply(ctx.t("people.reload_unavailable"))
        return
    try:
        new, changes = await reloader.prepare(ctx.session)
    except ConfigError as exc:
        ctx.reply(broken_message(ctx.locale, reloader.path, exc.problems))
        return
    event.listen(
        ctx.session.sync_session, "after_commit", lambda _: reloader.switch(new), once=True
    )
    ctx.reply(changes_message(ctx.locale, changes))
