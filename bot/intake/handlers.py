"""Files sent to the bot, the draft they become, and its buttons."""

from __future__ import annotations

from sqlalchemy import select

from bot.approvals import views as approval_views
from bot.channels.checks import parse_channels
from bot.channels.views import finding_lines
from bot.content_requests.when import parse_when
from bot.context import Context
from bot.events import Command
from bot.forms import Form, TextInput, open_form
from bot.intake import service, views
from bot.messages import Message, Section
from bot.outbox import service as outbox
from bot.people.service import reader_for
from bot.registry import action, on_files
from storage.models import ContentRequest, IntakeDraft, Person


def draft_key(draft: IntakeDraft) -> str:
    return f"intake.draft:{draft.id}"


async def _card(ctx: Context, draft: IntakeDraft) -> Message:
    request = await ctx.session.get(ContentRequest, draft.request_id) if draft.request_id else None
    findings = service.draft_findings(ctx.org, draft)
    return views.draft_card(ctx.t, ctx.when, ctx.org, draft, findings, request)


@on_files
async def files_received(ctx: Context, text: str) -> None:
    assert isinstance(ctx.event, Command)
    result = await service.receive(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        text=text,
        files=ctx.event.files,
        now=ctx.now,
    )
    if result.draft is None:
        lines = [ctx.t(r.key, **r.params) for r in result.refused]
        ctx.reply(
            Message(
                text=ctx.t("intake.refused.title"),
                sections=[Section(text="\n".join(lines))],
                context=ctx.t("intake.refused.nothing_stored"),
            )
        )
        return
    card = await _card(ctx, result.draft)
    outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(result.draft))


async def _own_draft(ctx: Context, value: str) -> IntakeDraft | None:
    found = await service.own_open_draft(session=ctx.session, person=ctx.person, draft_id=value)
    if isinstance(found, str):
        ctx.reply(ctx.t(f"intake.draft.{found}"))
        return None
    return found


@action(views.SUBMIT)
async def submit(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    result = await service.submit_draft(
        session=ctx.session, org=ctx.org, person=ctx.person, draft=draft, now=ctx.now
    )
    if result.item is None or result.request is None:
        ctx.reply(
            Message(
                text=ctx.t("intake.submit.blocked"),
                sections=[Section(text="\n".join(finding_lines(ctx.t, result.blocking)))],
                context=ctx.t("intake.submit.blocked_hint"),
            )
        )
        return
    card = await _card(ctx, draft)
    note = ctx.t("intake.draft.submitted", id=result.item.id)
    await outbox.update(
        ctx.session, draft_key(draft), views.closed_draft(ctx.t, card, note), now=ctx.now
    )
    stages = [s.name for s in ctx.org.approval_paths[result.item.approval_path].stages]
    first = list(
        (
            await ctx.session.scalars(
                select(Person).where(Person.id.in_(result.request.approver_ids)).order_by(Person.id)
            )
        ).all()
    )
    ctx.reply(approval_views.submitted(reader_for(ctx.person, ctx.org), result.item, stages, first))


@action(views.DISCARD)
async def discard(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    service.discard(draft, now=ctx.now)
    card = await _card(ctx, draft)
    note = ctx.t("intake.draft.discarded")
    await outbox.update(
        ctx.session, draft_key(draft), views.closed_draft(ctx.t, card, note), now=ctx.now
    )
    ctx.reply(note)


@action(views.DETAILS)
async def details(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    open_form(ctx, details_form(ctx, draft))


def details_form(ctx: Context, draft: IntakeDraft) -> Form:
    available = ", ".join(c.id for c in ctx.org.channels)
    return Form(
        title=ctx.t("intake.form.title"),
        submit_label=ctx.t("intake.form.save"),
        action=views.DETAILS_SAVED,
        value=str(draft.id),
        inputs=[
            TextInput(
                name="text",
                label=ctx.t("intake.form.text"),
                multiline=True,
                required=False,
                initial=draft.text or None,
            ),
            TextInput(
                name="channels",
                label=ctx.t("intake.form.channels"),
                required=False,
                placeholder=available,
                initial=", ".join(draft.channels) or None,
            ),
            TextInput(
                name="publish_at",
                label=ctx.t("intake.form.publish_at"),
                required=False,
                placeholder=ctx.t("intake.form.publish_at_hint"),
                initial=ctx.when(draft.publish_at) if draft.publish_at else None,
            ),
        ],
    )


@action(views.DETAILS_SAVED)
async def details_saved(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    inputs = getattr(ctx.event, "inputs", {}) or {}
    channels, unknown = parse_channels(ctx.org, inputs.get("channels", ""))
    if unknown:
        available = ", ".join(f"`{c.id}`" for c in ctx.org.channels)
        ctx.reply(
            ctx.t("intake.form.unknown_channels", names=", ".join(unknown), available=available)
        )
        return
    publish_text = inputs.get("publish_at", "").strip()
    publish_at = draft.publish_at
    if publish_text and (not draft.publish_at or publish_text != ctx.when(draft.publish_at)):
        publish_at = parse_when(publish_text, now=ctx.now, tz=ctx.org.organization.tz)
        if publish_at is None or publish_at <= ctx.now:
            ctx.reply(ctx.t("intake.form.bad_date", text=publish_text))
            return
    elif not publish_text:
        publish_at = None
    if "text" in inputs:
        draft.text = inputs["text"].strip()
    draft.channels, draft.publish_at, draft.updated_at = channels, publish_at, ctx.now
    card = await _card(ctx, draft)
    if not await outbox.update(ctx.session, draft_key(draft), card, now=ctx.now):
        outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(draft))
