"""Reads about one item's approval that the service and its notifications share."""

from __future__ import annotations

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from storage.models import ApprovalRequest, ContentItem, Decision


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


# A request with its approvers and decisions in one statement, not three.
WITH_DECIDERS = (joinedload(ApprovalRequest.approvers), joinedload(ApprovalRequest.decisions))


async def current_request(*, session: AsyncSession, item_id: int) -> ApprovalRequest | None:
    """The newest request of an item (the one that is pending, or decided last)."""
    found = await session.scalars(
        select(ApprovalRequest)
        .options(*WITH_DECIDERS)
        .where(ApprovalRequest.item_id == item_id)
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )
    return found.unique().one_or_none()


def newest_request_id() -> ScalarSelect[int]:
    """The id of the item's newest approval request, correlated to ContentItem: a query over
    items joins each to where it stands now in one statement."""
    newer = aliased(ApprovalRequest)
    return (
        select(func.max(newer.id))
        .where(newer.item_id == ContentItem.id)
        .correlate(ContentItem)
        .scalar_subquery()
    )
