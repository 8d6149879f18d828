"""What people read about postings: the plan buttons and form, the hand-off, the outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot import i18n
from bot.forms import Form, TextInput
from bot.i18n import Reader
from bot.intake.views import file_sections
from bot.messages import Button, Fact, Message, Section
from bot.orgconfig import ChannelConfig, OrgConfig
from bot.publishing import states
from bot.publishing.who import channels_of, may_handle
from storage.models import ContentItem, Person, Posting

if TYPE_CHECKING:
    from bot.publishing.service import Notice, Planned

PLAN = "publishing.plan"
PLAN_SAVE = "publishing.plan.save"
POSTED = "publishing.posted"
POSTED_SAVE = "publishing.posted.save"
SKIP = "publishing.skip"
SKIP_SAVE = "publishing.skip.save"


@dataclass(frozen=True)
class HandoffFacts:
    item: ContentItem
    channel: ChannelConfig
    posting: Posting
    approvers: list[str]


def plan_value(item_id: int, channel_id: str) -> str:
    return f"{item_id}:{channel_id}"


def posting_value(posting: Posting) -> str:
    return f"{posting.id}:{posting.revision}"


def plan_buttons(
    reader: Reader, item: ContentItem, channels: Sequence[ChannelConfig]
) -> list[Button]:
    """*Einplanen* per channel: the approval's "freigegeben" message and the owners' note."""
    return [
        Button(
            label=reader.t("publishing.button.plan", channel=c.name),
            action=PLAN,
            value=plan_value(item.id, c.id),
            style="primary",
        )
        for c in channels
    ]


def plan_buttons_for(
    reader: Reader, org: OrgConfig, item: ContentItem, person: Person
) -> list[Button]:
    """*Einplanen* for the channels this person may plan (on the "freigegeben" message)."""
    return plan_buttons(reader, item, [c for c in channels_of(org, item) if may_handle(person, c)])


def ready_to_plan(reader: Reader, item: ContentItem, channels: Sequence[ChannelConfig]) -> Message:
    wished = reader.when(item.publish_at) if item.publish_at else reader.t("publishing.no_wish")
    return Message(
        text=reader.t("publishing.ready", id=item.id, title=item.title),
        fields=[
            Fact(
                label=reader.t("publishing.field.channels"),
                value=", ".join(c.name for c in channels),
            ),
            Fact(label=reader.t("publishing.field.wished"), value=wished),
        ],
        buttons=plan_buttons(reader, item, channels),
    )


def _ahead(suggestion: datetime | None, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A time that passed (the hand-off of a posting being moved) becomes the same local time
    on the next day still ahead: a move is usually to later."""
    if suggestion is None or suggestion > now:
        return suggestion
    local = suggestion.astimezone(tz)
    days = (now - suggestion).days + 1
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=tz).astimezone(UTC)


def plan_form(
    reader: Reader, item: ContentItem, channel: ChannelConfig, posting: Posting, now: datetime
) -> Form:
    """Date and time, suggested from the plan so far or the submitter's wish."""
    suggestion = _ahead(posting.planned_at or posting.wished_at, now, reader.tz)
    return Form(
        title=reader.t("publishing.form.title", channel=channel.name),
        submit_label=reader.t("publishing.form.submit"),
        action=PLAN_SAVE,
        value=posting_value(posting),
        intro=reader.t("publishing.form.intro", id=item.id, title=item.title, channel=channel.name),
        inputs=[
            TextInput(
                name="date",
                kind="date",
                label=reader.t("publishing.form.date"),
                initial=suggestion.astimezone(reader.tz).date().isoformat() if suggestion else None,
                error=reader.t("publishing.form.date_missing"),
            ),
            TextInput(
                name="time",
                kind="time",
                label=reader.t("publishing.form.time"),
                initial=reader.time(suggestion) if suggestion else None,
                error=reader.t("publishing.form.time_missing"),
            ),
        ],
    )


def _day(reader: Reader, day: date) -> str:
    return day.strftime("%d.%m.%Y" if reader.locale == "de" else "%Y-%m-%d")


def warning_text(reader: Reader, notice: Notice) -> str:
    params: dict[str, Any] = {}
    for name, value in notice.params.items():
        if isinstance(value, datetime):
            params[name] = reader.when(value)
        elif isinstance(value, date):
            params[name] = _day(reader, value)
        elif name == "gap":
            params[name] = i18n.format_age(value, reader.locale)
        else:
            params[name] = value
    return "⚠️ " + reader.t(notice.key, **params)


def planned(reader: Reader, done: Planned) -> Message:
    assert done.posting.planned_at is not None
    return Message(
        text=reader.t(
            "publishing.planned",
            channel=done.channel.name,
            id=done.item.id,
            title=done.item.title,
            when=reader.when(done.posting.planned_at),
        ),
        sections=[Section(text=warning_text(reader, w)) for w in done.warnings],
        context=reader.t("publishing.planned.hint") if done.warnings else None,
    )


def _handoff_buttons(reader: Reader, posting: Posting) -> list[Button]:
    value = posting_value(posting)
    return [
        Button(
            label=reader.t("publishing.button.posted"), action=POSTED, value=value, style="primary"
        ),
        Button(label=reader.t("publishing.button.move"), action=PLAN, value=f"p{value}"),
        Button(label=reader.t("publishing.button.skip"), action=SKIP, value=value, style="danger"),
    ]


def handoff(reader: Reader, facts: HandoffFacts) -> Message:
    """*Jetzt posten*: the final text to copy, the files, who approved it, and the buttons."""
    item, posting = facts.item, facts.posting
    version = item.latest
    fields = [
        Fact(
            label=reader.t("publishing.field.approvers"),
            value=", ".join(facts.approvers) or "–",
        )
    ]
    if posting.planned_at:
        fields.append(
            Fact(label=reader.t("publishing.field.planned"), value=reader.when(posting.planned_at))
        )
    return Message(
        text=reader.t(
            "publishing.handoff", channel=facts.channel.name, id=item.id, title=item.title
        ),
        sections=[
            Section(text=version.text_for(facts.channel.id)),  # the text for this channel
            *file_sections(reader.t, version.attachments),
        ],
        fields=fields,
        buttons=_handoff_buttons(reader, posting),
        context=reader.t("publishing.handoff.hint"),
        cut_note=reader.t("publishing.shortened", id=item.id),
    )


def reminder(
    reader: Reader, item: ContentItem, channel: ChannelConfig, posting: Posting
) -> Message:
    return Message(
        text=reader.t("publishing.reminder", channel=channel.name, id=item.id, title=item.title),
        buttons=_handoff_buttons(reader, posting),
    )


def handoff_closed(reader: Reader, facts: HandoffFacts) -> Message:
    """The hand-off message once it is done or moved: what happened, no buttons."""
    item, posting = facts.item, facts.posting
    head = reader.t("publishing.handoff", channel=facts.channel.name, id=item.id, title=item.title)
    if posting.status == states.POSTED:
        outcome = reader.t("publishing.closed.posted", url=posting.url or "–")
    elif posting.status == states.NOT_POSTED:
        outcome = reader.t("publishing.closed.not_posted", reason=posting.reason or "–")
    else:
        assert posting.planned_at is not None
        outcome = reader.t("publishing.closed.moved", when=reader.when(posting.planned_at))
    return Message(text=head, sections=[Section(text=outcome)])


def live(reader: Reader, item: ContentItem, channel: ChannelConfig, posting: Posting) -> Message:
    """What the submitter hears: live (with the link) or not posted (with why)."""
    if posting.status == states.POSTED:
        if posting.url:
            text = reader.t("publishing.live", channel=channel.name, url=posting.url)
        else:
            text = reader.t("publishing.live.no_link", channel=channel.name)
        return Message(
            text=text, context=reader.t("publishing.live.item", id=item.id, title=item.title)
        )
    return Message(
        text=reader.t("publishing.not_posted", id=item.id, title=item.title, channel=channel.name),
        sections=[Section(text=posting.reason or "–")],
    )


def overdue_sections(
    reader: Reader, rows: Sequence[tuple[Posting, ContentItem]], names: dict[str, str]
) -> list[Section]:
    if not rows:
        return []
    lines = [
        reader.t(
            "publishing.overdue.line",
            channel=names.get(p.channel, p.channel),
            id=i.id,
            title=i.title,
            when=reader.when(p.planned_at) if p.planned_at else "–",
        )
        for p, i in rows
    ]
    return [
        Section(text=f"*{reader.t('publishing.overdue.title', n=len(rows))}*"),
        Section(text="\n".join(lines)),
    ]


def to_plan(
    reader: Reader, rows: Sequence[tuple[Posting, ContentItem]], names: dict[str, str]
) -> Message:
    """What waits to be planned, each with its *Einplanen* button."""
    if not rows:
        return Message(
            text=reader.t("publishing.to_plan.none"), context=reader.t("publishing.usage")
        )
    lines = [
        reader.t(
            "publishing.to_plan.line",
            channel=names.get(p.channel, p.channel),
            id=i.id,
            title=i.title,
            wished=reader.when(p.wished_at) if p.wished_at else reader.t("publishing.no_wish"),
        )
        for p, i in rows
    ]
    return Message(
        text=reader.t("publishing.to_plan.title", n=len(rows)),
        sections=[Section(text="\n".join(lines))],
        buttons=[
            Button(
                label=reader.t(
                    "publishing.button.plan_item", id=i.id, channel=names.get(p.channel, p.channel)
                ),
                action=PLAN,
                value=plan_value(i.id, p.channel),
            )
            for p, i in rows
        ],
        context=reader.t("publishing.usage"),
    )
