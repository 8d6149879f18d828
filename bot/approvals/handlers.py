"""`/submit`, the decision buttons and their comment forms, `/revise`, `/desk delegate`,
`/desk history`, `/desk stats`, and the approvals part of `/desk status`."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from bot.approvals import deadlines, reports, service, states, views
from bot.approvals.replies import tell_revision
from bot.context import Context
from bot.forms import open_form
from bot.intake.handlers import new_submission_form
from bot.messages import Message, Section
from bot.outbox import service as outbox
from bot.people.service import identity_for, people_by_id, person_by_handle, reader_for
from bot.registry import action, command
from bot.status import status_section
from storage.models import ApprovalRequest, ContentItem, Person

assert deadlines  # imported for its timer handlers


@command("submit", usage_key="approvals.usage.submit", aliases=("einreichen",))
async def submit(ctx: Context, args: str) -> None:
    if not args:
        open_form(ctx, new_submission_form(ctx))
        return
    item, request = await service.submit(
        session=ctx.session, org=ctx.org, submitter=ctx.person, text=args, now=ctx.now
    )
    department = ctx.org.department_of(ctx.person.handle)
    choice = service.choose_path(ctx.org, department=department, text=args)
    reader = reader_for(ctx.person, ctx.org)
    why = views.path_reason(reader, choice.name, choice.reason, choice.matched)
    stages = [s.name for s in ctx.org.approval_paths[item.approval_path].stages]
    first = await _people(ctx, request.approver_ids)
    ctx.reply(views.submitted(reader, item, stages, first, why))


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


def _comment(ctx: Context) -> str:
    inputs = getattr(ctx.event, "inputs", {}) or {}
    return str(inputs.get(views.COMMENT, "")).strip()


async def _ask_comment(ctx: Context, value: str, outcome: str) -> None:
    """Reject and Request changes need a reason: ask for it, unless the click is moot."""
    try:
        request = await service.lock_request(ctx.session, int(value))
    except (ValueError, service.RequestNotFound):
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
            request_id=int(value),
            person=ctx.person,
            outcome=outcome,
            now=ctx.now,
            comment=comment,
        )
    except (ValueError, service.RequestNotFound):
        ctx.reply(ctx.t("approvals.request_unknown"))
        return
    request = result.request
    if result.status == "not_approver":
        await _not_approver(ctx, request)
    elif result.status == "already_decided":
        await _already_decided(ctx, request)
    elif result.status == "held":
        ctx.reply(ctx.t("crisis.approval_held"))
    elif result.status == "comment_required":
        # A platform that does not enforce required inputs: ask again, nothing was lost.
        item = await ctx.session.get_one(ContentItem, request.item_id)
        form = views.comment_form(reader_for(ctx.person, ctx.org), outcome, request.id, item.title)
        ctx.reply(ctx.t("approvals.form.comment_required"))
        open_form(ctx, form)


async def _not_approver(ctx: Context, request: ApprovalRequest) -> None:
    names = ", ".join(p.name for p in await _people(ctx, request.approver_ids))
    ctx.reply(ctx.t("approvals.not_approver", stage=request.stage_name, names=names))


async def _already_decided(ctx: Context, request: ApprovalRequest) -> None:
    if request.resolution == "timeout" and request.decided_at:
        ctx.reply(ctx.t("approvals.already_timed_out", when=ctx.when(request.decided_at)))
        return
    if request.status == states.SUPERSEDED:
        ctx.reply(ctx.t("approvals.superseded"))
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
    item_id = _item_id(number)
    if item_id is None or not text.strip():
        ctx.reply(ctx.t("approvals.revise.explain"))
        return
    result = await service.revise(
        session=ctx.session, org=ctx.org, item_id=item_id, person=ctx.person, text=text, now=ctx.now
    )
    await tell_revision(ctx, item_id, result)


def _item_id(token: str) -> int | None:
    token = token.strip().removeprefix("#")
    return int(token) if token.isdigit() else None


# --- delegation ---------------------------------------------------------------------------------

_SLACK_MENTION = re.compile(r"^<@([A-Z0-9]+)(?:\|([^>]*))?>$")
_TEAMS_MENTION = re.compile(r"^<at>(.+)</at>$")
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
            parsed = _parse_date(" ".join(words[i + 1 :]))
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


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _end_of_day(ctx: Context, day: date) -> datetime:
    """`until 2026-12-01` includes that day, in the organisation's timezone."""
    local = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=ctx.org.organization.tz)
    return local.astimezone(ctx.now.tzinfo)


async def _find_person(ctx: Context, text: str) -> Person | None:
    text = text.strip()
    if not text:
        return None
    slack = _SLACK_MENTION.match(text)
    if slack:
        identity = await identity_for(ctx.session, "slack", slack.group(1))
        if identity is not None:
            return await ctx.session.get(Person, identity.person_id)
        if not slack.group(2):
            return None
        text = slack.group(2)  # not seen on Slack yet: the mention's name may be the handle
    teams = _TEAMS_MENTION.match(text)
    if teams:
        text = teams.group(1)
    handle = text.removeprefix("@").strip()
    found = await person_by_handle(ctx.session, handle.lower())
    if found is not None:
        return found
    matches = (
        await ctx.session.scalars(
            select(Person).where(Person.active, func.lower(Person.name) == handle.lower())
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


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
    item_id = _item_id(args.split()[0] if args.split() else "")
    if item_id is None:
        ctx.reply(ctx.t("approvals.history.explain"))
        return
    item = await ctx.session.get(ContentItem, item_id)
    if item is None:
        ctx.reply(ctx.t("approvals.item_unknown", id=item_id))
        return
    if not await reports.may_see_history(ctx.session, item, ctx.person):
        ctx.reply(ctx.t("approvals.history.not_allowed", id=item_id))
        return
    ctx.reply(await reports.history(ctx.session, reader_for(ctx.person, ctx.org), item))


@command("stats", usage_key="approvals.usage.stats", aliases=("statistik",))
async def stats(ctx: Context, args: str) -> None:
    ctx.reply(await reports.stats(ctx.session, reader_for(ctx.person, ctx.org), ctx.now))


async def _people(ctx: Context, ids: list[int]) -> list[Person]:
    return await people_by_id(ctx.session, ids)
