"""Approval paths: choose a path, open a stage, decide on it, revise, time out, move on.

Service functions take `*, session`, write outbox rows through `notify` in the same
transaction, and never commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.approvals import notify, states
from bot.approvals.queries import WITH_DECIDERS, current_request, deciders_of_other_stages
from bot.channels.checks import texts_in_use
from bot.content.service import WITH_VERSIONS, create_item, title_from
from bot.crisis import holds as crisis_holds
from bot.orgconfig import DepartmentConfig, OrgConfig, StageConfig
from bot.people.service import people_with_role, person_by_handle
from bot.publishing import service as publishing
from bot.timers import service as timers
from storage.models import (
    ApprovalRequest,
    Attachment,
    ContentItem,
    ContentVersion,
    Decision,
    Delegation,
    Department,
    Person,
    RequestApprover,
)

FALLBACK_ROLE = "social_media_manager"
REMIND = "approval.remind"
SLA = "approval.sla"
ESCALATION = "escalation"
DELEGATE = "delegate"
FALLBACK = "fallback"
# Has the stage because everyone before them had decided another stage of the item.
FOUR_EYES = "four_eyes"
# Nobody else could decide: the four-eyes rule gives way rather than strand the stage.
ONLY_ONE = "only_one"


class RequestNotFound(Exception):
    pass


@dataclass(frozen=True)
class DecisionResult:
    """`recorded`, or why not: `not_approver`, `already_decided` (by someone, or by you),
    `comment_required` (reject and request changes need a reason), `four_eyes` (you decided
    `stage`, another stage of the item)."""

    status: str
    request: ApprovalRequest
    stage: str | None = None


@dataclass(frozen=True)
class PathChoice:
    """Which path, and why: `requested` (by the caller), `rule` (its `when` matched, see
    `matched`: (kind, value) pairs), `department` (the department's path) or `default`."""

    name: str
    reason: str
    matched: tuple[tuple[str, str], ...] = ()


class Submission(NamedTuple):
    item: ContentItem
    request: ApprovalRequest
    choice: PathChoice


def timer_prefix(request_id: int) -> str:
    return f"approval:{request_id}:"


# --- choosing the path -----------------------------------------------------------------------


def choose_path(
    org: OrgConfig,
    *,
    department: DepartmentConfig | None,
    text: str,
    channels: Sequence[str] = (),
    requested: str | None = None,
) -> PathChoice:
    """The first path (in file order) whose `when` rule matches, else the department's path,
    else the organisation's default."""
    if requested:
        return PathChoice(requested, "requested")
    folded = text.casefold()
    for name, path in org.approval_paths.items():
        rule = path.when
        if rule is None:
            continue
        matched: list[tuple[str, str]] = []
        if rule.departments:
            if department is None or department.id not in rule.departments:
                continue
            matched.append(("department", department.name))
        if rule.channels:
            hits = [c for c in channels if c in rule.channels]
            if not hits:
                continue
            names = {c.id: c.name for c in org.channels}
            matched.append(("channel", ", ".join(names.get(c, c) for c in hits)))
        if rule.keywords:
            words = [k for k in rule.keywords if k.strip() and k.casefold() in folded]
            if not words:
                continue
            matched.append(("keyword", ", ".join(words)))
        return PathChoice(name, "rule", tuple(matched))
    if department and department.approval_path:
        return PathChoice(
            department.approval_path, "department", (("department", department.name),)
        )
    return PathChoice(org.organization.default_approval_path, "default")


async def submit(
    *,
    session: AsyncSession,
    org: OrgConfig,
    submitter: Person,
    text: str,
    now: datetime,
    path: str | None = None,
    channels: Sequence[str] = (),
    channel_texts: Mapping[str, str] | None = None,
    publish_at: datetime | None = None,
    attachments: Sequence[Attachment] = (),
    reserved: ContentItem | None = None,
) -> Submission:
    """Create the item (or fill the one `reserved` for a draft) and open its first stage;
    `path` overrides the path rules, which look at the department, the target `channels` and
    the text. `channel_texts`: a text of its own per channel id (where the main text does not
    suit that channel)."""
    department = org.department_of(submitter.handle)
    choice = choose_path(org, department=department, text=text, channels=channels, requested=path)
    item = await create_item(
        session,
        submitter=submitter,
        department_id=department.id if department else None,
        approval_path=choice.name,
        text=text,
        status=states.ITEM_IN_REVIEW,
        now=now,
        reserved=reserved,
    )
    if channels:
        item.channels = list(channels)
    item.latest.channel_texts = dict(channel_texts or {})
    if publish_at is not None:
        item.publish_at = publish_at
    if attachments:
        item.latest.attachments.extend(attachments)
    await session.flush()
    audit.record(
        session,
        action="content.submitted",
        subject=f"content:{item.id}",
        now=now,
        actor_id=submitter.id,
        path=item.approval_path,
        reason=choice.reason,
        matched=[list(m) for m in choice.matched],
    )
    request = await open_stage(session=session, org=org, item=item, index=0, now=now)
    return Submission(item, request, choice)


# --- opening a stage ---------------------------------------------------------------------------


async def open_stage(
    *, session: AsyncSession, org: OrgConfig, item: ContentItem, index: int, now: datetime
) -> ApprovalRequest:
    stage = org.approval_paths[item.approval_path].stages[index]
    other_stages = await deciders_of_other_stages(session, item.id, index)
    chosen = await _approvers_with_provenance(
        session=session, org=org, stage=stage, item=item, barred=set(other_stages), now=now
    )
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
    request.approvers = [
        RequestApprover(person_id=p.id, added_by=how, delegated_from_id=original)
        for p, how, original in chosen
    ]
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
        version=item.latest.number,
        approvers=[p.handle for p, _, _ in chosen],
    )
    if stage.sla:
        for pct in stage.remind_at:
            await timers.schedule(
                session,
                kind=REMIND,
                key=f"{timer_prefix(request.id)}remind:{pct}",
                due_at=now + stage.sla * pct / 100,
                now=now,
                payload={"request_id": request.id, "percent": pct},
            )
        await timers.schedule(
            session,
            kind=SLA,
            key=f"{timer_prefix(request.id)}sla",
            due_at=now + stage.sla,
            now=now,
            payload={"request_id": request.id},
        )
    await notify.request_opened(
        session=session, org=org, item=item, request=request, now=now, other_stages=other_stages
    )
    return request


async def resolve_approvers(
    *, session: AsyncSession, org: OrgConfig, stage: StageConfig, item: ContentItem
) -> list[Person]:
    """Who decides this stage by the configuration (before delegations)."""
    return [p for p, _ in await _configured_approvers(session, org, stage, item)]


async def _configured_approvers(
    session: AsyncSession, org: OrgConfig, stage: StageConfig, item: ContentItem
) -> list[tuple[Person, str | None]]:
    """Nobody approves their own content: when the submitter would be the stage's only
    approver, the stage's `fallback` approvers decide, else the social media managers."""
    found = await _people_for_refs(session, stage.approvers, item)
    others = _not_submitter(found, item)
    if others:
        return [(p, None) for p in others]
    fallback = _not_submitter(await _people_for_refs(session, stage.fallback, item), item)
    if fallback:
        return [(p, FALLBACK) for p in fallback]
    managers = _not_submitter(await people_with_role(session, FALLBACK_ROLE), item)
    if managers:
        return [(p, FALLBACK) for p in managers]
    return [(p, None) for p in found]  # nobody else exists: better than a stage nobody sees


def _not_submitter(people: Sequence[Person], item: ContentItem) -> list[Person]:
    return [p for p in people if p.id != item.submitter_id]


Chosen = tuple[Person, str | None, int | None]  # who, added_by, stands in for


async def _approvers_with_provenance(
    *,
    session: AsyncSession,
    org: OrgConfig,
    stage: StageConfig,
    item: ContentItem,
    barred: set[int],
    now: datetime,
) -> list[Chosen]:
    """The configured approvers, each replaced by their stand-in while they are away. Four
    eyes: whoever decided another stage of the item decides not this one, directly or as a
    stand-in; when that leaves nobody, the stage's `fallback` decides, else the social media
    managers, else the approvers whose stand-in was barred decide themselves. `barred`: who
    decided another stage of the item."""
    configured = await _configured_approvers(session, org, stage, item)
    out, passed_over = await _with_stand_ins(session, configured, item, barred, now)
    if out or not barred:
        return out
    for people in (
        await _people_for_refs(session, stage.fallback, item),
        await people_with_role(session, FALLBACK_ROLE),
    ):
        candidates = [(p, FOUR_EYES) for p in _not_submitter(people, item)]
        out, more = await _with_stand_ins(session, candidates, item, barred, now)
        passed_over += [p for p in more if p not in passed_over]
        if out:
            return out
    if passed_over:
        return [(p, FOUR_EYES, None) for p in passed_over]
    return [(p, ONLY_ONE, None) for p, _ in configured]


async def _with_stand_ins(
    session: AsyncSession,
    candidates: Sequence[tuple[Person, str | None]],
    item: ContentItem,
    barred: set[int],
    now: datetime,
) -> tuple[list[Chosen], list[Person]]:
    """The candidates who may decide (a stand-in in place of an absent one), and the absent
    ones whose stand-in is barred."""
    out: list[Chosen] = []
    passed_over: list[Person] = []
    for person, how in candidates:
        if person.id in barred:
            continue
        stand_in = await active_delegate(session=session, person_id=person.id, now=now)
        entry: Chosen = (person, how, None)
        if stand_in is not None and stand_in.id != item.submitter_id:
            if stand_in.id in barred:
                passed_over.append(person)
                continue
            entry = (stand_in, DELEGATE, person.id)
        if all(p.id != entry[0].id for p, _, _ in out):
            out.append(entry)
    return out, passed_over


async def _people_for_refs(
    session: AsyncSession, refs: Sequence[str], item: ContentItem
) -> list[Person]:
    found: list[Person] = []
    for ref in refs:
        for person in await _people_for(session, ref, item):
            if person not in found:
                found.append(person)
    return found


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


async def active_delegate(*, session: AsyncSession, person_id: int, now: datetime) -> Person | None:
    delegation = await active_delegation(session=session, person_id=person_id, now=now)
    if delegation is None:
        return None
    stand_in = await session.get(Person, delegation.delegate_id)
    return stand_in if stand_in is not None and stand_in.active else None


async def active_delegation(
    *, session: AsyncSession, person_id: int, now: datetime
) -> Delegation | None:
    rows = await session.scalars(
        select(Delegation)
        .where(Delegation.person_id == person_id, Delegation.ended_at.is_(None))
        .order_by(Delegation.id.desc())
    )
    for delegation in rows.all():
        if delegation.until is None or delegation.until > now:
            return delegation
    return None


# --- deciding ------------------------------------------------------------------------------------


async def lock_request(session: AsyncSession, request_id: int) -> ApprovalRequest:
    """The request, re-read under the row lock (PostgreSQL) or the write lock (SQLite), then
    read with its approvers and decisions in one query. The lock is taken alone: PostgreSQL
    re-checks a row it waited for against the whole query, and with outer joins the winner's
    new decision made the request vanish for the loser."""
    await session.execute(
        select(ApprovalRequest.id).where(ApprovalRequest.id == request_id).with_for_update()
    )
    found = await session.scalars(
        select(ApprovalRequest)
        .options(*WITH_DECIDERS)
        .where(ApprovalRequest.id == request_id)
        .execution_options(populate_existing=True)
    )
    request = found.unique().one_or_none()
    if request is None:
        raise RequestNotFound(request_id)
    return request


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
    if outcome not in states.OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    request = await lock_request(session, request_id)
    if request.status != states.PENDING or any(d.person_id == person.id for d in request.decisions):
        return DecisionResult("already_decided", request)
    if person.id not in request.approver_ids:
        return DecisionResult("not_approver", request)
    if await crisis_holds.is_held(session, request.item_id):  # an open crisis holds it
        return DecisionResult("held", request)
    row = next(a for a in request.approvers if a.person_id == person.id)
    other_stages = await deciders_of_other_stages(session, request.item_id, request.stage_index)
    other = other_stages.get(person.id)
    if other is not None and row.added_by != ONLY_ONE:
        return DecisionResult("four_eyes", request, other)
    comment = (comment or "").strip() or None
    if outcome in states.NEEDS_COMMENT and comment is None:
        return DecisionResult("comment_required", request)
    decision = Decision(
        request_id=request.id, person_id=person.id, outcome=outcome, comment=comment, decided_at=now
    )
    session.add(decision)
    request.decisions.append(decision)
    verdicts = {d.person_id: d.outcome for d in request.decisions}
    escalated = [a.person_id for a in request.approvers if a.added_by == ESCALATION]
    regular = [a.person_id for a in request.approvers if a.added_by != ESCALATION]
    request.status = states.request_status(request.mode, regular, verdicts, escalated)
    if request.status != states.PENDING:
        request.decided_at = now
    item = await session.get_one(ContentItem, request.item_id, options=WITH_VERSIONS)
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
        await timers.cancel(session, key_prefix=timer_prefix(request.id), now=now)
    await session.flush()
    await notify.decision_recorded(
        session=session,
        org=org,
        item=item,
        request=request,
        decision=decision,
        now=now,
        other_stages=other_stages,
    )
    await _after_request(session=session, org=org, item=item, request=request, now=now)
    return DecisionResult("recorded", request)


async def _after_request(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    decision = request.decisions[-1] if request.decisions else None
    if request.status == states.APPROVED:
        await _advance(session=session, org=org, item=item, request=request, now=now)
    elif request.status == states.REJECTED:
        await _finish(
            session=session,
            org=org,
            item=item,
            request=request,
            status=states.ITEM_REJECTED,
            now=now,
            decision=decision,
        )
    elif request.status == states.CHANGES_REQUESTED and decision is not None:
        item.status, item.updated_at = states.ITEM_CHANGES_REQUESTED, now
        await notify.changes_requested(
            session=session, org=org, item=item, request=request, decision=decision, now=now
        )


async def _advance(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    now: datetime,
) -> None:
    """`request`: the stage just approved."""
    stages = org.approval_paths[item.approval_path].stages
    if item.current_stage + 1 < len(stages):
        await open_stage(session=session, org=org, item=item, index=item.current_stage + 1, now=now)
    else:
        await _finish(
            session=session,
            org=org,
            item=item,
            request=request,
            status=states.ITEM_APPROVED,
            now=now,
        )


async def _finish(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item: ContentItem,
    request: ApprovalRequest,
    status: str,
    now: datetime,
    decision: Decision | None = None,
) -> None:
    """`request`: the item's last, the one that finished it."""
    item.status, item.decided_at, item.updated_at = status, now, now
    audit.record(session, action=f"content.{status}", subject=f"content:{item.id}", now=now)
    await notify.item_finished(
        session=session, org=org, item=item, request=request, decision=decision, now=now
    )
    if status == states.ITEM_APPROVED:  # its postings wait to be planned (bot/publishing)
        await publishing.item_approved(session=session, org=org, item=item, now=now)


# --- revising ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionResult:
    """`revised` (with the new request), or why not: `not_found`, `not_submitter`,
    `not_waiting` (nobody asked for changes), `empty`."""

    status: str
    item: ContentItem | None = None
    request: ApprovalRequest | None = None


async def revise(
    *,
    session: AsyncSession,
    org: OrgConfig,
    item_id: int,
    person: Person,
    text: str,
    now: datetime,
    attachments: Sequence[Attachment] = (),
    channel_texts: Mapping[str, str] | None = None,
) -> RevisionResult:
    """The next version re-enters the path at the stage that asked for changes. A new file
    with no text keeps the text as it was; without `channel_texts` (typed `/revise`, a file)
    the channels keep their own texts, with them (the revise form) they are replaced."""
    item = await _locked_item(session, item_id)
    if item is None:
        return RevisionResult("not_found")
    if item.submitter_id != person.id:
        return RevisionResult("not_submitter", item)
    if item.status != states.ITEM_CHANGES_REQUESTED:
        return RevisionResult("not_waiting", item)
    if not text.strip() and not attachments:
        return RevisionResult("empty", item)
    text = text.strip() or item.latest.text
    own = (item.latest.channel_texts or {}) if channel_texts is None else channel_texts
    version = ContentVersion(
        item_id=item.id,
        number=item.latest.number + 1,
        text=text,
        channel_texts=texts_in_use(item.channels, own),
        author_id=person.id,
        created_at=now,
    )
    version.attachments = list(attachments)
    item.versions.append(version)
    item.title, item.updated_at = title_from(text), now
    await session.flush()
    audit.record(
        session,
        action="content.revised",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
        version=version.number,
    )
    request = await open_stage(
        session=session, org=org, item=item, index=item.current_stage, now=now
    )
    return RevisionResult("revised", item, request)


@dataclass(frozen=True)
class WithdrawResult:
    """`withdrawn`, or why not: `not_found`, `not_submitter`, `too_late` (decided)."""

    status: str
    item: ContentItem | None = None


async def withdraw(
    *, session: AsyncSession, org: OrgConfig, item_id: int, person: Person, now: datetime
) -> WithdrawResult:
    """The submitter takes the item back while no final decision is made: the waiting stage
    closes, its timers stop, and every card says so."""
    item = await _locked_item(session, item_id)
    if item is None:
        return WithdrawResult("not_found")
    if item.submitter_id != person.id:
        return WithdrawResult("not_submitter", item)
    if item.status not in states.WITHDRAWABLE:
        return WithdrawResult("too_late", item)
    request = await current_request(session=session, item_id=item.id)
    if request is not None and request.status == states.PENDING:
        request = await lock_request(session, request.id)
        request.status, request.decided_at = states.WITHDRAWN, now
        await timers.cancel(session, key_prefix=timer_prefix(request.id), now=now)
    item.status, item.decided_at, item.updated_at = states.ITEM_WITHDRAWN, now, now
    audit.record(
        session,
        action="content.withdrawn",
        subject=f"content:{item.id}",
        now=now,
        actor_id=person.id,
    )
    await session.flush()
    await notify.withdrawn(session=session, org=org, item=item, request=request, now=now)
    return WithdrawResult("withdrawn", item)


# --- deadlines ---------------------------------------------------------------------------------


async def remind(
    *, session: AsyncSession, org: OrgConfig, request_id: int, percent: int, now: datetime
) -> bool:
    """Remind the approvers who have not decided yet; False if the request is done."""
    request = await lock_request(session, request_id)
    if request.status != states.PENDING:
        return False
    item = await session.get_one(ContentItem, request.item_id)
    await notify.reminder(session=session, org=org, item=item, request=request, now=now)
    audit.record(
        session,
        action="approval.reminded",
        subject=f"content:{item.id}",
        now=now,
        stage=request.stage_name,
        percent=percent,
    )
    return True


async def sla_passed(
    *, session: AsyncSession, org: OrgConfig, request_id: int, now: datetime
) -> str | None:
    """The stage's time is up: `approved` (silence is consent on this stage) or `escalated`;
    None if it was decided meanwhile."""
    request = await lock_request(session, request_id)
    if request.status != states.PENDING:
        return None
    item = await session.get_one(ContentItem, request.item_id)
    path = org.approval_paths.get(item.approval_path)
    stage = (
        path.stages[request.stage_index]
        if path and request.stage_index < len(path.stages)
        else None
    )
    if stage is not None and stage.on_timeout == "approve":
        if await crisis_holds.is_held(session, request.item_id):
            return None  # silence is no consent while a crisis holds this approval
        request.status, request.resolution, request.decided_at = states.APPROVED, "timeout", now
        audit.record(
            session,
            action="approval.timeout_approved",
            subject=f"content:{item.id}",
            now=now,
            stage=request.stage_name,
        )
        await timers.cancel(session, key_prefix=timer_prefix(request.id), now=now)
        await session.flush()
        await notify.timed_out(session=session, org=org, item=item, request=request, now=now)
        await _advance(session=session, org=org, item=item, request=request, now=now)
        return states.APPROVED
    ref = (stage.escalate_to if stage else None) or "lead"
    barred = set(await deciders_of_other_stages(session, item.id, request.stage_index))
    targets = [
        p for p in _not_submitter(await _people_for(session, ref, item), item) if p.id not in barred
    ]
    if not targets:
        managers = _not_submitter(await people_with_role(session, FALLBACK_ROLE), item)
        targets = [p for p in managers if p.id not in barred]
    if not targets:  # nobody to escalate to: the approvers keep it, the managers hear of it
        audit.record(
            session,
            action="approval.overdue",
            subject=f"content:{item.id}",
            now=now,
            stage=request.stage_name,
        )
        await notify.overdue(session=session, org=org, item=item, request=request, now=now)
        return "overdue"
    request.escalated_at = now
    added: list[Person] = []
    for person in targets:
        if person.id not in request.approver_ids:
            request.approvers.append(
                RequestApprover(request_id=request.id, person_id=person.id, added_by=ESCALATION)
            )
            added.append(person)
        else:
            for row in request.approvers:
                if row.person_id == person.id:
                    row.added_by = ESCALATION
    audit.record(
        session,
        action="approval.escalated",
        subject=f"content:{item.id}",
        now=now,
        stage=request.stage_name,
        to=[p.handle for p in targets],
    )
    await session.flush()
    await notify.escalated(
        session=session, org=org, item=item, request=request, targets=targets, added=added, now=now
    )
    return "escalated"


# --- delegation -----------------------------------------------------------------------------------


async def start_delegation(
    *,
    session: AsyncSession,
    org: OrgConfig,
    person: Person,
    delegate: Person,
    until: datetime | None,
    now: datetime,
) -> tuple[Delegation, int]:
    """Route the person's approvals to the stand-in, including the ones waiting now.
    Returns the delegation and how many waiting requests moved."""
    await end_delegation(session=session, person=person, now=now, quiet=True)
    delegation = Delegation(
        person_id=person.id, delegate_id=delegate.id, until=until, created_at=now
    )
    session.add(delegation)
    audit.record(
        session,
        action="approval.delegated",
        subject=f"person:{person.id}",
        now=now,
        actor_id=person.id,
        delegate=delegate.handle,
        until=until.isoformat() if until else None,
    )
    moved = 0
    for request in await pending_approvals_for(session=session, person=person):
        request = await lock_request(session, request.id)
        if any(d.person_id == person.id for d in request.decisions):
            continue
        if delegate.id in request.approver_ids:
            continue
        item = await session.get_one(ContentItem, request.item_id)
        if item.submitter_id == delegate.id:
            continue
        if delegate.id in await deciders_of_other_stages(session, item.id, request.stage_index):
            continue  # four eyes: the stand-in decided another stage of it
        row = next(a for a in request.approvers if a.person_id == person.id)
        how = row.added_by
        await session.delete(row)
        request.approvers.remove(row)
        await session.flush()
        request.approvers.append(
            RequestApprover(
                request_id=request.id,
                person_id=delegate.id,
                added_by=how or DELEGATE,
                delegated_from_id=person.id,
            )
        )
        await session.flush()
        await notify.rerouted(
            session=session,
            org=org,
            item=item,
            request=request,
            original=person,
            delegate=delegate,
            now=now,
        )
        moved += 1
    await session.flush()
    return delegation, moved


async def end_delegation(
    *, session: AsyncSession, person: Person, now: datetime, quiet: bool = False
) -> Delegation | None:
    """`/desk delegate off`: new requests reach the person again."""
    delegation = await active_delegation(session=session, person_id=person.id, now=now)
    if delegation is None:
        return None
    delegation.ended_at = now
    if not quiet:
        audit.record(
            session,
            action="approval.delegation_ended",
            subject=f"person:{person.id}",
            now=now,
            actor_id=person.id,
        )
    await session.flush()
    return delegation


# --- queries --------------------------------------------------------------------------------------


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


async def _locked_item(session: AsyncSession, item_id: int) -> ContentItem | None:
    """The submitted item, locked and read fresh (a reserved draft number is no item yet):
    the submitter's revise and withdraw race the approvers' decisions."""
    item = await session.scalar(
        select(ContentItem)
        .where(ContentItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return None if item is None or item.status == states.ITEM_DRAFT else item
