"""What intake looks like: the draft card, refusals, and files on approval cards."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from bot.channels.checks import Finding
from bot.channels.views import findings_section
from bot.forms import TextInput
from bot.intake.files import IMAGE_TYPES, LABELS, human_size
from bot.messages import Button, Fact, Image, Link, Message, Section
from bot.orgconfig import ChannelConfig, OrgConfig
from storage import blobs
from storage.models import ContentItem, ContentRequest, ContentVersion, IntakeDraft

Translate = Callable[..., str]
SUBMIT = "intake.submit"
DISCARD = "intake.discard"
DETAILS = "intake.details"
DETAILS_SAVED = "intake.details.saved"
CHANNEL_TEXT = "text."  # a form's "Text für X" input is named `text.x`


class FileLike(Protocol):
    sha256: str
    filename: str
    media_type: str
    size: int


def file_sections(t: Translate, files: Sequence[FileLike]) -> list[Section]:
    """A line per file with an Open button, no raw address; where images cannot be shown (no
    SOCIALDESK_PUBLIC_URL, logged at start), a line that says why."""
    out = []
    for f in files:
        label = LABELS.get(f.media_type, f.media_type)
        link = blobs.public_link(f.sha256, f.filename)
        out.append(
            Section(
                text=f"📎 {f.filename} ({label}, {human_size(f.size)})",
                link=Link(label=t("intake.file.open"), url=link) if link else None,
            )
        )
    if any(f.media_type in IMAGE_TYPES for f in files) and not blobs.has_public_url():
        out.append(Section(text=t("intake.file.no_preview")))
    return out


def preview_images(files: Sequence[FileLike]) -> list[Image]:
    """The images among the files, to be shown large (nothing without a public URL)."""
    out = []
    for f in files:
        link = blobs.public_link(f.sha256, f.filename)
        if f.media_type in IMAGE_TYPES and link:
            out.append(Image(url=link, alt=f.filename))
    return out


def draft_card(
    t: Translate,
    when: Callable[[datetime], str],
    org: OrgConfig,
    draft: IntakeDraft,
    findings: Sequence[Finding],
    request: ContentRequest | None,
) -> Message:
    names = {c.id: c.name for c in org.channels}
    channels = ", ".join(names.get(c, c) for c in draft.channels) or t("intake.draft.no_channels")
    fields = [
        Fact(label=t("intake.field.channels"), value=channels),
        Fact(
            label=t("intake.field.publish_at"),
            value=when(draft.publish_at) if draft.publish_at else t("intake.draft.no_date"),
        ),
    ]
    if request is not None:
        fields.append(Fact(label=t("intake.field.request"), value=f"#{request.id} {request.what}"))
    sections = [Section(text=draft.text or t("intake.draft.no_text"))]
    sections += channel_text_sections(t, org, draft.channels, draft.channel_texts or {})
    sections += file_sections(t, draft.files)
    if draft.channels:
        sections.append(findings_section(t, findings))
    available = ", ".join(c.name for c in org.channels)
    return Message(
        text=t("intake.draft.title", id=draft.item_id or draft.id),
        sections=sections,
        fields=fields,
        images=preview_images(draft.files),
        buttons=[
            Button(
                label=t("intake.button.submit"), action=SUBMIT, value=str(draft.id), style="primary"
            ),
            Button(label=t("intake.button.details"), action=DETAILS, value=str(draft.id)),
            Button(
                label=t("intake.button.discard"),
                action=DISCARD,
                value=str(draft.id),
                style="danger",
            ),
        ],
        context=t("intake.draft.hint", channels=available),
    )


def channel_text_inputs(
    t: Translate, channels: Sequence[ChannelConfig], texts: Mapping[str, str]
) -> list[TextInput]:
    """An optional "Text für X" per channel, prefilled with the channel's own text."""
    return [
        TextInput(
            name=CHANNEL_TEXT + c.id,
            label=t("intake.form.channel_text", channel=c.name),
            multiline=True,
            required=False,
            placeholder=t("intake.form.channel_text_hint"),
            initial=texts.get(c.id) or None,
        )
        for c in channels
    ]


def channel_texts_from(inputs: Mapping[str, str], org: OrgConfig) -> dict[str, str]:
    """A form's "Text für X" answers by channel id (channels of the registry only); blank
    ones mean "the main text"."""
    known = {c.id for c in org.channels}
    texts = {
        n.removeprefix(CHANNEL_TEXT): v for n, v in inputs.items() if n.startswith(CHANNEL_TEXT)
    }
    return {c: v.strip() for c, v in texts.items() if c in known and v and v.strip()}


def channel_text_sections(
    t: Translate, org: OrgConfig | None, channels: Sequence[str], texts: Mapping[str, str]
) -> list[Section]:
    """Each channel's own text under its name, so nobody approves or posts a text they did
    not see; a text for a channel that is not chosen is named as unused."""
    names = {c.id: c.name for c in org.channels} if org else {}
    out: list[Section] = []
    used = [c for c in channels if c in texts]
    for channel_id in [*used, *(c for c in texts if c not in channels)]:
        name = names.get(channel_id, channel_id)
        if channel_id in channels:
            title = t("intake.channel_text.title", channel=name)
            out += [Section(text=title), Section(text=texts[channel_id])]
        else:
            out.append(Section(text=t("intake.channel_text.unused", channel=name)))
    return out


def closed_draft(t: Translate, card: Message, note: str) -> Message:
    return card.model_copy(update={"buttons": [], "context": note})


def item_sections(
    t: Translate,
    when: Callable[[datetime], str],
    org: OrgConfig | None,
    item: ContentItem,
    version: ContentVersion,
    findings: Sequence[Finding],
) -> list[Section]:
    """Target channels, wished date, files and channel findings on an approval card."""
    out: list[Section] = []
    facts = []
    if item.channels:
        names = {c.id: c.name for c in org.channels} if org else {}
        value = ", ".join(names.get(c, c) for c in item.channels)
        facts.append(Fact(label=t("intake.field.channels"), value=value))
    if item.publish_at:
        facts.append(Fact(label=t("intake.field.publish_at"), value=when(item.publish_at)))
    if facts:
        out.append(Section(fields=facts))
    out += file_sections(t, version.attachments)
    if item.channels:
        out.append(findings_section(t, findings))
    return out
