"""Content items and their versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContentItem, ContentVersion, Person

TITLE_LENGTH = 80


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
) -> ContentItem:
    item = ContentItem(
        submitter_id=submitter.id,
        department_id=department_id,
        title=title_from(text),
        approval_path=approval_path,
        status=status,
        current_stage=0,
        created_at=now,
        updated_at=now,
    )
    version = ContentVersion(number=1, text=text, author_id=submitter.id, created_at=now)
    item.versions = [version]
    version.attachments = []
    session.add(item)
    await session.flush()
    return item
