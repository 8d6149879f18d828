"""Reads about one item's approval that the service and its notifications share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ApprovalRequest, Decision


async def deciders_of_other_stages(
    session: AsyncSession, item_id: int, stage_index: int
) -> dict[int, str]:
    """Person id -> the name of another stage of the item they decided (the first one): the
    four-eyes rule keeps them from deciding this stage too."""
    rows = await session.execute(
        select(Decision.person_id, ApprovalRequest.stage_name)
        .join(ApprovalRequest, ApprovalRequest.id == Decision.request_id)
        .where(ApprovalRequest.item_id == item_id, ApprovalRequest.stage_index != stage_index)
        .order_by(Decision.decided_at, Decision.id)
    )
    out: dict[int, str] = {}
    for person_id, stage_name in rows.all():
        out.setdefault(person_id, stage_name)
    return out


async def current_request(*, session: AsyncSession, item_id: int) -> ApprovalRequest | None:
    """The newest request of an item (the one that is pending, or decided last)."""
    return await session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.item_id == item_id)
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )
