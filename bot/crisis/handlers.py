"""`/crisis …`, its buttons, and its timers (re-paging, update reminders)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.crisis import service, views
from bot.crisis.service import Refused
from bot.forms import open_form
from bot.ids import looks_like_id, parse_id
from bot.messages import Message, Section
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import people_map
from bot.registry import action, command
from bot.timers.service import TimerContext, on_timer, planner
from storage.models import Crisis

PARALLEL = re.compile(r"(^|\s)--parallel(?=\s|$)")
SUBCOMMANDS = {
    "status": "status",
    "lage": "status",
    "update": "update",
    "statement": "statement",
    "stellungnahme": "statement",
    "resolve": "resolve",
    "beenden": "resolve",
    "report": "report",
    "check": "check",
    "abhaken": "check",
    "bericht": "report",
    "help": "help",
    "hilfe": "help",
}


@command("crisis", usage_key="crisis.usage", aliases=("krise",))
async def crisis_command(ctx: Context, args: str) -> None:
    first, _, rest = args.strip().partition(" ")
    sub = SUBCOMMANDS.get(first.lower())
    try:
        if ctx.org.crisis is None:
            raise Refused("crisis.not_configured")
        if not args.strip() or sub == "help":
            ctx.reply(_help(ctx))
        elif sub is None:
            await _declare(ctx, args)
        elif sub == "status":
            await _status(ctx, rest)
        elif sub == "update":
            await _update(ctx, rest.strip())
        elif sub == "statement":
            await _statement(ctx, rest.strip())
        elif sub == "resolve":
            await _resolve(ctx, rest.strip())
        elif sub == "check":
            await _check(ctx, rest.split())
        else:
            await _report(ctx, rest)
    except Refused as refusal:
        ctx.reply(ctx.t(refusal.key, **refusal.params))


def _help(ctx: Context) -> Message:
    return Message(text=ctx.t("crisis.help.title"), sections=[Section(text=ctx.t("crisis.help"))])


async def _declare(ctx: Context, args: str) -> None:
    parallel = bool(PARALLEL.search(args))
    description = PARALLEL.sub(" ", args).strip()
    if not description:
        ctx.reply(_help(ctx))
        return
    try:
        declared = await _declare_as(ctx, description, parallel)
    except Refused as refusal:
        if refusal.key != "crisis.refused":
            raise
        ctx.reply(views.refused(service.reader(ctx.org, ctx.person), description))
        return
    crisis = declared.crisis
    if declared.room_off:
        room = ctx.t("crisis.declared.room_off", platform=declared.room_off.capitalize())
    elif crisis.room_platform == "slack":
        room = f"#{crisis.room_name}"
    else:
        room = crisis.room_name or ctx.t("crisis.declared.no_room")
    ctx.reply(
        ctx.t(
            "crisis.declared",
            id=crisis.id,
            room=room,
            team=", ".join(p.name for p in declared.team),
            frozen=declared.frozen,
            held=declared.held,
        )
    )


async def _declare_as(ctx: Context, description: str, parallel: bool) -> service.Declared:
    return await service.declare(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        description=description,
        now=ctx.now,
        parallel=parallel,
        platforms=ctx.platforms,
    )


async def _status(ctx: Context, rest: str) -> None:
    crisis = await _pick(ctx, rest, open_only=True)
    f = await service.facts(ctx.session, ctx.org, crisis, ctx.now)
    ctx.reply(views.status(service.reader(ctx.org, ctx.person), f))


async def _report(ctx: Context, rest: str) -> None:
    crisis = await _pick(ctx, rest, open_only=False)
    f = await service.facts(ctx.session, ctx.org, crisis, ctx.now)
    r = service.reader(ctx.org, ctx.person)
    ctx.reply(views.with_file(r, views.report_message(r, f), service.report_file(r, f)))


async def _pick(ctx: Context, rest: str, *, open_only: bool) -> Crisis:
    assert ctx.org.crisis is not None
    if not await service.may_act(ctx.session, ctx.org.crisis, ctx.person):
        raise Refused("crisis.not_allowed")
    number = rest.strip().lstrip("#")
    crisis_id = parse_id(number)
    if crisis_id is None and looks_like_id(number):
        raise Refused("crisis.unknown")
    crisis = await service.find(ctx.session, crisis_id, open_only=open_only and crisis_id is None)
    if crisis is None:
        raise Refused("crisis.none_open" if open_only else "crisis.none")
    return crisis


async def _update(ctx: Context, text: str) -> None:
    if not text:
        ctx.reply(ctx.t("crisis.update.explain"))
        return
    crisis = await service.post_update(
        session=ctx.session, org=ctx.org, person=ctx.person, text=text, now=ctx.now
    )
    ctx.reply(ctx.t("crisis.update.done", id=crisis.id))


async def _statement(ctx: Context, text: str) -> None:
    if not text:
        ctx.reply(ctx.t("crisis.statement.explain"))
        return
    crisis, item, request = await service.submit_statement(
        session=ctx.session, org=ctx.org, person=ctx.person, text=text, now=ctx.now
    )
    people = await people_map(ctx.session, request.approver_ids)
    ctx.reply(
        ctx.t(
            "crisis.statement.done",
            id=item.id,
            crisis=crisis.id,
            names=", ".join(p.name for p in people.values()),
        )
    )


async def _check(ctx: Context, words: list[str]) -> None:
    """`/crisis check N` ticks item N of the open crisis's checklist (`check 1 LEVEL` for
    the severity); the protocol card updates in place, as with its buttons."""
    number = parse_id(words[0]) if words else None
    item = views.CHECKLIST[number - 1] if number and number <= len(views.CHECKLIST) else None
    level = words[1] if len(words) > 1 else None
    valid = item is not None and (
        (item == views.SEVERITY and level in views.SEVERITIES)
        or (item != views.SEVERITY and level is None)
    )
    if item is None or not valid:
        ctx.reply(ctx.t("crisis.check.usage", n=len(views.CHECKLIST)))
        return
    if not await _ticked(ctx, None, item, level):
        return
    label = ctx.t(f"crisis.check.{item}")
    if level:
        label = ctx.t("crisis.check.severity_done", level=level)
    ctx.reply(ctx.t("crisis.check.done", label=label))


async def _resolve(ctx: Context, summary: str) -> None:
    if not summary:
        ctx.reply(ctx.t("crisis.resolve.explain"))
        return
    crisis = await service.resolve(
        session=ctx.session, org=ctx.org, person=ctx.person, summary=summary, now=ctx.now
    )
    statements = await service.open_statements(ctx.session, crisis)
    ctx.reply(views.resolved(service.reader(ctx.org, ctx.person), crisis, statements))


# --- buttons -----------------------------------------------------------------------------


def _id(value: str) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise Refused("crisis.unknown")
    return parsed


async def _guarded(ctx: Context, work: object) -> None:
    try:
        await work  # type: ignore[misc]
    except Refused as refusal:
        ctx.reply(ctx.t(refusal.key, **refusal.params))


@action(views.ACK)
async def acknowledge(ctx: Context, value: str) -> None:
    async def work() -> None:
        crisis, m = await service.acknowledge(
            session=ctx.session, org=ctx.org, crisis_id=_id(value), person=ctx.person, now=ctx.now
        )
        assert m.acked_at is not None
        if m.acked_at == ctx.now:
            ctx.reply(ctx.t("crisis.ack.done", id=crisis.id))
        else:
            ctx.reply(ctx.t("crisis.ack.already", when=ctx.when(m.acked_at)))

    await _guarded(ctx, work())


def _register_checks() -> None:
    for item in views.CHECKLIST:
        if item == views.SEVERITY:
            continue

        async def tick(ctx: Context, value: str, item: str = item) -> None:
            await _tick(ctx, value, item, None)

        action(views.check_action(item))(tick)
    for level in views.SEVERITIES:

        async def assess(ctx: Context, value: str, level: str = level) -> None:
            await _tick(ctx, value, views.SEVERITY, level)

        action(views.severity_action(level))(assess)


async def _tick(ctx: Context, value: str, item: str, level: str | None) -> None:
    async def work() -> None:
        await _ticked(ctx, _id(value), item, level)

    await _guarded(ctx, work())


async def _ticked(ctx: Context, crisis_id: int | None, item: str, level: str | None) -> bool:
    """Tick the item (the protocol card updates); False, with who was first, if it was
    ticked already."""
    _crisis, done = await service.check(
        session=ctx.session,
        org=ctx.org,
        crisis_id=crisis_id,
        person=ctx.person,
        item=item,
        now=ctx.now,
        value=level,
    )
    if done.done_at != ctx.now or done.done_by_id != ctx.person.id:
        ctx.reply(ctx.t("crisis.check.already", when=ctx.when(done.done_at)))
        return False
    return True


_register_checks()


@action(views.RESUME_ALL)
async def resume_all(ctx: Context, value: str) -> None:
    async def work() -> None:
        crisis, resumed = await service.resume(
            session=ctx.session, org=ctx.org, crisis_id=_id(value), person=ctx.person, now=ctx.now
        )
        ctx.reply(ctx.t("crisis.resume.all_done", id=crisis.id, n=len(resumed)))

    await _guarded(ctx, work())


@action(views.RESUME_SOME)
async def resume_some(ctx: Context, value: str) -> None:
    """One card per frozen item, each with its own [Resume] button."""

    async def work() -> None:
        crisis = await service._manager_crisis(ctx.session, ctx.org, _id(value), ctx.person)
        pairs = await service.frozen_links(ctx.session, crisis, (service.FROZEN, service.KEPT))
        if not pairs:
            ctx.reply(ctx.t("crisis.resume.nothing"))
            return
        r = service.reader(ctx.org, ctx.person)
        ctx.reply(ctx.t("crisis.resume.pick", n=len(pairs)))
        for _link, item in pairs:
            outbox.post_to_person(
                ctx.session,
                ctx.person,
                views.resume_item(r, crisis, item),
                now=ctx.now,
                key=service.resume_card_key(crisis, item.id, ctx.person.id),
            )

    await _guarded(ctx, work())


@action(views.RESUME_ITEM)
async def resume_item(ctx: Context, value: str) -> None:
    async def work() -> None:
        crisis_part, _, item_part = value.partition(":")
        _crisis, resumed = await service.resume(
            session=ctx.session,
            org=ctx.org,
            crisis_id=_id(crisis_part),
            person=ctx.person,
            now=ctx.now,
            item_id=_id(item_part),
        )
        if not resumed:
            ctx.reply(ctx.t("crisis.resume.not_frozen", id=item_part))

    await _guarded(ctx, work())


@action(views.KEEP_FROZEN)
async def keep_frozen(ctx: Context, value: str) -> None:
    async def work() -> None:
        crisis, n = await service.keep_frozen(
            session=ctx.session, org=ctx.org, crisis_id=_id(value), person=ctx.person, now=ctx.now
        )
        ctx.reply(ctx.t("crisis.keep.done", id=crisis.id, n=n))

    await _guarded(ctx, work())


@action(views.STATEMENT_WITHDRAW)
async def statement_withdraw(ctx: Context, value: str) -> None:
    await _settle(ctx, value, withdraw=True)


@action(views.STATEMENT_CONTINUE)
async def statement_continue(ctx: Context, value: str) -> None:
    await _settle(ctx, value, withdraw=False)


async def _settle(ctx: Context, value: str, *, withdraw: bool) -> None:
    async def work() -> None:
        crisis_part, _, item_part = value.partition(":")
        _crisis, item = await service.settle_statement(
            session=ctx.session,
            org=ctx.org,
            crisis_id=_id(crisis_part),
            item_id=_id(item_part),
            person=ctx.person,
            withdraw=withdraw,
            now=ctx.now,
        )
        key = "crisis.statement.withdrawn_done" if withdraw else "crisis.statement.handed_over_done"
        ctx.reply(ctx.t(key, id=item.id, title=item.title))

    await _guarded(ctx, work())


@action(views.SUSPECT)
async def suspect(ctx: Context, value: str) -> None:
    """*Verdacht melden* on a refusal: ask for a note, prefilled with what they typed."""
    open_form(ctx, views.suspect_form(service.reader(ctx.org, ctx.person), value))


@action(views.SUSPECT_SUBMIT)
async def suspect_submit(ctx: Context, value: str) -> None:
    inputs = getattr(ctx.event, "inputs", {}) or {}
    note = str(inputs.get(views.NOTE, "")).strip()
    if not note:
        ctx.reply(ctx.t("crisis.suspect.empty"))
        open_form(ctx, views.suspect_form(service.reader(ctx.org, ctx.person), value))
        return

    async def work() -> None:
        told = await service.report_suspicion(
            session=ctx.session, org=ctx.org, person=ctx.person, note=note, now=ctx.now
        )
        ctx.reply(ctx.t("crisis.suspect.done", names=", ".join(p.name for p in told)))

    await _guarded(ctx, work())


# --- timers ------------------------------------------------------------------------------


@on_timer(service.REPAGE)
async def repage(ctx: TimerContext) -> None:
    payload = ctx.timer.payload
    await service.repage_due(
        session=ctx.session,
        org=ctx.org,
        crisis_id=int(payload["crisis_id"]),
        person_id=int(payload["person_id"]),
        now=ctx.now,
    )


@on_timer(service.UPDATE_DUE)
async def update_due(ctx: TimerContext) -> None:
    await service.update_due(
        session=ctx.session, org=ctx.org, crisis_id=int(ctx.timer.payload["crisis_id"]), now=ctx.now
    )


@planner
async def follow_statements(session: AsyncSession, org: OrgConfig, now: datetime) -> None:
    if org.crisis is not None:
        await service.follow_statements(session, org, now)
