"""The crises as the board lists and shows them: who may look, every crisis in one statement,
one crisis with its timeline, checklist, team and statements (the protocol's own facts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states
from bot.approvals.reports import undecided_names
from bot.crisis import service
from bot.crisis.views import Facts
from bot.orgconfig import OrgConfig
from bot.publishing.who import is_manager
from storage.models import (
    ApprovalRequest,
    Crisis,
    CrisisCheck,
    CrisisContent,
    CrisisMember,
    Person,
)


async def may_see(session: AsyncSession, org: OrgConfig, person_id: int) -> bool:
    """Whoever may use the crisis commands (team, declarers, managers: `service.may_act`);
    without a crisis protocol configured, the social media managers."""
    person = await session.get(Person, person_id)
    if person is None or not person.active:
        return False
    if org.crisis is None:
        return is_manager(person)
    return await service.may_act(session, org.crisis, person)


async def was_paged(session: AsyncSession, crisis_id: int, person_id: int) -> bool:
    """Someone paged for this crisis keeps seeing it, even after the team changed."""
    found = await session.scalar(
        select(CrisisMember.id).where(
            CrisisMember.crisis_id == crisis_id, CrisisMember.person_id == person_id
        )
    )
    return found is not None


@dataclass(frozen=True)
class CrisisRow:
    id: int
    description: str
    status: str
    declared_at: datetime
    resolved_at: datetime | None
    severity: int | None
    declared_by: str
    members: int
    acked: int
    checks: int
    statements: int


async def crises(session: AsyncSession) -> list[CrisisRow]:
    """Every crisis, open ones first, newest first, with its counts: one statement."""
    members = (
        select(
            CrisisMember.crisis_id,
            func.count().label("members"),
            func.count(CrisisMember.acked_at).label("acked"),
        )
        .group_by(CrisisMember.crisis_id)
        .subquery()
    )
    checks = (
        select(CrisisCheck.crisis_id, func.count().label("n"))
        .group_by(CrisisCheck.crisis_id)
        .subquery()
    )
    statements = (
        select(CrisisContent.crisis_id, func.count().label("n"))
        .where(CrisisContent.kind == service.STATEMENT)
        .group_by(CrisisContent.crisis_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Crisis.id,
            Crisis.description,
            Crisis.status,
            Crisis.declared_at,
            Crisis.resolved_at,
            Crisis.severity,
            Person.name,
            func.coalesce(members.c.members, 0),
            func.coalesce(members.c.acked, 0),
            func.coalesce(checks.c.n, 0),
            func.coalesce(statements.c.n, 0),
        )
        .join(Person, Person.id == Crisis.declared_by_id)
        .outerjoin(members, members.c.crisis_id == Crisis.id)
        .outerjoin(checks, checks.c.crisis_id == Crisis.id)
        .outerjoin(statements, statements.c.crisis_id == Crisis.id)
        .order_by((Crisis.status == service.OPEN).desc(), Crisis.declared_at.desc(), Crisis.id)
    )
    return [CrisisRow(*row) for row in rows.all()]


@dataclass(frozen=True)
class CrisisDetail:
    facts: Facts
    # Statement item id → who has yet to decide its open approval.
    waiting_on: dict[int, list[str]]


async def detail(
    session: AsyncSession, org: OrgConfig, crisis_id: int, now: datetime
) -> CrisisDetail | None:
    crisis = await service.find(session, crisis_id, open_only=False)
    if crisis is None:
        return None
    facts = await service.facts(session, org, crisis, now)
    statements = [c.item_id for c in facts.content if c.kind == service.STATEMENT]
    return CrisisDetail(facts, await _waiting_on(session, statements))


async def _waiting_on(session: AsyncSession, item_ids: list[int]) -> dict[int, list[str]]:
    if not item_ids:
        return {}
    pending = await session.execute(
        select(ApprovalRequest.id, ApprovalRequest.item_id).where(
            and_(ApprovalRequest.item_id.in_(item_ids), ApprovalRequest.status == states.PENDING)
        )
    )
    by_request = {request_id: item_id for request_id, item_id in pending.all()}
    names = await undecided_names(session, list(by_request))
    out: dict[int, list[str]] = defaultdict(list)
    for request_id, people in names.items():
        out[by_request[request_id]].extend(people)
    return dict(out)
