"""Files sent to the bot, the draft they become, and its buttons."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from bot.approvals import service as approvals
from bot.approvals.replies import tell_revision, tell_submitted
from bot.channels.checks import parse_channels
from bot.channels.views import finding_lines
from bot.commands import without_command
from bot.context import Context
from bot.events import Action, Command
from bot.forms import FileInput, Form, Option, Select, TextInput, open_form
from bot.ids import parse_id
from bot.intake import service, views
from bot.intake.files import Refused
from bot.messages import Message, Section
from bot.outbox import service as outbox
from bot.registry import COMMANDS, action, on_files
from bot.when import parse_when
from storage.models import Attachment, ContentRequest, IntakeDraft, OutboxMessage

NEW_SUBMISSION = "intake.new.submit"


def draft_key(draft: IntakeDraft) -> str:
    return f"intake.draft:{draft.id}"


async def _card(ctx: Context, draft: IntakeDraft) -> Message:
    request = await ctx.session.get(ContentRequest, draft.request_id) if draft.request_id else None
    findings = service.draft_findings(ctx.org, draft)
    return views.draft_card(ctx.t, ctx.when, ctx.org, draft, findings, request)


@on_files
async def files_received(ctx: Context, text: str) -> None:
    assert isinstance(ctx.event, Command)
    target = await _revision_target(ctx, ctx.event, text)
    if target is not None:
        await _revise_with_files(ctx, ctx.event, *target)
        return
    submit = COMMANDS["submit"]  # a caption may start with it: `submit Teamfoto …`
    text = without_command(text, (submit.name, *submit.aliases))
    result = await service.receive(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        text=text,
        files=ctx.event.files,
        now=ctx.now,
    )
    if result.draft is None:
        _tell_refused(ctx, result.refused)
        return
    card = await _card(ctx, result.draft)
    outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(result.draft))


_REVISION_REF = re.compile(
    r"^\s*(?:/?(?:revise|überarbeiten|ueberarbeiten)\s+#?|#)([0-9]+)\b\s*", re.IGNORECASE
)


async def _revision_target(ctx: Context, event: Command, text: str) -> tuple[str, str] | None:
    """Files that answer a request for changes are the item's next version: a reply to the
    bot's "changes requested" message, or a caption naming the item (`#12 …`, `revise 12 …`).
    The item's number comes back as written; `_revise_with_files` parses it."""
    if event.reply_to:
        key = await ctx.session.scalar(
            select(OutboxMessage.key).where(
                OutboxMessage.platform_message_id == event.reply_to,
                OutboxMessage.person_id == ctx.person.id,
            )
        )
        if key and key.startswith("changes:"):
            return key.split(":")[1], text
    named = _REVISION_REF.match(text)
    return (named.group(1), text[named.end() :]) if named else None


async def _revise_with_files(ctx: Context, event: Command, number: str, text: str) -> None:
    item_id = parse_id(number)
    if item_id is None:
        ctx.reply(ctx.t("approvals.item_unknown", id=number))
        return
    stored = await service.stored_attachments(ctx.org, event.files, now=ctx.now)
    refused = [r for r in stored if isinstance(r, Refused)]
    if refused:
        _tell_refused(ctx, refused)
        return
    attachments = [a for a in stored if isinstance(a, Attachment)]
    result = await approvals.revise(
        session=ctx.session,
        org=ctx.org,
        item_id=item_id,
        person=ctx.person,
        text=text,
        now=ctx.now,
        attachments=attachments,
    )
    await tell_revision(ctx, item_id, result)


async def _own_draft(ctx: Context, value: str) -> IntakeDraft | None:
    found = await service.own_open_draft(session=ctx.session, person=ctx.person, draft_id=value)
    if isinstance(found, str):
        ctx.reply(ctx.t(f"intake.draft.{found}"))
        return None
    return found


def _tell_refused(ctx: Context, refused: list[Refused]) -> None:
    lines = [ctx.t(r.key, **r.params) for r in refused]
    ctx.reply(
        Message(
            text=ctx.t("intake.refused.title"),
            sections=[Section(items=lines)],
            context=ctx.t("intake.refused.nothing_stored"),
        )
    )


@action(views.SUBMIT)
async def submit(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    await _submit(ctx, draft, post_blocked_card=False)


async def _submit(ctx: Context, draft: IntakeDraft, *, post_blocked_card: bool) -> None:
    """Into the approval path; a strict channel's findings keep it a draft, shown as a card
    (when it has none yet) so the submitter can fix it there."""
    result = await service.submit_draft(
        session=ctx.session, org=ctx.org, person=ctx.person, draft=draft, now=ctx.now
    )
    if result.submission is None:
        if post_blocked_card:
            card = await _card(ctx, draft)
            outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(draft))
        ctx.reply(
            Message(
                text=ctx.t("intake.submit.blocked"),
                sections=[Section(items=finding_lines(ctx.t, result.blocking))],
                context=ctx.t("intake.submit.blocked_hint"),
            )
        )
        return
    card = await _card(ctx, draft)
    note = ctx.t("intake.draft.submitted", id=result.submission.item.id)
    await outbox.update(
        ctx.session, draft_key(draft), views.closed_draft(ctx.t, card, note), now=ctx.now
    )
    await tell_submitted(ctx, result.submission)


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


def channel_select(ctx: Context, chosen: list[str]) -> Select:
    """The registry's channels to pick from, by name (no ids to type)."""
    return Select(
        name="channels",
        label=ctx.t("intake.form.channels"),
        options=[Option(label=c.name, value=c.id) for c in ctx.org.channels],
        required=False,
        multiple=True,
        initial=chosen,
    )


def details_form(ctx: Context, draft: IntakeDraft) -> Form:
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
                name="publish_at",
                label=ctx.t("intake.form.publish_at"),
                required=False,
                placeholder=ctx.t("intake.form.publish_at_hint"),
                initial=ctx.when(draft.publish_at) if draft.publish_at else None,
            ),
            *views.channel_text_inputs(ctx.t, ctx.org.channels, draft.channel_texts or {}),
        ],
        select=channel_select(ctx, draft.channels),
    )


@action(views.DETAILS_SAVED)
async def details_saved(ctx: Context, value: str) -> None:
    draft = await _own_draft(ctx, value)
    if draft is None:
        return
    if not _apply_details(ctx, draft, getattr(ctx.event, "inputs", {}) or {}):
        return
    card = await _card(ctx, draft)
    if not await outbox.update(ctx.session, draft_key(draft), card, now=ctx.now):
        outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(draft))


def _apply_details(ctx: Context, draft: IntakeDraft, inputs: dict[str, str]) -> bool:
    """Text, channels and publish date from a form; False (and the reason told) if invalid."""
    details = _parse_details(ctx, inputs, draft.publish_at)
    if details is None:
        return False
    if "text" in inputs:
        draft.text = inputs["text"].strip()
    draft.channel_texts = views.channel_texts_from(inputs, ctx.org)
    draft.channels, draft.publish_at = details
    draft.updated_at = ctx.now
    return True


def _parse_details(
    ctx: Context, inputs: dict[str, str], current: datetime | None = None
) -> tuple[list[str], datetime | None] | None:
    """Channels and publish date as typed; None (and the reason told) if either is wrong.
    An unchanged date, shown back as the reader's local time, is kept as it was."""
    channels, unknown = parse_channels(ctx.org, inputs.get("channels", ""))
    if unknown:
        available = ", ".join(c.name for c in ctx.org.channels)
        ctx.reply(
            ctx.t("intake.form.unknown_channels", names=", ".join(unknown), available=available)
        )
        return None
    publish_text = inputs.get("publish_at", "").strip()
    if not publish_text:
        return channels, None
    if current and publish_text == ctx.when(current):
        return channels, current
    publish_at = parse_when(publish_text, now=ctx.now, tz=ctx.org.organization.tz)
    if publish_at is None or publish_at <= ctx.now:
        ctx.reply(ctx.t("intake.form.bad_date", text=publish_text))
        return None
    return channels, publish_at


def new_submission_form(ctx: Context) -> Form:
    """`/submit` without text: the draft's fields and a file input, submitted in one go."""
    return Form(
        title=ctx.t("intake.new.title"),
        submit_label=ctx.t("intake.new.submit"),
        action=NEW_SUBMISSION,
        intro=ctx.t("intake.new.intro"),
        inputs=[
            TextInput(name="text", label=ctx.t("intake.form.text"), multiline=True, required=False),
            TextInput(
                name="publish_at",
                label=ctx.t("intake.form.publish_at"),
                required=False,
                placeholder=ctx.t("intake.form.publish_at_hint"),
            ),
            *views.channel_text_inputs(ctx.t, ctx.org.channels, {}),
        ],
        select=channel_select(ctx, []),
        files=FileInput(
            name="files",
            label=ctx.t("intake.new.files"),
            fallback=ctx.t("intake.new.files_fallback"),
        ),
    )


@action(NEW_SUBMISSION)
async def new_submission(ctx: Context, value: str) -> None:
    """The modal's answer: a draft from its text and files, submitted at once if it can be;
    otherwise the draft card shows what stands in the way and nothing is lost."""
    assert isinstance(ctx.event, Action)
    inputs = dict(ctx.event.inputs)
    if not inputs.get("text", "").strip() and not ctx.event.files:
        ctx.reply(ctx.t("intake.new.empty"))
        return
    details = _parse_details(ctx, inputs)
    if details is None:
        return
    received = await service.receive(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        text=inputs.get("text", ""),
        files=ctx.event.files,
        now=ctx.now,
    )
    if received.draft is None:
        _tell_refused(ctx, received.refused)
        return
    draft = received.draft
    draft.channels, draft.publish_at = details
    draft.channel_texts = views.channel_texts_from(inputs, ctx.org)
    if await _unused_texts(ctx, draft):
        return
    await _submit(ctx, draft, post_blocked_card=True)


async def _unused_texts(ctx: Context, draft: IntakeDraft) -> bool:
    """A "Text für X" written without choosing X: the draft waits, shown as a card, rather
    than the text being dropped unseen."""
    names = {c.id: c.name for c in ctx.org.channels}
    unused = [names.get(c, c) for c in draft.channel_texts if c not in draft.channels]
    if not unused:
        return False
    card = await _card(ctx, draft)
    outbox.post_to_person(ctx.session, ctx.person, card, now=ctx.now, key=draft_key(draft))
    ctx.reply(ctx.t("intake.new.unused_texts", channels=", ".join(unused)))
    return True
