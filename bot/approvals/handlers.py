"""`/submit`, the decision buttons and their comment forms, `/revise`, `/desk delegate`,
`/desk history`, `/desk stats`, and the approvals part of `/desk status`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.approvals import deadlines, fulltext, queries, reports, service, states, views
from bot.approvals.replies import tell_revision, tell_submitted, tell_withdrawn
from bot.context import Context
from bot.events import Command
from bot.forms import open_form, sent_form
from bot.ids import looks_like_id, parse_id
from bot.intake import views as intake_views
from bot.intake.handlers import new_submission_form
from bot.messages import Message, Section
from bot.outbox import service as outbox
from bot.people.service import people_by_id, person_for_reference, reader_for
from bot.publishing import reports as publishing_reports
from bot.registry import action, command
from bot.status import status_section
from bot.when import parse_date
from storage.models import ApprovalRequest, ContentItem, Person

assert deadlines  # imported for its timer handlers


@command("submit", usage_key="approvals.usage.submit", aliases=("einreichen",))
async def submit(ctx: Context, args: str) -> None:
    if not args:
        open_form(ctx, new_submission_form(ctx))
        return
    submission = await service.submit(
        session=ctx.session, org=ctx.org, submitter=ctx.person, text=args, now=ctx.now
    )
    await tell_submitted(ctx, submission)


# --- decisions ----------------------------------------------------------------------------------


@action(views.APPROVE)
async def approve(ctx: Context, value: str) -> None:
    await _decide(ctx, value, states.APPROVED)


@action(views.REJECT)
async def reject(ctx: Context, value: str) -> None:
    await _ask_comment(ctx, value, states.REJECTED)


@action(views.CHANGES)
async def request_changes(ctx: Context, value: str) -> None:
    await _ask_comment(ctx, value, states.CHANGES_REQUESTED)


@action(views.REJECT_SUBMIT)
async def reject_with_comment(ctx: Context, value: str) -> None:
    await _decide(ctx, value, states.REJECTED, _comment(ctx))


@action(views.CHANGES_SUBMIT)
async def changes_with_comment(ctx: Context, value: str) -> None:
    await _decide(ctx, value, states.CHANGES_REQUESTED, _comment(ctx))


def _known(request_id: int | None) -> int:
    """A button value that cannot be a row id names a request that does not exist."""
    if request_id is None:
        raise service.RequestNotFound()
    return request_id


def _comment(ctx: Context) -> str:
    inputs = getattr(ctx.event, "inputs", {}) or {}
    return str(inputs.get(views.COMMENT, "")).strip()


async def _ask_comment(ctx: Context, value: str, outcome: str) -> None:
    """Reject and Request changes need a reason: ask for it, unless the click is moot."""
    try:
        request = await service.lock_request(ctx.session, _known(parse_id(value)))
    except service.RequestNotFound:
        ctx.reply(ctx.t("approvals.request_unknown"))
        return
    if request.status != states.PENDING or any(
        d.person_id == ctx.person.id for d in request.decisions
    ):
        await _already_decided(ctx, request)
        return
    if ctx.person.id not in request.approver_ids:
        await _not_approver(ctx, request)
        return
    item = await ctx.session.get_one(ContentItem, request.item_id)
    open_form(
        ctx, views.comment_form(reader_for(ctx.person, ctx.org), outcome, request.id, item.title)
    )


async def _decide(ctx: Context, value: str, outcome: str, comment: str | None = None) -> None:
    try:
        result = await service.decide(
            session=ctx.session,
            org=ctx.org,
            request_id=_known(parse_id(value)),
            person=ctx.person,
            outcome=outcome,
            now=ctx.now,
            comment=comment,
        )
    except service.RequestNotFound:
        ctx.reply(ctx.t("approvals.request_unknown"))
        return
    request = result.request
    if result.status == "recorded" and comment:
        await _close_comment_form(ctx, request, outcome, comment)
    if result.status == "not_approver":
        await _not_approver(ctx, request)
    elif result.status == "already_decided":
        await _already_decided(ctx, request)
    elif result.status == "held":
        ctx.reply(ctx.t("crisis.approval_held"))
    elif result.status == "four_eyes":
        ctx.reply(ctx.t("approvals.four_eyes.refused", stage=result.stage or "–"))
    elif result.status == "comment_required":
        # A platform that does not enforce required inputs: ask again, nothing was lost.
        item = await ctx.session.get_one(ContentItem, request.item_id)
        form = views.comment_form(reader_for(ctx.person, ctx.org), outcome, request.id, item.title)
        ctx.reply(ctx.t("approvals.form.comment_required"))
        open_form(ctx, form)


async def _close_comment_form(
    ctx: Context, request: ApprovalRequest, outcome: str, comment: str
) -> None:
    """The form card the reason came from shows what was sent and cannot be sent again."""
    item = await ctx.session.get_one(ContentItem, request.item_id)
    form = views.comment_form(reader_for(ctx.person, ctx.org), outcome, request.id, item.title)
    ctx.replace_source(sent_form(form, {views.COMMENT: comment}, ctx.t("form.sent")))


async def _not_approver(ctx: Context, request: ApprovalRequest) -> None:
    names = ", ".join(p.name for p in await people_by_id(ctx.session, request.approver_ids))
    ctx.reply(ctx.t("approvals.not_approver", stage=request.stage_name, names=names))


async def _already_decided(ctx: Context, request: ApprovalRequest) -> None:
    if request.resolution == "timeout" and request.decided_at:
        ctx.reply(ctx.t("approvals.already_timed_out", when=ctx.when(request.decided_at)))
        return
    if request.status == states.SUPERSEDED:
        ctx.reply(ctx.t("approvals.superseded"))
        return
    if request.status == states.WITHDRAWN:
        ctx.reply(ctx.t("approvals.withdrawn_click"))
        return
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


# --- revising -----------------------------------------------------------------------------------


@command("revise", usage_key="approvals.usage.revise", aliases=("überarbeiten", "ueberarbeiten"))
async def revise(ctx: Context, args: str) -> None:
    number, _, text = args.partition(" ")
    token = _item_token(number)
    item_id = parse_id(token)
    if not looks_like_id(token) or not text.strip():
        ctx.reply(ctx.t("approvals.revise.explain"))
        return
    if item_id is None:
        ctx.reply(ctx.t("approvals.item_unknown", id=token))
        return
    result = await service.revise(
        session=ctx.session, org=ctx.org, item_id=item_id, person=ctx.person, text=text, now=ctx.now
    )
    await tell_revision(ctx, item_id, result)


def _item_token(token: str) -> str:
    return token.strip().removeprefix("#")


@action(views.REVISE)
async def revise_form(ctx: Context, value: str) -> None:
    """*Überarbeiten*: the current text in a form, the approver's request above it."""
    item_id = parse_id(value)
    item = await ctx.session.get(ContentItem, item_id) if item_id is not None else None
    if item is None or item.status == states.ITEM_DRAFT:
        ctx.reply(ctx.t("approvals.item_unknown", id=value))
        return
    result = None
    if item.submitter_id != ctx.person.id:
        result = service.RevisionResult("not_submitter", item)
    elif item.status != states.ITEM_CHANGES_REQUESTED:
        result = service.RevisionResult("not_waiting", item)
    if result is not None:
        await tell_revision(ctx, item.id, result)
        return
    request = await queries.current_request(session=ctx.session, item_id=item.id)
    asked = request.decisions[-1] if request and request.decisions else None
    decider = await ctx.session.get(Person, asked.person_id) if asked else None
    reader = reader_for(ctx.person, ctx.org)
    comment = (asked.comment or "") if asked else ""
    channels = [c for c in ctx.org.channels if c.id in item.channels]
    open_form(ctx, views.revise_form(reader, item, decider, comment, channels))


@action(views.REVISE_SUBMIT)
async def revise_submitted(ctx: Context, value: str) -> None:
    item_id = parse_id(value)
    if item_id is None:
        ctx.reply(ctx.t("approvals.item_unknown", id=value))
        return
    inputs = getattr(ctx.event, "inputs", {}) or {}
    result = await service.revise(
        session=ctx.session,
        org=ctx.org,
        item_id=item_id,
        person=ctx.person,
        text=str(inputs.get(views.TEXT, "")),
        now=ctx.now,
        channel_texts=intake_views.channel_texts_from(inputs, ctx.org),  # the form shows them all
    )
    await tell_revision(ctx, item_id, result)


@action(views.WITHDRAW)
async def withdraw(ctx: Context, value: str) -> None:
    item_id = parse_id(value)
    if item_id is None:
        ctx.reply(ctx.t("approvals.item_unknown", id=value))
        return
    result = await service.withdraw(
        session=ctx.session, org=ctx.org, item_id=item_id, person=ctx.person, now=ctx.now
    )
    await tell_withdrawn(ctx, item_id, result)


# --- delegation ---------------------------------------------------------------------------------

_UNTIL = {"until", "bis"}
_OFF = {"off", "aus", "ende", "stop"}


@command("delegate", usage_key="approvals.usage.delegate", aliases=("vertretung",))
async def delegate(ctx: Context, args: str) -> None:
    words = args.split()
    if not words:
        current = await service.active_delegation(
            session=ctx.session, person_id=ctx.person.id, now=ctx.now
        )
        if current is None:
            ctx.reply(ctx.t("approvals.delegate.explain"))
        else:
            stand_in = await ctx.session.get_one(Person, current.delegate_id)
            ctx.reply(_delegation_text(ctx, stand_in, current.until))
        return
    if words[0].lower() in _OFF:
        ended = await service.end_delegation(session=ctx.session, person=ctx.person, now=ctx.now)
        if ended is None:
            ctx.reply(ctx.t("approvals.delegate.none"))
            return
        stand_in = await ctx.session.get_one(Person, ended.delegate_id)
        ctx.reply(ctx.t("approvals.delegate.ended", name=stand_in.name))
        _tell(
            ctx,
            stand_in,
            _t_for(ctx, stand_in, "approvals.delegate.ended_for_you", name=ctx.person.name),
        )
        return
    until_at: datetime | None = None
    lowered = [w.lower() for w in words]
    who_words = words
    for marker in _UNTIL:
        if marker in lowered:
            i = lowered.index(marker)
            who_words = words[:i]
            today = ctx.now.astimezone(ctx.org.organization.tz).date()
            parsed = parse_date(" ".join(words[i + 1 :]), today=today)
            if parsed is None:
                ctx.reply(ctx.t("approvals.delegate.bad_date", text=" ".join(words[i + 1 :])))
                return
            until_at = _end_of_day(ctx, parsed)
            break
    target = await _find_person(ctx, " ".join(who_words))
    if target is None:
        ctx.reply(ctx.t("approvals.delegate.unknown_person", text=" ".join(who_words) or "–"))
        return
    if target.id == ctx.person.id:
        ctx.reply(ctx.t("approvals.delegate.self"))
        return
    if until_at is not None and until_at <= ctx.now:
        ctx.reply(ctx.t("approvals.delegate.past"))
        return
    _, moved = await service.start_delegation(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        delegate=target,
        until=until_at,
        now=ctx.now,
    )
    text = _delegation_text(ctx, target, until_at)
    if moved:
        text += " " + ctx.t("approvals.delegate.moved", n=moved)
    ctx.reply(text)
    their = reader_for(target, ctx.org)
    until_text = (
        their.when(until_at - timedelta(minutes=1))
        if until_at
        else their.t("approvals.delegate.open_end")
    )
    _tell(
        ctx,
        target,
        _t_for(
            ctx, target, "approvals.delegate.you_stand_in", name=ctx.person.name, until=until_text
        ),
    )


def _delegation_text(ctx: Context, stand_in: Person, until: datetime | None) -> str:
    if until is None:
        return ctx.t("approvals.delegate.active_open", name=stand_in.name)
    return ctx.t("approvals.delegate.active", name=stand_in.name, until=_shown_until(ctx, until))


def _shown_until(ctx: Context, until: datetime) -> str:
    """`until 2026-12-01` ends at midnight after that day; show the last minute of it."""
    return ctx.when(until - timedelta(minutes=1))


def _t_for(ctx: Context, person: Person, key: str, **params: object) -> str:
    return reader_for(person, ctx.org).t(key, **params)


def _tell(ctx: Context, person: Person, text: str) -> None:
    outbox.post_to_person(ctx.session, person, Message(text=text), now=ctx.now)


def _end_of_day(ctx: Context, day: date) -> datetime:
    """`until 2026-12-01` includes that day, in the organisation's timezone."""
    local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ctx.org.organization.tz)
    return local.astimezone(ctx.now.tzinfo)


async def _find_person(ctx: Context, text: str) -> Person | None:
    mentions = ctx.event.mentions if isinstance(ctx.event, Command) else {}
    return await person_for_reference(
        ctx.session, text, platform=ctx.event.actor.platform, mentions=mentions
    )


# --- status, history, stats ---------------------------------------------------------------------


@status_section(order=10)
async def approvals_status(ctx: Context) -> list[Section]:
    reader = reader_for(ctx.person, ctx.org)
    sections = await reports.status_sections(ctx.session, reader, ctx.person, ctx.now)
    current = await service.active_delegation(
        session=ctx.session, person_id=ctx.person.id, now=ctx.now
    )
    if current is not None:
        stand_in = await ctx.session.get_one(Person, current.delegate_id)
        sections.append(Section(text=_delegation_text(ctx, stand_in, current.until)))
    return sections


@command("history", usage_key="approvals.usage.history", aliases=("verlauf",))
async def history(ctx: Context, args: str) -> None:
    token = _item_token(args.split()[0] if args.split() else "")
    item_id = parse_id(token)
    if item_id is None:
        ctx.reply(
            ctx.t("approvals.item_unknown", id=token)
            if looks_like_id(token)
            else ctx.t("approvals.history.explain")
        )
        return
    item = await ctx.session.get(ContentItem, item_id)
    if item is None or item.status == states.ITEM_DRAFT:
        ctx.reply(ctx.t("approvals.item_unknown", id=item_id))
        return
    if not await reports.may_see_history(ctx.session, item, ctx.person):
        ctx.reply(ctx.t("approvals.history.not_allowed", id=item_id))
        return
    path_name = ctx.org.path_name(item.approval_path)
    reader = reader_for(ctx.person, ctx.org)
    ctx.reply(await reports.history(ctx.session, reader, item, path_name=path_name))
    names = {c.id: c.name for c in ctx.org.channels}
    for part in fulltext.messages(reader, item, names):  # what cards cut, whole
        ctx.reply(part)


@command("stats", usage_key="approvals.usage.stats", aliases=("statistik",))
async def stats(ctx: Context, args: str) -> None:
    reader = reader_for(ctx.person, ctx.org)
    message = await reports.stats(ctx.session, reader, ctx.now)
    live = await publishing_reports.live_sections(
        ctx.session,
        reader,
        channels={c.id: c.name for c in ctx.org.channels},
        departments={d.id: d.name for d in ctx.org.departments},
    )
    ctx.reply(message.model_copy(update={"sections": [*message.sections, *live]}))
