"""Content items and their versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from bot.approvals.states import ITEM_DRAFT
from storage.models import ContentItem, ContentVersion, Person

TITLE_LENGTH = 80
# An item with its versions and their attachments in one statement, not three.
WITH_VERSIONS = (joinedload(ContentItem.versions).joinedload(ContentVersion.attachments),)


def title_from(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1].rstrip() + "…"


async def create_item(
    session: AsyncSession,
    *,
    submitter: Person,
    department_id: str | None,
    approval_path: str,
    text: str,
    status: str,
    now: datetime,
    reserved: ContentItem | None = None,
) -> ContentItem:
    """A new item, or the one `reserve_item` kept for a draft, so the draft's number stays.
    `created_at` is the submission, whenever the number was reserved."""
    item = reserved or ContentItem()
    item.submitter_id, item.department_id = submitter.id, department_id
    item.title, item.approval_path = title_from(text), approval_path
    item.status, item.current_stage = status, 0
    item.created_at, item.updated_at = now, now
    version = ContentVersion(number=1, text=text, author_id=submitter.id, created_at=now)
    item.versions = [version]
    version.attachments = []
    session.add(item)
    await session.flush()
    return item


async def reserve_item(session: AsyncSession, *, submitter: Person, now: datetime) -> ContentItem:
    """An item number for a draft, taken when the draft is made: the person sees the number
    their content will keep. Its status `draft` keeps it out of every list and report."""
    item = ContentItem(
        submitter_id=submitter.id,
        title="",
        approval_path="",
        status=ITEM_DRAFT,
        current_stage=0,
        channels=[],
        created_at=now,
        updated_at=now,
    )
    item.versions = []
    session.add(item)
    await session.flush()
    return item
