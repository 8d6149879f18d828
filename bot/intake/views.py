"""What intake looks like: the draft card, refusals, and files on approval cards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.channels.checks import Finding
from bot.channels.views import findings_section
from bot.intake.files import IMAGE_TYPES, LABELS, human_size
from bot.messages import Button, Fact, Image, Message, Section
from bot.orgconfig import OrgConfig
from storage import blobs
from storage.models import ContentItem, ContentRequest, ContentVersion, IntakeDraft

Translate = Callable[..., str]
SUBMIT = "intake.submit"
DISCARD = "intake.discard"
DETAILS = "intake.details"
DETAILS_SAVED = "intake.details.saved"


class FileLike(Protocol):
    sha256: str
    filename: str
    media_type: str
    size: int


def file_lines(t: Translate, files: Sequence[FileLike]) -> Section | None:
    if not files:
        return None
    lines = []
    for f in files:
        label = LABELS.get(f.media_type, f.media_type)
        link = blobs.public_link(f.sha256, f.filename)
        name = f"{f.filename} ({label}, {human_size(f.size)})"
        lines.append(t("intake.file.line_link", name=name, url=link) if link else f"📎 {name}")
    return Section(text="\n".join(lines))


def preview_image(t: Translate, files: Sequence[FileLike]) -> Image | None:
    for f in files:
        link = blobs.public_link(f.sha256, f.filename)
        if f.media_type in IMAGE_TYPES and link:
            return Image(url=link, alt=f.filename)
    return None


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
    listed = file_lines(t, draft.files)
    if listed:
        sections.append(listed)
    if draft.channels:
        sections.append(findings_section(t, findings))
    available = ", ".join(f"{c.name} (`{c.id}`)" for c in org.channels)
    return Message(
        text=t("intake.draft.title", id=draft.id),
        sections=sections,
        fields=fields,
        image=preview_image(t, draft.files),
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
    listed = file_lines(t, version.attachments)
    if listed:
        out.append(listed)
    if item.channels:
        out.append(findings_section(t, findings))
    return out
