"""Who hears what when an approval moves: written to the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import views
from bot.approvals.views import Reader, RequestFacts
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import locale_of
from storage.models import (
    ApprovalRequest,
    ContentItem,
    ContentVersion,
    Decision,
    Department,
    Person,
)


def reader_for(person: Person, org: OrgConfig) -> Reader:
    return Reader(locale=locale_of(person, org), tz=org.organization.tz)


def card_key(request: ApprovalRequest, person_id: int) -> str:
    return f"approval:{request.id}:{person_id}"


async def _facts(
    session: AsyncSession, org: OrgConfig, item: ContentItem, request: ApprovalRequest
) -> RequestFacts:
    department = await session.get(Department, item.department_id) if item.department_id else None
    approvers = list(
        (
            await session.scalars(
                select(Person).where(Person.id.in_(request.approver_ids)).order_by(Person.id)
            )
        ).all()
    )
    return RequestFacts(
        item=item,
        version=await session.get_one(ContentVersion, request.version_id),
        request=request,
        submitter=await session.get_one(Person, item.submitter_id),
        department=department.name if department else None,
        stage_count=len(org.approval_paths[item.approval_path].stages),
        approvers=approvers,
    )


async def request_opened(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    facts = await _facts(session, org, item, request)
    for approver in facts.approvers:
        card = views.request_card(reader_for(approver, org), facts)
        outbox.post_to_person(session, approver, card, now=now, key=card_key(request, approver.id))


async def decision_recorded(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    decision: Decision,
    now: datetime,
) -> None:
    """Every approver's card shows the decision; while an `all` stage waits, only the decider's."""
    facts = await _facts(session, org, item, request)
    decider = await session.get_one(Person, decision.person_id)
    decided = {d.person_id for d in request.decisions}
    waiting = [p for p in facts.approvers if p.id not in decided]
    finished = request.status != "pending"
    for approver in facts.approvers:
        if not finished and approver.id != decider.id:
            continue
        card = views.decided_card(
            reader_for(approver, org),
            facts,
            decider,
            decision.outcome,
            decision.decided_at,
            [] if finished else waiting,
        )
        await outbox.update(session, card_key(request, approver.id), card, now=now)


async def item_finished(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    decision: Decision | None,
    now: datetime,
) -> None:
    submitter = await session.get_one(Person, item.submitter_id)
    decider = await session.get(Person, decision.person_id) if decision else None
    message = views.finished(
        reader_for(submitter, org), item, decider, decision.comment if decision else None
    )
    outbox.post_to_person(session, submitter, message, now=now)
