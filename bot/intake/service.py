"""Intake: files become drafts, drafts become submissions on the approval path.

Functions take `*, session`, write outbox rows in the caller's transaction and never commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.approvals import service as approvals
from bot.approvals.states import ITEM_DRAFT
from bot.channels import checks
from bot.channels.checks import Finding, ImageInfo
from bot.content.service import reserve_item
from bot.events import FileShared
from bot.ids import parse_id
from bot.intake.files import Accepted, Inspected, Refused, judge
from bot.orgconfig import OrgConfig
from storage import blobs
from storage.models import (
    Attachment,
    ContentItem,
    ContentRequest,
    DraftFile,
    IntakeDraft,
    Person,
)

OPEN, SUBMITTED, DISCARDED = "open", "submitted", "discarded"


@dataclass(frozen=True)
class Received:
    draft: IntakeDraft | None
    refused: list[Refused]


async def examine_all(
    org: OrgConfig, files: Sequence[FileShared]
) -> tuple[list[tuple[FileShared, Accepted | Refused]], list[Refused]]:
    """Each file's verdict: read from `files.inspect` (done before the transaction), or
    examined now in a worker thread so the event loop never decodes an image."""
    results: list[tuple[FileShared, Accepted | Refused]] = []
    for f in files:
        verdict = f.verdict if isinstance(f, Inspected) else None
        if verdict is None:
            verdict = await asyncio.to_thread(judge, f, org.intake)
        results.append((f, verdict))
    return results, [r for _, r in results if isinstance(r, Refused)]


async def stored_attachments(
    org: OrgConfig, files: Sequence[FileShared], *, now: datetime
) -> list[Attachment] | list[Refused]:
    """The files as attachments of a version, stored; or, if any is refused, why (and
    nothing stored)."""
    results, refused = await examine_all(org, files)
    if refused:
        return refused
    store = blobs.store()
    attachments = []
    for shared, result in results:
        assert isinstance(result, Accepted)
        attachments.append(
            Attachment(
                sha256=store.put(shared.data),
                filename=shared.name[:255],
                media_type=result.media_type,
                size=result.size,
                width=result.width,
                height=result.height,
                created_at=now,
            )
        )
    return attachments


async def receive(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    text: str,
    files: Sequence[FileShared],
    now: datetime,
) -> Received:
    """Check every file from its bytes; if any is refused, store nothing at all."""
    results, refused = await examine_all(org, files)
    if refused:
        return Received(None, refused)
    store = blobs.store()
    draft = IntakeDraft(
        person_id=person.id,
        text=text.strip(),
        channels=[],
        channel_texts={},
        status=OPEN,
        created_at=now,
        updated_at=now,
    )
    draft.files = []
    for shared, result in results:
        assert isinstance(result, Accepted)
        draft.files.append(
            DraftFile(
                sha256=store.put(shared.data),
                filename=shared.name[:255],
                media_type=result.media_type,
                size=result.size,
                width=result.width,
                height=result.height,
            )
        )
    request = await awaited_request(session=session, person=person)
    if request is not None:
        draft.request_id = request.id
        request.awaiting_content, request.updated_at = False, now
    draft.item_id = (await reserve_item(session, submitter=person, now=now)).id
    session.add(draft)
    await session.flush()
    audit.record(
        session,
        action="intake.received",
        subject=f"draft:{draft.id}",
        now=now,
        actor_id=person.id,
        files=[f.sha256 for f in draft.files],
    )
    return Received(draft, [])


async def awaited_request(*, session: AsyncSession, person: Person) -> ContentRequest | None:
    return await session.scalar(
        select(ContentRequest)
        .where(ContentRequest.assignee_id == person.id, ContentRequest.awaiting_content)
        .order_by(ContentRequest.updated_at.desc())
        .limit(1)
    )


def draft_findings(org: OrgConfig, draft: IntakeDraft) -> list[Finding]:
    images = [
        ImageInfo(f.filename, f.width, f.height)
        for f in draft.files
        if f.width is not None and f.height is not None
    ]
    return checks.check(org, draft.channels, draft.text, images, draft.channel_texts)


async def own_open_draft(
    *, session: AsyncSession, person: Person, draft_id: str
) -> IntakeDraft | str | None:
    """The person's draft, or why not: `unknown` or `closed`."""
    number = parse_id(draft_id)
    draft = None if number is None else await session.get(IntakeDraft, number)
    if draft is None or draft.person_id != person.id:
        return "unknown"
    if draft.status != OPEN:
        return "closed"
    return draft


@dataclass(frozen=True)
class Submitted:
    """The submission, or the strict channels' findings that kept it a draft."""

    submission: approvals.Submission | None
    blocking: list[Finding]


async def submit_draft(
    *, session: AsyncSession, org: OrgConfig, person: Person, draft: IntakeDraft, now: datetime
) -> Submitted:
    blocking = checks.blocking(draft_findings(org, draft))
    if blocking:
        return Submitted(None, blocking)
    attachments = [
        Attachment(
            sha256=f.sha256,
            filename=f.filename,
            media_type=f.media_type,
            size=f.size,
            width=f.width,
            height=f.height,
            created_at=now,
        )
        for f in draft.files
    ]
    text = draft.text or ", ".join(f.filename for f in draft.files)
    submission = await approvals.submit(
        session=session,
        org=org,
        submitter=person,
        text=text,
        now=now,
        channels=draft.channels,
        channel_texts=checks.texts_in_use(draft.channels, draft.channel_texts or {}),
        publish_at=draft.publish_at,
        attachments=attachments,
        reserved=await reserved_item(session=session, draft=draft),
    )
    item = submission.item
    draft.status, draft.item_id, draft.updated_at = SUBMITTED, item.id, now
    if draft.request_id is not None:
        from bot.content_requests import service as content_requests

        await content_requests.delivered(
            session=session, org=org, request_id=draft.request_id, item=item, now=now
        )
    return Submitted(submission, [])


async def reserved_item(*, session: AsyncSession, draft: IntakeDraft) -> ContentItem | None:
    """The item whose number the draft shows, to be filled in rather than a new one made."""
    if draft.item_id is None:
        return None
    item = await session.get(ContentItem, draft.item_id)
    return item if item is not None and item.status == ITEM_DRAFT else None


def discard(draft: IntakeDraft, *, now: datetime) -> None:
    draft.status, draft.updated_at = DISCARDED, now
