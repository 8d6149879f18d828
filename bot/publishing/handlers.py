"""`/plan 42 linkedin dienstag 10:00`, the *Einplanen* form, the hand-off buttons, the timers."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.crisis import service as crisis
from bot.events import Action
from bot.forms import Form, TextInput, open_form
from bot.ids import parse_id
from bot.messages import Message, Section
from bot.people.service import reader_for
from bot.publishing import service, states, views
from bot.publishing.service import Refused
from bot.publishing.who import is_manager
from bot.registry import action, command
from bot.status import status_section
from bot.timers.service import TimerContext, on_timer
from bot.when import parse_when
from storage.models import ContentItem, Posting


def _refuse(ctx: Context, refused: Refused) -> None:
    params = dict(refused.params)
    if "state" in params:
        params["state"] = ctx.t(f"publishing.state.{params['state']}")
    ctx.reply(ctx.t(refused.key, **params))


def _inputs(ctx: Context) -> dict[str, str]:
    return dict(ctx.event.inputs) if isinstance(ctx.event, Action) else {}


def _posting_ref(value: str) -> tuple[int, int] | None:
    """`<posting id>:<revision>` as the buttons and forms carry it."""
    posting_id, _, revision = value.removeprefix("p").partition(":")
    pid = parse_id(posting_id)
    if pid is None or not revision.isascii() or not revision.isdigit() or len(revision) > 9:
        return None
    return pid, int(revision)


@command("plan", usage_key="publishing.usage", aliases=("einplanen",))
async def plan_command(ctx: Context, args: str) -> None:
    words = args.split(maxsplit=2)
    if not words:
        rows = await service.to_plan(ctx.session, ctx.org, ctx.person)
        names = {c.id: c.name for c in ctx.org.channels}
        ctx.reply(views.to_plan(reader_for(ctx.person, ctx.org), rows, names))
        return
    item_id = parse_id(words[0].lstrip("#"))
    if item_id is None or len(words) < 3:
        ctx.reply(
            Message(text=ctx.t("publishing.usage"), context=ctx.t("publishing.usage.example"))
        )
        return
    at = parse_when(words[2], now=ctx.now, tz=ctx.org.organization.tz)
    if at is None:
        ctx.reply(ctx.t("publishing.plan.bad_date", text=words[2]))
        return
    await _plan(ctx, item_id, words[1], at, expected_revision=None)


async def _plan(
    ctx: Context, item_id: int, channel: str, at: datetime, *, expected_revision: int | None
) -> None:
    try:
        done = await service.plan(
            session=ctx.session,
            org=ctx.org,
            person=ctx.person,
            item_id=item_id,
            channel_ref=channel,
            at=at,
            now=ctx.now,
            expected_revision=expected_revision,
        )
    except Refused as refused:
        _refuse(ctx, refused)
        return
    ctx.reply(views.planned(reader_for(ctx.person, ctx.org), done))


@action(views.PLAN)
async def plan_button(ctx: Context, value: str) -> None:
    """*Einplanen* (`<item>:<channel>`) or *Verschieben* (`p<posting>:<revision>`): the form."""
    try:
        if value.startswith("p"):
            ref = _posting_ref(value)
            posting = await ctx.session.get(Posting, ref[0]) if ref else None
            if ref is None or posting is None:
                raise Refused("publishing.unknown_posting")
            if posting.revision != ref[1]:
                await service.conflict(ctx.session, posting)
            item_id, channel_ref = posting.item_id, posting.channel
        else:
            raw_item, _, channel_ref = value.partition(":")
            found = parse_id(raw_item)
            if found is None:
                raise Refused("publishing.unknown_posting")
            item_id = found
        item, channel, posting = await service.posting_for(
            ctx.session, ctx.org, item_id=item_id, channel_ref=channel_ref, now=ctx.now
        )
        owner = await service.owner_name(ctx.session, channel)
        service.check_may_plan(item, channel, posting, ctx.person, owner)
    except Refused as refused:
        _refuse(ctx, refused)
        return
    reader = reader_for(ctx.person, ctx.org)
    open_form(ctx, views.plan_form(reader, item, channel, posting, ctx.now))


@action(views.PLAN_SAVE)
async def plan_save(ctx: Context, value: str) -> None:
    inputs = _inputs(ctx)
    typed = f"{inputs.get('date', '').strip()} {inputs.get('time', '').strip()}".strip()
    at = parse_when(typed, now=ctx.now, tz=ctx.org.organization.tz) if typed else None
    if at is None:
        ctx.reply(ctx.t("publishing.plan.bad_date", text=typed or "–"))
        return
    ref = _posting_ref(value)
    posting = await ctx.session.get(Posting, ref[0]) if ref else None
    if ref is None or posting is None:
        ctx.reply(ctx.t("publishing.unknown_posting"))
        return
    await _plan(ctx, posting.item_id, posting.channel, at, expected_revision=ref[1])


async def _due_item(ctx: Context, value: str) -> ContentItem | None:
    """The posting a hand-off button names, still as the button saw it."""
    ref = _posting_ref(value)
    posting = await ctx.session.get(Posting, ref[0]) if ref else None
    try:
        if ref is None or posting is None:
            raise Refused("publishing.unknown_posting")
        if posting.revision != ref[1]:
            await service.conflict(ctx.session, posting)
    except Refused as refused:
        _refuse(ctx, refused)
        return None
    return await ctx.session.get_one(ContentItem, posting.item_id)


@action(views.POSTED)
async def posted_button(ctx: Context, value: str) -> None:
    field = TextInput(
        name="url", label=ctx.t("publishing.posted.url"), required=False, placeholder="https://"
    )
    await _ask_about_due(ctx, value, "publishing.posted", views.POSTED_SAVE, field)


@action(views.SKIP)
async def skip_button(ctx: Context, value: str) -> None:
    field = TextInput(
        name="reason",
        label=ctx.t("publishing.skip.reason"),
        multiline=True,
        error=ctx.t("publishing.skip.reason_missing"),
    )
    await _ask_about_due(ctx, value, "publishing.skip", views.SKIP_SAVE, field)


async def _ask_about_due(ctx: Context, value: str, texts: str, save: str, field: TextInput) -> None:
    """*Gepostet* and *Nicht posten* ask one thing about a due posting, in a form."""
    item = await _due_item(ctx, value)
    if item is None:
        return
    form = Form(
        title=ctx.t(f"{texts}.title"),
        submit_label=ctx.t(f"{texts}.submit"),
        action=save,
        value=value,
        intro=ctx.t("publishing.posted.intro", id=item.id, title=item.title),
        inputs=[field],
    )
    open_form(ctx, form)


@action(views.POSTED_SAVE)
async def posted_save(ctx: Context, value: str) -> None:
    url = _inputs(ctx).get("url", "").strip()
    if url and not url.startswith(("https://", "http://")):
        ctx.reply(ctx.t("publishing.posted.bad_url"))
        return
    await _mark(ctx, value, posted=True, url=url or None)


@action(views.SKIP_SAVE)
async def skip_save(ctx: Context, value: str) -> None:
    reason = _inputs(ctx).get("reason", "").strip()
    if not reason:
        ctx.reply(ctx.t("publishing.skip.reason_missing"))
        return
    await _mark(ctx, value, posted=False, reason=reason)


async def _mark(
    ctx: Context, value: str, *, posted: bool, url: str | None = None, reason: str | None = None
) -> None:
    ref = _posting_ref(value)
    if ref is None:
        ctx.reply(ctx.t("publishing.unknown_posting"))
        return
    try:
        item, channel, _posting = await service.mark(
            session=ctx.session,
            org=ctx.org,
            person=ctx.person,
            posting_id=ref[0],
            revision=ref[1],
            posted=posted,
            now=ctx.now,
            url=url,
            reason=reason,
        )
    except Refused as refused:
        _refuse(ctx, refused)
        return
    key = "publishing.marked.posted" if posted else "publishing.marked.not_posted"
    ctx.reply(ctx.t(key, channel=channel.name, id=item.id, title=item.title))


@on_timer(states.HANDOFF)
async def handoff_due(ctx: TimerContext) -> None:
    """Nothing is handed off while a crisis is open: a plan made during it is frozen here,
    as the plans standing when it began were."""
    posting_id, revision = int(ctx.timer.payload["posting_id"]), int(ctx.timer.payload["revision"])
    item = await service.planned_item(ctx.session, posting_id, revision)
    if item is None:
        return
    if await crisis.hold_back(session=ctx.session, org=ctx.org, item=item, now=ctx.now):
        return
    await service.hand_off(
        session=ctx.session, org=ctx.org, posting_id=posting_id, revision=revision, now=ctx.now
    )


@on_timer(states.REMIND)
async def remind_due(ctx: TimerContext) -> None:
    payload = ctx.timer.payload
    await service.remind(
        session=ctx.session,
        org=ctx.org,
        posting_id=int(payload["posting_id"]),
        revision=int(payload["revision"]),
        now=ctx.now,
    )


@status_section(order=35)
async def overdue_status(ctx: Context) -> list[Section]:
    """Postings handed off and not marked, for the social media managers."""
    if not is_manager(ctx.person):
        return []
    rows = await service.overdue(ctx.session, now=ctx.now)
    names = {c.id: c.name for c in ctx.org.channels}
    return views.overdue_sections(reader_for(ctx.person, ctx.org), rows, names)
