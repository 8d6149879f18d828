"""Who left (`active: false`, or gone from the file) stops holding up work: their waiting
approvals move to the stage's `fallback` (else the social media managers), a stand-in who
left gives the approval back, their delegations end, and content requests addressed to
them go to their department lead. Who is no longer among a stage's approvers (a mover, a
role taken away) hands their waiting approvals of that stage to whom the stage names now.
Run in the same transaction as `sync_organisation`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, i18n
from bot.approvals import notify, states, views
from bot.approvals.queries import deciders_of_other_stages
from bot.approvals.service import DELEGATE, FALLBACK_ROLE, lock_request, resolve_approvers
from bot.content_requests.service import ACTIVE
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import (
    locale_of,
    people_for,
    people_with_role,
    person_by_handle,
    reader_for,
)
from storage.models import (
    ApprovalRequest,
    ContentItem,
    ContentRequest,
    Delegation,
    Person,
    RequestApprover,
)

# A RequestApprover's `added_by` when they decide in place of someone who left
# (`delegated_from_id` names who).
LEFT = "left"
# … when they decide in place of someone the stage no longer names (a mover).
MOVED = "moved"


async def hand_over(session: AsyncSession, org: OrgConfig, *, now: datetime) -> int:
    """Everything the people who left still hold; returns how many things moved."""
    moved = await _hand_over_movers(session, org, now)
    leavers = {
        p.id: p for p in (await session.scalars(select(Person).where(Person.active.is_(False))))
    }
    if not leavers:
        return moved
    await _end_delegations(session, list(leavers), now)
    rows = (
        await session.execute(
            select(RequestApprover.request_id, RequestApprover.person_id)
            .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
            .where(
                ApprovalRequest.status == states.PENDING,
                RequestApprover.person_id.in_(list(leavers)),
            )
            .order_by(RequestApprover.request_id)
        )
    ).all()
    for request_id, person_id in rows:
        moved += await _reroute(session, org, request_id, leavers[person_id], now)
    moved += await _readdress_requests(session, org, leavers, now)
    return moved


async def _end_delegations(session: AsyncSession, leaver_ids: list[int], now: datetime) -> None:
    await session.execute(
        update(Delegation)
        .where(
            Delegation.ended_at.is_(None),
            or_(Delegation.person_id.in_(leaver_ids), Delegation.delegate_id.in_(leaver_ids)),
        )
        .values(ended_at=now)
    )


async def _reroute(
    session: AsyncSession, org: OrgConfig, request_id: int, leaver: Person, now: datetime
) -> int:
    request = await lock_request(session, request_id)
    if any(d.person_id == leaver.id for d in request.decisions):
        return 0  # they decided before they left: that stands
    row = next((a for a in request.approvers if a.person_id == leaver.id), None)
    if row is None:
        return 0
    item = await session.get_one(ContentItem, request.item_id)
    targets = await _successors(session, org, request, item, row)
    return await _move(session, org, request, item, row, leaver, targets, LEFT, now)


async def _move(
    session: AsyncSession,
    org: OrgConfig,
    request: ApprovalRequest,
    item: ContentItem,
    row: RequestApprover,
    person: Person,
    targets: Sequence[Person],
    how: str,
    now: datetime,
) -> int:
    """Replace `person`'s approver row by `targets`, whose cards say why (`how`)."""
    if not targets:
        return 0  # nobody could take it: the row stays, the SLA escalates as usual
    await session.delete(row)
    request.approvers.remove(row)
    await session.flush()
    original = row.delegated_from_id
    for target in targets:
        back = original == target.id  # a stand-in left: the approval goes back
        request.approvers.append(
            RequestApprover(
                request_id=request.id,
                person_id=target.id,
                added_by=(None if row.added_by == DELEGATE else row.added_by) if back else how,
                delegated_from_id=None if back else person.id,
            )
        )
    audit.record(
        session,
        action=f"approval.rerouted_{how}",
        subject=f"content:{item.id}",
        now=now,
        person=person.handle,
        to=[p.handle for p in targets],
    )
    await session.flush()
    for target in targets:
        await notify.rerouted(
            session=session,
            org=org,
            item=item,
            request=request,
            original=person,
            delegate=target,
            now=now,
        )
    if person.id not in notify.watchers(request):  # a stand-in gave it back: no buttons now
        facts = await notify.facts_for(session, org, item, request)
        card = views.request_card(reader_for(person, org), facts, person.id)
        await outbox.update(session, notify.card_key(request, person.id), card, now=now)
    return 1


async def _hand_over_movers(session: AsyncSession, org: OrgConfig, now: datetime) -> int:
    """Approvers the stage named when the request opened (`added_by` None) but names no
    longer: the approval goes to whom it names now (not twice, four eyes kept). Whom a
    stage names is worked out once per path, stage, department and submitter: this runs
    at every start, over every waiting approval."""
    rows = (
        await session.execute(
            select(
                RequestApprover.request_id,
                RequestApprover.person_id,
                ApprovalRequest.stage_index,
                ContentItem.id,
                ContentItem.approval_path,
                ContentItem.department_id,
                ContentItem.submitter_id,
            )
            .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
            .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
            .join(Person, Person.id == RequestApprover.person_id)
            .where(
                ApprovalRequest.status == states.PENDING,
                RequestApprover.added_by.is_(None),
                RequestApprover.delegated_from_id.is_(None),
                Person.active,
            )
            .order_by(RequestApprover.request_id)
        )
    ).all()
    named: dict[tuple[str, int, str | None, int], list[Person]] = {}
    moved = 0
    for request_id, person_id, index, item_id, path_id, dept_id, submitter_id in rows:
        key = (path_id, index, dept_id, submitter_id)
        if key not in named:
            item = await session.get_one(ContentItem, item_id)
            stage = org.stage(path_id, index)
            named[key] = (
                await resolve_approvers(session=session, org=org, stage=stage, item=item)
                if stage is not None
                else []
            )
        if not named[key] or any(p.id == person_id for p in named[key]):
            continue  # still named (or the path is gone: nobody to hand it to)
        moved += await _move_named(session, org, request_id, person_id, named[key], now)
    return moved


async def _move_named(
    session: AsyncSession,
    org: OrgConfig,
    request_id: int,
    person_id: int,
    named: list[Person],
    now: datetime,
) -> int:
    request = await lock_request(session, request_id)
    row = next((a for a in request.approvers if a.person_id == person_id), None)
    if row is None or any(d.person_id == person_id for d in request.decisions):
        return 0
    item = await session.get_one(ContentItem, request.item_id)
    barred = await _barred(session, request, item)
    targets = [p for p in named if p.id not in barred]
    person = await session.get_one(Person, person_id)
    return await _move(session, org, request, item, row, person, targets, MOVED, now)


async def _barred(session: AsyncSession, request: ApprovalRequest, item: ContentItem) -> set[int]:
    """Who may not take this approval over: its approvers, the submitter, and who decided
    another stage of the item (four eyes)."""
    barred = set(await deciders_of_other_stages(session, item.id, request.stage_index))
    return barred | set(request.approver_ids) | {item.submitter_id}


async def _successors(
    session: AsyncSession,
    org: OrgConfig,
    request: ApprovalRequest,
    item: ContentItem,
    row: RequestApprover,
) -> Sequence[Person]:
    """The person a stand-in stood in for, if still here; else the stage's fallback, else
    the social media managers; never the submitter, nobody twice, four eyes kept."""
    if row.delegated_from_id is not None:
        original = await session.get(Person, row.delegated_from_id)
        if original is not None and original.active:
            return [original]
    barred = await _barred(session, request, item)
    stage = org.stage(item.approval_path, request.stage_index)
    refs = [r for r in (stage.fallback if stage else []) if r != "lead"]
    if stage and "lead" in stage.fallback and item.department_id:
        dept = next((d for d in org.departments if d.id == item.department_id), None)
        refs = ([dept.lead] if dept else []) + refs
    chosen = [p for p in await people_for(session, refs) if p.id not in barred]
    if chosen:
        return chosen  # the managers are asked only when the stage's fallback has nobody
    return [p for p in await people_with_role(session, FALLBACK_ROLE) if p.id not in barred]


async def _readdress_requests(
    session: AsyncSession, org: OrgConfig, leavers: dict[int, Person], now: datetime
) -> int:
    requests = (
        await session.scalars(
            select(ContentRequest).where(
                ContentRequest.status.in_(ACTIVE), ContentRequest.assignee_id.in_(list(leavers))
            )
        )
    ).all()
    moved = 0
    for request in requests:
        leaver = leavers[request.assignee_id]
        dept = org.department_of(leaver.handle)
        lead = await person_by_handle(session, dept.lead) if dept else None
        if lead is None or lead.id == leaver.id:
            continue
        request.assignee_id, request.awaiting_content, request.updated_at = lead.id, False, now
        locale = locale_of(lead, org)
        text = i18n.t(
            locale, "people.request_readdressed", id=request.id, name=leaver.name, what=request.what
        )
        outbox.post_to_person(session, lead, Message(text=text), now=now)
        moved += 1
    await session.flush()
    return moved
