"""What people can ask about approvals: status, an item's history, lead times."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    CTE,
    ColumnElement,
    String,
    cast,
    exists,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.approvals import states
from bot.approvals.queries import newest_request_id
from bot.i18n import Reader
from bot.messages import Fact, Message, Section
from bot.reporting import LIMIT, format_number, with_more
from bot.reporting.sql import Median, first_and_total, medians, seconds_between
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

EXCERPT = 300


def _age(reader: Reader, value: timedelta) -> str:
    return i18n.format_age(max(value, timedelta()), reader.locale)


async def _names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.name).where(Person.id.in_(set(ids))))
    return {pid: name for pid, name in rows}


# --- status ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingForPerson:
    """A request that waits for one person's decision, with its item."""

    item_id: int
    title: str
    stage: str
    created_at: datetime
    due_at: datetime | None


async def waiting_for(
    session: AsyncSession, person_id: int, limit: int = LIMIT
) -> tuple[list[PendingForPerson], int]:
    """The oldest pending requests this person has yet to decide, and how many there are."""
    found, total = await first_and_total(
        session,
        select(
            ContentItem.id,
            ContentItem.title,
            ApprovalRequest.stage_name,
            ApprovalRequest.created_at,
            ApprovalRequest.due_at,
        )
        .select_from(RequestApprover)
        .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
        .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
        .where(
            RequestApprover.person_id == person_id,
            ApprovalRequest.status == states.PENDING,
            not_decided_yet(),
        )
        .order_by(ApprovalRequest.created_at, ApprovalRequest.id),
        limit,
    )
    return [PendingForPerson(*row) for row in found], total


def not_decided_yet() -> ColumnElement[bool]:
    """The approver of the row (request_approvers) has not decided that request yet."""
    return ~exists().where(
        Decision.request_id == RequestApprover.request_id,
        Decision.person_id == RequestApprover.person_id,
    )


def _counted(reader: Reader, key: str, lines: list[str], total: int) -> Section:
    """A heading with the total, the first lines, and how many more there are."""
    heading = reader.t(key, n=format_number(total, reader.locale))
    return Section(text=heading, items=with_more(reader.locale, lines, total))


async def status_sections(
    session: AsyncSession, reader: Reader, person: Person, now: datetime
) -> list[Section]:
    """What waits for this person's decision and where their own submissions are."""
    out: list[Section] = []
    waiting, total = await waiting_for(session, person.id)
    if waiting:
        lines = [_waiting_line(reader, pending, now) for pending in waiting]
        out.append(_counted(reader, "approvals.status.waiting", lines, total))
    mine, total = await _submissions(session, reader, person.id, now)
    if mine:
        out.append(_counted(reader, "approvals.status.mine", mine, total))
    return out


def _waiting_line(reader: Reader, pending: PendingForPerson, now: datetime) -> str:
    line = reader.t(
        "approvals.status.waiting_line",
        id=pending.item_id,
        title=pending.title,
        stage=pending.stage,
        age=_age(reader, now - pending.created_at),
    )
    if pending.due_at:
        line += " " + reader.t("approvals.status.due", when=reader.when(pending.due_at))
    return line


async def _submissions(
    session: AsyncSession, reader: Reader, person_id: int, now: datetime
) -> tuple[list[str], int]:
    """The person's items still in approval (oldest first, cut), each at its newest request."""
    latest = newest_request_id()
    rows, total = await first_and_total(
        session,
        select(
            ContentItem.id,
            ContentItem.title,
            ContentItem.status,
            ContentItem.created_at,
            ApprovalRequest.id,
            ApprovalRequest.stage_name,
            ApprovalRequest.created_at,
            ApprovalRequest.decided_at,
        )
        .select_from(ContentItem)
        .join(ApprovalRequest, ApprovalRequest.id == latest)
        .where(
            ContentItem.submitter_id == person_id,
            ContentItem.status.in_([states.ITEM_IN_REVIEW, states.ITEM_CHANGES_REQUESTED]),
        )
        .order_by(ContentItem.created_at, ContentItem.id),
        LIMIT,
    )
    if not rows:
        return [], 0
    request_ids = [row[4] for row in rows]
    undecided = await undecided_names(session, request_ids)
    askers = await _last_decider_names(session, request_ids)
    lines = []
    for item_id, title, status, item_at, request_id, stage, request_at, decided_at in rows:
        if status == states.ITEM_CHANGES_REQUESTED:
            line = reader.t(
                "approvals.status.changes_line",
                id=item_id,
                title=title,
                stage=stage,
                name=askers.get(request_id, "?"),
                age=_age(reader, now - (decided_at or request_at)),
            )
        else:
            line = reader.t(
                "approvals.status.mine_line",
                id=item_id,
                title=title,
                stage=stage,
                names=", ".join(undecided.get(request_id, [])) or "–",
                age=_age(reader, now - request_at),
                total=_age(reader, now - item_at),
            )
        lines.append(line)
    return lines, total


async def undecided_names(session: AsyncSession, request_ids: list[int]) -> dict[int, list[str]]:
    """Per request: the names of the approvers who have not decided yet (the agenda too)."""
    rows = await session.execute(
        select(RequestApprover.request_id, Person.name)
        .join(Person, Person.id == RequestApprover.person_id)
        .where(
            RequestApprover.request_id.in_(request_ids),
            not_decided_yet(),
        )
        .order_by(RequestApprover.request_id, Person.id)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for request_id, name in rows.all():
        out[request_id].append(name)
    return out


async def _last_decider_names(session: AsyncSession, request_ids: list[int]) -> dict[int, str]:
    """Per request: who decided last (the one who asked for changes)."""
    rows = await session.execute(
        select(Decision.request_id, Person.name)
        .join(Person, Person.id == Decision.person_id)
        .where(Decision.request_id.in_(request_ids))
        .order_by(Decision.request_id, Decision.decided_at, Decision.id)
    )
    return {request_id: name for request_id, name in rows.all()}


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


async def history(
    session: AsyncSession, reader: Reader, item: ContentItem, *, path_name: str
) -> Message:
    """Every version and every decision, with who and when, oldest first; the approval path
    by the name the organisation gave it."""
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
            Fact(label=reader.t("approvals.field.path"), value=path_name),
            Fact(label=reader.t("approvals.field.status"), value=status),
        ],
        sections=[Section(items=[text for _, _, text in events])],
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


def _lead_times() -> CTE:
    """Every decision, and every stage the clock decided (`on_timeout: approve`, no approver):
    its stage, approver, department, how long the stage waited and how long since submission.
    Derived from the decisions, so it is always complete and never out of step."""
    decided = (
        select(
            ApprovalRequest.stage_name.label("stage"),
            Decision.person_id.label("approver_id"),
            ContentItem.department_id.label("department_id"),
            seconds_between(Decision.decided_at, ApprovalRequest.created_at).label("waited"),
            seconds_between(Decision.decided_at, ContentItem.created_at).label("since"),
        )
        .join(ApprovalRequest, Decision.request_id == ApprovalRequest.id)
        .join(ContentItem, ApprovalRequest.item_id == ContentItem.id)
    )
    timed_out = (
        select(
            ApprovalRequest.stage_name,
            null(),
            ContentItem.department_id,
            seconds_between(ApprovalRequest.decided_at, ApprovalRequest.created_at),
            seconds_between(ApprovalRequest.decided_at, ContentItem.created_at),
        )
        .join(ContentItem, ApprovalRequest.item_id == ContentItem.id)
        .where(ApprovalRequest.resolution == "timeout", ApprovalRequest.decided_at.is_not(None))
    )
    return union_all(decided, timed_out).cte("lead_times")


async def _lead_time_medians(session: AsyncSession) -> dict[str, dict[str | None, Median]]:
    """Median wait per stage and per approver, and median time since submission per
    department: one statement, the lead times read once. Keys are strings (approver ids too)
    so the three groupings fit one column; None is the clock or no department."""
    lead = _lead_times()
    groupings = [
        ("stage", lead.c.stage, lead.c.waited),
        ("approver", lead.c.approver_id, lead.c.waited),
        ("department", lead.c.department_id, lead.c.since),
    ]
    rows = union_all(
        *(
            select(
                literal(name).label("grouping"),
                cast(key, String).label("key"),
                seconds.label("seconds"),
            )
            for name, key, seconds in groupings
        )
    ).subquery()
    out: dict[str, dict[str | None, Median]] = {name: {} for name, _, _ in groupings}
    for (grouping, key), median in (await medians(session, rows)).items():
        out[grouping][key] = median
    return out


@dataclass(frozen=True)
class WaitingNow:
    """Who is waiting on whom right now."""

    approver: str
    item_id: int
    title: str
    stage: str
    since: datetime


async def waiting_now(session: AsyncSession, limit: int = LIMIT) -> tuple[list[WaitingNow], int]:
    """The longest-waiting (request, approver) pairs not decided yet, and how many there are."""
    found, total = await first_and_total(
        session,
        select(
            Person.name,
            ContentItem.id,
            ContentItem.title,
            ApprovalRequest.stage_name,
            ApprovalRequest.created_at,
        )
        .select_from(ApprovalRequest)
        .join(RequestApprover, RequestApprover.request_id == ApprovalRequest.id)
        .join(Person, Person.id == RequestApprover.person_id)
        .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
        .where(ApprovalRequest.status == states.PENDING, not_decided_yet())
        .order_by(ApprovalRequest.created_at, ApprovalRequest.id, Person.id),
        limit,
    )
    return [WaitingNow(*row) for row in found], total


async def stats(session: AsyncSession, reader: Reader, now: datetime) -> Message:
    """Median lead times per stage, approver and department, and who waits on whom now."""
    by = await _lead_time_medians(session)
    names = await _names(session, [int(key) for key in by["approver"] if key is not None])
    no_department = reader.t("approvals.stats.no_department")
    departments: dict[str | None, str] = {
        dept_id: name
        for dept_id, name in await session.execute(select(Department.id, Department.name))
    }
    clock = reader.t("approvals.stats.clock")
    tables = [
        ("approvals.stats.by_stage", {str(k): v for k, v in by["stage"].items()}),
        (
            "approvals.stats.by_approver",
            {names.get(int(k), "?") if k else clock: v for k, v in by["approver"].items()},
        ),
        (
            "approvals.stats.by_department",
            {departments.get(k, no_department): v for k, v in by["department"].items()},
        ),
    ]
    sections = [_median_table(reader, key, groups) for key, groups in tables if groups]
    waiting, total = await waiting_now(session)
    if waiting:
        lines = [
            reader.t(
                "approvals.stats.waiting_line",
                name=w.approver,
                id=w.item_id,
                title=w.title,
                stage=w.stage,
                age=_age(reader, now - w.since),
            )
            for w in waiting
        ]
        items = with_more(reader.locale, lines, total)
        sections.append(Section(text=reader.t("approvals.stats.waiting"), items=items))
    if not sections:
        return Message(
            text=reader.t("approvals.stats.title"), context=reader.t("approvals.stats.empty")
        )
    return Message(text=reader.t("approvals.stats.title"), sections=sections)


def _median_table(reader: Reader, key: str, groups: dict[str, Median]) -> Section:
    """Slowest first, cut after the first few."""
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1].median, kv[0]))
    lines = [
        reader.t(
            "approvals.stats.line",
            name=name,
            median=_age(reader, m.median),
            n=format_number(m.n, reader.locale),
        )
        for name, m in ranked[:LIMIT]
    ]
    return Section(text=reader.t(key), items=with_more(reader.locale, lines, len(ranked)))
