"""Approval paths: open a stage, decide on it, move the item on.

Service functions take `*, session`, write outbox rows through `notify` in the same
transaction, and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.approvals import notify, states
from bot.content.service import create_item
from bot.orgconfig import OrgConfig, StageConfig
from bot.people.service import people_with_role, person_by_handle
from storage.models import (
    ApprovalRequest,
    ContentItem,
    Decision,
    Department,
    Person,
    RequestApprover,
)

FALLBACK_ROLE = "social_media_manager"


class RequestNotFound(Exception):
    pass


@dataclass(frozen=True)
class DecisionResult:
    """`recorded`, or why not: `not_approver`, `already_decided` (by someone, or by you)."""

    status: str
    request: ApprovalRequest


async def submit(
    *,
    session: AsyncSession,
    org: OrgConfig,
    submitter: Person,
    text: str,
    now: datetime,
    path: str | None = None,
) -> tuple[ContentItem, ApprovalRequest]:
    """Create the item and open its first stage; `path` overrides the department's path."""
    department = org.department_of(submitter.handle)
    item = await create_item(
        session,
        submitter=submitter,
        department_id=department.id if department else None,
        approval_path=path or org.path_for(department),
        text=text,
        status=states.ITEM_IN_REVIEW,
        now=now,
    )
    audit.record(
        session,
        action="content.submitted",
        subject=f"content:{item.id}",
        now=now,
        actor_id=submitter.id,
        path=item.approval_path,
    )
    request = await open_stage(session=session, org=org, item=item, index=0, now=now)
    return item, request


async def open_stage(
    *, session: AsyncSession, org: OrgConfig, item: ContentItem, index: int, now: datetime
) -> ApprovalRequest:
    stage = org.approval_paths[item.approval_path].stages[index]
    approvers = await resolve_approvers(session=session, org=org, stage=stage, item=item)
    request = ApprovalRequest(
        item_id=item.id,
        version_id=item.latest.id,
        stage_index=index,
        stage_name=stage.name,
        mode=stage.mode,
        status=states.PENDING,
        due_at=now + stage.sla if stage.sla else None,
        created_at=now,
    )
    request.approvers = [RequestApprover(person_id=p.id) for p in approvers]
    request.decisions = []
    session.add(request)
    item.current_stage, item.status, item.updated_at = index, states.ITEM_IN_REVIEW, now
    await session.flush()
    audit.record(
        session,
        action="approval.opened",
        subject=f"content:{item.id}",
        now=now,
        stage=stage.name,
        approvers=[p.handle for p in approvers],
    )
    await notify.request_opened(session=session, org=org, item=item, request=request, now=now)
    return request


async def resolve_approvers(
    *, session: AsyncSession, org: OrgConfig, stage: StageConfig, item: ContentItem
) -> list[Person]:
    """Who decides this stage: never the submitter while anyone else can."""
    found: list[Person] = []
    for ref in stage.approvers:
        for person in await _people_for(session, ref, item):
            if person not in found:
                found.append(person)
    others = [p for p in found if p.id != item.submitter_id]
    if others:
        return others
    managers = [p for p in await people_with_role(session, FALLBACK_ROLE)]
    return [p for p in managers if p.id != item.submitter_id] or found or managers


async def _people_for(session: AsyncSession, ref: str, item: ContentItem) -> Sequence[Person]:
    if ref == "lead":
        department = await session.get(Department, item.department_id or "")
        lead = (
            await session.get(Person, department.lead_id)
            if department and department.lead_id
            else None
        )
        return [lead] if lead and lead.active else []
    if ref.startswith("role:"):
        return await people_with_role(session, ref.removeprefix("role:"))
    person = await person_by_handle(session, ref)
    return [person] if person else []


async def decide(
    *,
    session: AsyncSession,
    org: OrgConfig,
    request_id: int,
    person: Person,
    outcome: str,
    now: datetime,
    comment: str | None = None,
) -> DecisionResult:
    """Record one decision. The row lock (PostgreSQL) or the write lock (SQLite) serialises
    concurrent clicks, so a stage is decided once and the loser is told who won."""
    request = await session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise RequestNotFound(request_id)
    if request.status != states.PENDING or any(d.person_id == person.id for d in request.decisions):
        return DecisionResult("already_decided", request)
    if person.id not in request.approver_ids:
        return DecisionResult("not_approver", request)
    decision = Decision(
        request_id=request.id, person_id=person.id, outcome=outcome, comment=comment, decided_at=now
    )
    session.add(decision)
    request.decisions.append(decision)
    verdicts = {d.person_id: d.outcome for d in request.decisions}
    request.status = states.request_status(request.mode, request.approver_ids, verdicts)
    item = await session.get_one(ContentItem, request.item_id)
    audit.record(
        session,
        action=f"approval.{outcome}",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
        stage=request.stage_name,
        comment=comment,
    )
    if request.status != states.PENDING:
        request.decided_at = now
    await session.flush()
    await notify.decision_recorded(
        session=session, org=org, item=item, request=request, decision=decision, now=now
    )
    if request.status == states.APPROVED:
        await _advance(session=session, org=org, item=item, now=now)
    elif request.status == states.REJECTED:
        await _finish(
            session=session,
            org=org,
            item=item,
            status=states.ITEM_REJECTED,
            now=now,
            decision=decision,
        )
    return DecisionResult("recorded", request)


async def _advance(
    *, session: AsyncSession, org: OrgConfig, item: ContentItem, now: datetime
) -> None:
    stages = org.approval_paths[item.approval_path].stages
    if item.current_stage + 1 < len(stages):
        await open_stage(session=session, org=org, item=item, index=item.current_stage + 1, now=now)
    else:
        await _finish(session=session, org=org, item=item, status=states.ITEM_APPROVED, now=now)


async def _finish(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    status: str,
    now: datetime,
    decision: Decision | None = None,
) -> None:
    item.status, item.decided_at, item.updated_at = status, now, now
    audit.record(session, action=f"content.{status}", subject=f"content:{item.id}", now=now)
    await notify.item_finished(session=session, org=org, item=item, decision=decision, now=now)


async def pending_approvals_for(
    *, session: AsyncSession, person: Person
) -> Sequence[ApprovalRequest]:
    return (
        await session.scalars(
            select(ApprovalRequest)
            .join(RequestApprover)
            .where(RequestApprover.person_id == person.id, ApprovalRequest.status == states.PENDING)
            .order_by(ApprovalRequest.created_at)
        )
    ).all()
