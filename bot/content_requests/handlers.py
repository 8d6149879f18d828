"""`/request <department or @person> <what> by <when> [because <why>]` and its buttons."""

from __future__ import annotations

from bot.content_requests import service, views
from bot.context import Context
from bot.events import Command
from bot.forms import Form, TextInput, open_form
from bot.ids import parse_id
from bot.messages import Message, Section
from bot.people.service import people_by_id
from bot.registry import action, command
from bot.status import status_section
from bot.timers.service import TimerContext, on_timer
from storage.models import ContentRequest, Person


@command("request", usage_key="requests.usage", aliases=("anfrage", "requests", "anfragen"))
async def request(ctx: Context, args: str) -> None:
    if not args.strip():
        await _show_open(ctx, with_usage=True)
        return
    parsed = service.parse(args, now=ctx.now, tz=ctx.org.organization.tz)
    if isinstance(parsed, str):
        ctx.reply(Message(text=ctx.t(parsed), context=ctx.t("requests.usage.example")))
        return
    assignee, department = await service.resolve_target(
        session=ctx.session,
        org=ctx.org,
        platform=ctx.event.actor.platform,
        target=parsed.target,
        mentions=ctx.event.mentions if isinstance(ctx.event, Command) else {},
    )
    if assignee is None:
        departments = ", ".join(f"`{d.id}`" for d in ctx.org.departments)
        ctx.reply(ctx.t("requests.unknown_target", target=parsed.target, departments=departments))
        return
    created = await service.create(
        session=ctx.session,
        org=ctx.org,
        requester=ctx.person,
        assignee=assignee,
        department=department,
        what=parsed.what,
        why=parsed.why,
        due_at=parsed.due_at,
        now=ctx.now,
    )
    facts = await views.facts(ctx.session, created)
    ctx.reply(views.created(views.reader(ctx.person, ctx.org), facts))


async def _open_sections(ctx: Context) -> list[Section]:
    mine, theirs = await service.open_requests(session=ctx.session, person=ctx.person)
    ids = {r.requester_id for r in theirs} | {r.assignee_id for r in mine}
    names = {p.id: p.name for p in await people_by_id(ctx.session, ids)}
    return views.listing(views.reader(ctx.person, ctx.org), mine, theirs, names)


@status_section(order=40)
async def open_requests_status(ctx: Context) -> list[Section]:
    """Open content requests in `/desk status`, both ways, under a heading."""
    sections = await _open_sections(ctx)
    if not sections:
        return []
    head = Section(text=f"*{ctx.t('requests.list.title')}*")
    return [head, *sections]


async def _show_open(ctx: Context, *, with_usage: bool) -> None:
    sections = await _open_sections(ctx)
    text = ctx.t("requests.list.title") if sections else ctx.t("requests.list.none")
    ctx.reply(
        Message(
            text=text,
            sections=sections,
            context=ctx.t("requests.usage.example") if with_usage else None,
        )
    )


async def _assigned(ctx: Context, value: str) -> ContentRequest | None:
    request_id = parse_id(value)
    found = None if request_id is None else await ctx.session.get(ContentRequest, request_id)
    if found is None:
        ctx.reply(ctx.t("requests.unknown"))
        return None
    if found.assignee_id != ctx.person.id:
        assignee = await ctx.session.get_one(Person, found.assignee_id)
        ctx.reply(ctx.t("requests.not_yours", name=assignee.name))
        return None
    if found.status not in service.ACTIVE:
        ctx.reply(ctx.t("requests.closed", status=ctx.t(f"requests.state.{found.status}")))
        return None
    return found


@action(views.ACCEPT)
async def accept(ctx: Context, value: str) -> None:
    found = await _assigned(ctx, value)
    if found is not None:
        await service.accept(session=ctx.session, org=ctx.org, request=found, now=ctx.now)
        ctx.reply(ctx.t("requests.accepted", due=ctx.when(found.due_at)))


@action(views.SEND)
async def send(ctx: Context, value: str) -> None:
    found = await _assigned(ctx, value)
    if found is not None:
        await service.start_sending(session=ctx.session, org=ctx.org, request=found, now=ctx.now)
        ctx.reply(ctx.t("requests.send_now", id=found.id, what=found.what))


@action(views.DECLINE)
async def decline(ctx: Context, value: str) -> None:
    found = await _assigned(ctx, value)
    if found is not None:
        open_form(
            ctx,
            Form(
                title=ctx.t("requests.decline.title"),
                submit_label=ctx.t("requests.decline.submit"),
                action=views.DECLINED,
                value=str(found.id),
                intro=found.what,
                inputs=[
                    TextInput(
                        name="reason",
                        label=ctx.t("requests.decline.reason"),
                        multiline=True,
                        error=ctx.t("requests.decline.reason_missing"),
                    )
                ],
            ),
        )


@action(views.DECLINED)
async def declined(ctx: Context, value: str) -> None:
    reason = (getattr(ctx.event, "inputs", {}) or {}).get("reason", "").strip()
    if not reason:
        ctx.reply(ctx.t("requests.decline.reason_missing"))
        return
    found = await _assigned(ctx, value)
    if found is not None:
        await service.decline(
            session=ctx.session, org=ctx.org, request=found, reason=reason, now=ctx.now
        )
        ctx.reply(ctx.t("requests.declined"))


@on_timer(service.REMIND)
async def remind(ctx: TimerContext) -> None:
    await service.remind(
        session=ctx.session,
        org=ctx.org,
        request_id=int(ctx.timer.payload["request_id"]),
        now=ctx.now,
    )


@on_timer(service.OVERDUE)
async def overdue(ctx: TimerContext) -> None:
    await service.overdue(
        session=ctx.session,
        org=ctx.org,
        request_id=int(ctx.timer.payload["request_id"]),
        now=ctx.now,
    )
