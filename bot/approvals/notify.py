"""Who hears what when an approval moves: written to the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states, views
from bot.approvals.queries import current_request, deciders_of_other_stages
from bot.approvals.views import Progress, RequestFacts
from bot.channels.items import item_findings
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import people_map, reader_for
from bot.publishing.views import plan_buttons_for
from storage.models import (
    ApprovalRequest,
    ContentItem,
    ContentVersion,
    Decision,
    Department,
    Person,
    RequestApprover,
)


def card_key(request: ApprovalRequest, person_id: int) -> str:
    return f"approval:{request.id}:{person_id}"


def watchers(request: ApprovalRequest) -> list[int]:
    """Everyone with a card for the request: its approvers and the people they stand in for."""
    out: list[int] = []
    for row in request.approvers:
        for pid in (row.person_id, row.delegated_from_id):
            if pid is not None and pid not in out:
                out.append(pid)
    return out


async def facts_for(
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    other_stages: Mapping[int, str] | None = None,
) -> RequestFacts:
    """`other_stages`: `deciders_of_other_stages` of the request, when the caller has read it
    already in this transaction (a decision checks four eyes before its cards are redrawn)."""
    department = await session.get(Department, item.department_id) if item.department_id else None
    if other_stages is None:
        other_stages = await deciders_of_other_stages(session, item.id, request.stage_index)
    ids = set(watchers(request)) | {d.person_id for d in request.decisions} | {item.submitter_id}
    ids |= set(other_stages)
    people = await people_map(session, ids)
    version = await session.get_one(ContentVersion, request.version_id)
    seen_before: dict[int, ContentVersion] = {}
    for pid in watchers(request):
        previous = await last_seen_version(session, item.id, pid, before=version)
        if previous is not None:
            seen_before[pid] = previous
    path = org.approval_paths.get(item.approval_path)
    return RequestFacts(
        item=item,
        version=version,
        request=request,
        submitter=people[item.submitter_id],
        department=department.name if department else None,
        stage_count=len(path.stages) if path else request.stage_index + 1,
        approvers=[people[pid] for pid in sorted(request.approver_ids) if pid in people],
        people=people,
        seen_before=seen_before,
        findings=item_findings(org, item, version),
        urgent=org.crisis is not None and item.approval_path == org.crisis.approval_path,
        other_stages=list(other_stages.items()),
        org=org,
    )


async def last_seen_version(
    session: AsyncSession, item_id: int, person_id: int, *, before: ContentVersion
) -> ContentVersion | None:
    """The latest earlier version of the item this person had on a card."""
    return await session.scalar(
        select(ContentVersion)
        .join(ApprovalRequest, ApprovalRequest.version_id == ContentVersion.id)
        .join(RequestApprover, RequestApprover.request_id == ApprovalRequest.id)
        .where(
            ApprovalRequest.item_id == item_id,
            ContentVersion.number < before.number,
            (RequestApprover.person_id == person_id)
            | (RequestApprover.delegated_from_id == person_id),
        )
        .order_by(ContentVersion.number.desc())
        .limit(1)
    )


async def _post_cards(
    session: AsyncSession,
    org: OrgConfig,
    facts: RequestFacts,
    person_ids: Iterable[int],
    now: datetime,
) -> None:
    for pid in person_ids:
        person = facts.people[pid]
        card = views.request_card(reader_for(person, org), facts, pid)
        outbox.post_to_person(session, person, card, now=now, key=card_key(facts.request, pid))


async def refresh_cards(
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
    only: Iterable[int] | None = None,
    other_stages: Mapping[int, str] | None = None,
) -> RequestFacts:
    """Show every watcher (or `only` these) the request as it is now, in place."""
    facts = await facts_for(session, org, item, request, other_stages)
    chosen = set(only) if only is not None else None
    for pid in watchers(request):
        if chosen is not None and pid not in chosen:
            continue
        card = views.request_card(reader_for(facts.people[pid], org), facts, pid)
        await outbox.update(session, card_key(request, pid), card, now=now)
    return facts


async def request_opened(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
    other_stages: Mapping[int, str],
) -> None:
    facts = await facts_for(session, org, item, request, other_stages)
    await _post_cards(session, org, facts, watchers(request), now)
    await submitter_status(session, org, item, now, request)


def status_key(item: ContentItem) -> str:
    return f"submission:{item.id}"


async def _status_message(
    session: AsyncSession, org: OrgConfig, item: ContentItem, request: ApprovalRequest | None
) -> Message:
    submitter = await session.get_one(Person, item.submitter_id)
    if request is None:
        request = await current_request(session=session, item_id=item.id)
    path = org.approval_paths.get(item.approval_path)
    stages = [s.name for s in path.stages] if path else []
    with_: list[Person] = []
    decided_by = None
    if request is not None:
        people = await people_map(session, request.approver_ids)
        with_ = [people[p] for p in request.approver_ids if p in people]
        if request.decisions:
            decided_by = await session.get(Person, request.decisions[-1].person_id)
    progress = Progress(
        stages=stages or [item.approval_path],
        current=item.current_stage,
        with_=with_,
        decided_by=decided_by,
    )
    return views.submission_status(reader_for(submitter, org), item, progress)


async def post_submitter_status(
    session: AsyncSession, org: OrgConfig, item: ContentItem, now: datetime
) -> None:
    """The submitter's message about the item, in their chat with the bot: a message that
    can be updated in place (an answer to a Slack command cannot), at every step after."""
    submitter = await session.get_one(Person, item.submitter_id)
    message = await _status_message(session, org, item, None)
    outbox.post_to_person(session, submitter, message, now=now, key=status_key(item))


async def submitter_status(
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    now: datetime,
    request: ApprovalRequest | None = None,
) -> None:
    """Show the submitter where the item stands now (if they have the message). `request`:
    the item's newest request, when the caller holds it (else it is read)."""
    message = await _status_message(session, org, item, request)
    await outbox.update(session, status_key(item), message, now=now)


async def overdue(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    """A stage's time is up and nobody is there to escalate to: the social media managers
    hear it, so a deadline never passes unnoticed."""
    waiting = await people_map(session, request.approver_ids)
    names = ", ".join(p.name for p in waiting.values()) or "–"
    for person in await outbox.managers(session, org):
        reader = reader_for(person, org)
        text = reader.t(
            "approvals.overdue", id=item.id, title=item.title, stage=request.stage_name, names=names
        )
        outbox.post_to_person(session, person, Message(text=text), now=now)


async def withdrawn(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest | None,
    now: datetime,
) -> None:
    """Every approver's card says the item was withdrawn (no buttons); so does the status."""
    if request is not None:
        await refresh_cards(session, org, item, request, now)
    await submitter_status(session, org, item, now)


async def decision_recorded(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    decision: Decision,
    now: datetime,
    other_stages: Mapping[int, str],
) -> None:
    """Every card shows the decision; while an `all` stage waits, only the decider's."""
    only = [decision.person_id] if request.status == states.PENDING else None
    await refresh_cards(session, org, item, request, now, only, other_stages)


async def item_finished(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    decision: Decision | None,
    now: datetime,
) -> None:
    submitter = await session.get_one(Person, item.submitter_id)
    decider = await session.get(Person, decision.person_id) if decision else None
    message = views.finished(
        reader_for(submitter, org), item, decider, decision.comment if decision else None
    )
    if item.status == states.ITEM_APPROVED:  # *Einplanen* where the submitter may plan
        plan = plan_buttons_for(reader_for(submitter, org), org, item, submitter)
        message = message.model_copy(update={"buttons": [*message.buttons, *plan]})
    outbox.post_to_person(session, submitter, message, now=now)
    await submitter_status(session, org, item, now, request)


async def changes_requested(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    decision: Decision,
    now: datetime,
) -> None:
    submitter = await session.get_one(Person, item.submitter_id)
    decider = await session.get_one(Person, decision.person_id)
    message = views.changes_requested(
        reader_for(submitter, org), item, request.stage_name, decider, decision.comment or ""
    )
    outbox.post_to_person(session, submitter, message, now=now, key=changes_key(item, decision))
    await submitter_status(session, org, item, now, request)


def changes_key(item: ContentItem, decision: Decision) -> str:
    """A reply to this message (with a new file) is the item's next version."""
    return f"changes:{item.id}:{decision.id}"


async def reminder(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    facts = await facts_for(session, org, item, request)
    decided = {d.person_id for d in request.decisions}
    for pid in request.approver_ids:
        if pid in decided:
            continue
        person = facts.people[pid]
        message = views.reminder(reader_for(person, org), facts, pid, now)
        outbox.post_to_person(session, person, message, now=now)


async def timed_out(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    await refresh_cards(session, org, item, request, now)


async def escalated(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    targets: list[Person],
    added: list[Person],
    now: datetime,
) -> None:
    """The people it escalated to get a card; the original approvers see that it escalated."""
    added_ids = {p.id for p in added}
    facts = await refresh_cards(
        session, org, item, request, now, only=[p for p in watchers(request) if p not in added_ids]
    )
    await _post_cards(session, org, facts, [p.id for p in added], now)
    await submitter_status(session, org, item, now, request)


async def rerouted(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    original: Person,
    delegate: Person,
    now: datetime,
) -> None:
    """A waiting request moved to a stand-in: both see it on the request."""
    facts = await refresh_cards(session, org, item, request, now, only=[original.id])
    await _post_cards(session, org, facts, [delegate.id], now)
    await submitter_status(session, org, item, now, request)
