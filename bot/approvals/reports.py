"""What people can ask about approvals: status, an item's history, lead times."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.approvals import states
from bot.i18n import Reader
from bot.messages import Fact, Message, Section
from bot.people.service import people_by_id
from storage.models import (
    ApprovalRequest,
    AuditEntry,
    ContentItem,
    ContentVersion,
    Decision,
    Department,
    Person,
    RequestApprover,
)

SECTION_CHARS = 2800
EXCERPT = 300


def _age(reader: Reader, value: timedelta) -> str:
    return i18n.format_age(max(value, timedelta()), reader.locale)


async def _names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    return {p.id: p.name for p in await people_by_id(session, ids)}


def _chunks(lines: list[str]) -> list[Section]:
    sections: list[Section] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_CHARS:
            sections.append(Section(text=current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(Section(text=current))
    return sections


# --- status ------------------------------------------------------------------------------------


async def status_sections(
    session: AsyncSession, reader: Reader, person: Person, now: datetime
) -> list[Section]:
    out: list[Section] = []
    waiting = (
        await session.scalars(
            select(ApprovalRequest)
            .join(RequestApprover)
            .where(RequestApprover.person_id == person.id, ApprovalRequest.status == states.PENDING)
            .order_by(ApprovalRequest.created_at)
        )
    ).all()
    lines = []
    for pending in waiting:
        if any(d.person_id == person.id for d in pending.decisions):
            continue
        item = await session.get_one(ContentItem, pending.item_id)
        line = reader.t(
            "approvals.status.waiting_line",
            id=item.id,
            title=item.title,
            stage=pending.stage_name,
            age=_age(reader, now - pending.created_at),
        )
        if pending.due_at:
            line += " " + reader.t("approvals.status.due", when=reader.when(pending.due_at))
        lines.append(line)
    if lines:
        out.append(
            Section(
                text=reader.t("approvals.status.waiting", n=len(lines)) + "\n" + "\n".join(lines)
            )
        )
    items = (
        await session.scalars(
            select(ContentItem)
            .where(
                ContentItem.submitter_id == person.id,
                ContentItem.status.in_([states.ITEM_IN_REVIEW, states.ITEM_CHANGES_REQUESTED]),
            )
            .order_by(ContentItem.created_at)
        )
    ).all()
    mine = []
    for item in items:
        request = await session.scalar(
            select(ApprovalRequest)
            .where(ApprovalRequest.item_id == item.id)
            .order_by(ApprovalRequest.id.desc())
            .limit(1)
        )
        if request is None:
            continue
        if item.status == states.ITEM_CHANGES_REQUESTED:
            asker = request.decisions[-1].person_id if request.decisions else None
            names = await _names(session, [asker] if asker else [])
            mine.append(
                reader.t(
                    "approvals.status.changes_line",
                    id=item.id,
                    title=item.title,
                    stage=request.stage_name,
                    name=names.get(asker or 0, "?"),
                    age=_age(reader, now - (request.decided_at or request.created_at)),
                )
            )
            continue
        decided = {d.person_id for d in request.decisions}
        names = await _names(session, [p for p in request.approver_ids if p not in decided])
        mine.append(
            reader.t(
                "approvals.status.mine_line",
                id=item.id,
                title=item.title,
                stage=request.stage_name,
                names=", ".join(names.values()) or "–",
                age=_age(reader, now - request.created_at),
                total=_age(reader, now - item.created_at),
            )
        )
    if mine:
        out.append(
            Section(text=reader.t("approvals.status.mine", n=len(mine)) + "\n" + "\n".join(mine))
        )
    return out


# --- history -------------------------------------------------------------------------------------


async def may_see_history(session: AsyncSession, item: ContentItem, person: Person) -> bool:
    if item.submitter_id == person.id or "social_media_manager" in person.role_names:
        return True
    involved = await session.scalar(
        select(RequestApprover.request_id)
        .join(ApprovalRequest)
        .where(
            ApprovalRequest.item_id == item.id,
            (RequestApprover.person_id == person.id)
            | (RequestApprover.delegated_from_id == person.id),
        )
        .limit(1)
    )
    return involved is not None


async def history(session: AsyncSession, reader: Reader, item: ContentItem) -> Message:
    """Every version and every decision, with who and when, oldest first."""
    requests = (
        await session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.item_id == item.id)
            .order_by(ApprovalRequest.id)
        )
    ).all()
    ids = {item.submitter_id} | {v.author_id for v in item.versions}
    for request in requests:
        ids |= {a.person_id for a in request.approvers}
        ids |= {a.delegated_from_id for a in request.approvers if a.delegated_from_id}
        ids |= {d.person_id for d in request.decisions}
    names = await _names(session, sorted(ids))
    versions = {v.id: v for v in item.versions}
    events = [_version_event(reader, v, names) for v in item.versions]
    for request in requests:
        events.extend(_request_events(reader, request, names, versions))
    # At one instant: a new version, then decisions, then escalations, then the next stage.
    events.sort(key=lambda e: (e[0], e[1]))
    status = reader.t(f"approvals.item_status.{item.status}")
    return Message(
        text=reader.t("approvals.history.title", id=item.id, title=item.title),
        fields=[
            Fact(label=reader.t("approvals.field.path"), value=item.approval_path),
            Fact(label=reader.t("approvals.field.status"), value=status),
        ],
        sections=_chunks([text for _, _, text in events]),
        context=reader.t("approvals.history.tz", tz=str(reader.tz)),
    )


Event = tuple[datetime, int, str]


def _version_event(reader: Reader, version: ContentVersion, names: dict[int, str]) -> Event:
    excerpt = version.text if len(version.text) <= EXCERPT else version.text[: EXCERPT - 1] + "…"
    return (
        version.created_at,
        0,
        reader.t(
            "approvals.history.version",
            when=reader.when(version.created_at),
            n=version.number,
            name=names.get(version.author_id, "?"),
        )
        + "\n> "
        + excerpt.replace("\n", "\n> "),
    )


def _request_events(
    reader: Reader,
    request: ApprovalRequest,
    names: dict[int, str],
    versions: dict[int, ContentVersion],
) -> list[Event]:
    """A stage opening (to whom, delegated or escalated), its escalation, decisions, timeout."""
    events: list[Event] = []
    people = []
    for row in request.approvers:
        label = names.get(row.person_id, "?")
        if row.delegated_from_id:
            label += " " + reader.t(
                "approvals.history.for", name=names.get(row.delegated_from_id, "?")
            )
        if row.added_by == "escalation":
            label += " " + reader.t("approvals.history.by_escalation")
        people.append(label)
    shown = versions.get(request.version_id)
    events.append(
        (
            request.created_at,
            3,
            reader.t(
                "approvals.history.opened",
                when=reader.when(request.created_at),
                stage=request.stage_name,
                n=shown.number if shown else "?",
                names=", ".join(people),
            ),
        )
    )
    if request.escalated_at:
        events.append(
            (
                request.escalated_at,
                2,
                reader.t(
                    "approvals.history.escalated",
                    when=reader.when(request.escalated_at),
                    stage=request.stage_name,
                ),
            )
        )
    for decision in request.decisions:
        line = reader.t(
            f"approvals.history.{decision.outcome}",
            when=reader.when(decision.decided_at),
            stage=request.stage_name,
            name=names.get(decision.person_id, "?"),
        )
        if decision.comment:
            line += "\n> " + decision.comment.replace("\n", "\n> ")
        events.append((decision.decided_at, 1, line))
    if request.resolution == "timeout" and request.decided_at:
        events.append(
            (
                request.decided_at,
                1,
                reader.t(
                    "approvals.history.timeout",
                    when=reader.when(request.decided_at),
                    stage=request.stage_name,
                ),
            )
        )
    return events


async def audit_trail(session: AsyncSession, item_id: int) -> list[AuditEntry]:
    return list(
        (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == f"content:{item_id}")
                .order_by(AuditEntry.id)
            )
        ).all()
    )


# --- lead times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTime:
    """One decision: how long the stage waited for it, and how long since submission."""

    item_id: int
    stage: str
    approver_id: int | None  # None: decided by the clock (on_timeout: approve)
    department_id: str | None
    outcome: str
    waited: timedelta
    since_submission: timedelta
    decided_at: datetime


async def lead_times(session: AsyncSession, since: datetime | None = None) -> list[LeadTime]:
    """Derived from the decisions, so it is always complete and never out of step."""
    query = (
        select(Decision, ApprovalRequest, ContentItem)
        .join(ApprovalRequest, Decision.request_id == ApprovalRequest.id)
        .join(ContentItem, ApprovalRequest.item_id == ContentItem.id)
    )
    if since is not None:
        query = query.where(Decision.decided_at >= since)
    out = [
        LeadTime(
            item_id=item.id,
            stage=request.stage_name,
            approver_id=decision.person_id,
            department_id=item.department_id,
            outcome=decision.outcome,
            waited=decision.decided_at - request.created_at,
            since_submission=decision.decided_at - item.created_at,
            decided_at=decision.decided_at,
        )
        for decision, request, item in (await session.execute(query)).all()
    ]
    timeouts = (
        select(ApprovalRequest, ContentItem)
        .join(ContentItem, ApprovalRequest.item_id == ContentItem.id)
        .where(ApprovalRequest.resolution == "timeout")
    )
    for request, item in (await session.execute(timeouts)).all():
        if request.decided_at is None or (since is not None and request.decided_at < since):
            continue
        out.append(
            LeadTime(
                item_id=item.id,
                stage=request.stage_name,
                approver_id=None,
                department_id=item.department_id,
                outcome=states.APPROVED,
                waited=request.decided_at - request.created_at,
                since_submission=request.decided_at - item.created_at,
                decided_at=request.decided_at,
            )
        )
    return sorted(out, key=lambda lt: lt.decided_at)


@dataclass(frozen=True)
class Waiting:
    """Who is waiting on whom right now."""

    item_id: int
    title: str
    stage: str
    approver_id: int
    submitter_id: int
    since: datetime


async def waiting_now(session: AsyncSession) -> list[Waiting]:
    rows = await session.execute(
        select(ApprovalRequest, ContentItem)
        .join(ContentItem, ApprovalRequest.item_id == ContentItem.id)
        .where(ApprovalRequest.status == states.PENDING)
        .order_by(ApprovalRequest.created_at)
    )
    out = []
    for request, item in rows.all():
        decided = {d.person_id for d in request.decisions}
        for pid in request.approver_ids:
            if pid not in decided:
                out.append(
                    Waiting(
                        item.id,
                        item.title,
                        request.stage_name,
                        pid,
                        item.submitter_id,
                        request.created_at,
                    )
                )
    return out


def _median(values: list[timedelta]) -> timedelta:
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


async def stats(session: AsyncSession, reader: Reader, now: datetime) -> Message:
    times = await lead_times(session)
    waiting = await waiting_now(session)
    ids = sorted(
        {lt.approver_id for lt in times if lt.approver_id} | {w.approver_id for w in waiting}
    )
    names = await _names(session, ids)
    departments = {d.id: d.name for d in (await session.scalars(select(Department))).all()}
    clock = reader.t("approvals.stats.clock")

    def table(key: str, groups: dict[str, list[timedelta]]) -> Section | None:
        if not groups:
            return None
        lines = [
            reader.t("approvals.stats.line", name=name, median=_age(reader, _median(v)), n=len(v))
            for name, v in sorted(groups.items(), key=lambda kv: -_median(kv[1]))
        ]
        return Section(text=reader.t(key) + "\n" + "\n".join(lines))

    by_stage: dict[str, list[timedelta]] = defaultdict(list)
    by_approver: dict[str, list[timedelta]] = defaultdict(list)
    by_department: dict[str, list[timedelta]] = defaultdict(list)
    for lt in times:
        by_stage[lt.stage].append(lt.waited)
        by_approver[names.get(lt.approver_id, "?") if lt.approver_id else clock].append(lt.waited)
        dept = departments.get(lt.department_id or "", reader.t("approvals.stats.no_department"))
        by_department[dept].append(lt.since_submission)
    sections = [
        s
        for s in (
            table("approvals.stats.by_stage", by_stage),
            table("approvals.stats.by_approver", by_approver),
            table("approvals.stats.by_department", by_department),
        )
        if s is not None
    ]
    if waiting:
        lines = [
            reader.t(
                "approvals.stats.waiting_line",
                name=names.get(w.approver_id, "?"),
                id=w.item_id,
                title=w.title,
                stage=w.stage,
                age=_age(reader, now - w.since),
            )
            for w in sorted(waiting, key=lambda w: w.since)
        ]
        sections.append(Section(text=reader.t("approvals.stats.waiting") + "\n" + "\n".join(lines)))
    if not sections:
        return Message(
            text=reader.t("approvals.stats.title"), context=reader.t("approvals.stats.empty")
        )
    return Message(text=reader.t("approvals.stats.title"), sections=sections)
