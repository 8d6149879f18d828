"""What a person's Home shows, read set-based: two statements per list (the first rows and
how many there are), never one per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states
from bot.approvals.queries import newest_request_id
from bot.approvals.reports import not_decided_yet, undecided_names
from bot.crisis.holds import HELD
from bot.crisis.service import OPEN as OPEN_CRISIS
from bot.publishing import states as posting_states
from bot.reporting.sql import first_and_total
from storage.models import (
    ApprovalRequest,
    ContentItem,
    Crisis,
    CrisisContent,
    MeetingTopic,
    Person,
    Posting,
    RequestApprover,
)

# Decided submissions stay on the Home this long after their last change.
RECENT = timedelta(days=14)


@dataclass(frozen=True)
class Waiting:
    """A request waiting for this person's decision."""

    request_id: int
    item_id: int
    title: str
    stage: str
    created_at: datetime
    due_at: datetime | None
    submitter: str
    approval_path: str
    held: bool  # an open crisis holds it: no decision until it is resolved


async def waiting_for(
    session: AsyncSession, person_id: int, limit: int
) -> tuple[list[Waiting], int]:
    """The oldest requests this person has yet to decide, and how many there are."""
    held = exists().where(
        CrisisContent.item_id == ContentItem.id,
        CrisisContent.kind == HELD,
        CrisisContent.state == HELD,
    )
    rows, total = await first_and_total(
        session,
        select(
            ApprovalRequest.id,
            ContentItem.id,
            ContentItem.title,
            ApprovalRequest.stage_name,
            ApprovalRequest.created_at,
            ApprovalRequest.due_at,
            Person.name,
            ContentItem.approval_path,
            held,
        )
        .select_from(RequestApprover)
        .join(ApprovalRequest, ApprovalRequest.id == RequestApprover.request_id)
        .join(ContentItem, ContentItem.id == ApprovalRequest.item_id)
        .join(Person, Person.id == ContentItem.submitter_id)
        .where(
            RequestApprover.person_id == person_id,
            ApprovalRequest.status == states.PENDING,
            not_decided_yet(),
        )
        .order_by(ApprovalRequest.created_at, ApprovalRequest.id),
        limit,
    )
    return [Waiting(*row) for row in rows], total


@dataclass(frozen=True)
class Submission:
    item_id: int
    title: str
    status: str
    stage: str | None
    waiting_on: list[str]  # who has yet to decide, while it is in review


async def submissions_of(
    session: AsyncSession, person_id: int, now: datetime, limit: int
) -> tuple[list[Submission], int]:
    """This person's items still in approval, then the ones decided lately, newest first."""
    latest = newest_request_id()
    in_approval = ContentItem.status.in_(states.WITHDRAWABLE)
    rows, total = await first_and_total(
        session,
        select(ContentItem.id, ContentItem.title, ContentItem.status, ApprovalRequest)
        .select_from(ContentItem)
        .outerjoin(ApprovalRequest, ApprovalRequest.id == latest)
        .where(
            ContentItem.submitter_id == person_id,
            ContentItem.status != states.ITEM_DRAFT,
            or_(in_approval, ContentItem.updated_at >= now - RECENT),
        )
        .order_by(case((in_approval, 0), else_=1), ContentItem.updated_at.desc()),
        limit,
    )
    reviewing = [r[3].id for r in rows if r[3] is not None and r[2] == states.ITEM_IN_REVIEW]
    names = await undecided_names(session, reviewing) if reviewing else {}
    return [
        Submission(
            item_id,
            title,
            status,
            request.stage_name if request else None,
            names.get(request.id, []) if request else [],
        )
        for item_id, title, status, request in rows
    ], total


@dataclass(frozen=True)
class ToPost:
    item_id: int
    title: str
    channel: str
    status: str
    planned_at: datetime | None


async def to_post(
    session: AsyncSession,
    channels: list[str],
    day_start: datetime,
    day_end: datetime,
    limit: int,
) -> tuple[list[ToPost], int]:
    """On these channels: what was handed off and is not marked yet, and what is planned for
    the day, earliest first."""
    if not channels:
        return [], 0
    rows, total = await first_and_total(
        session,
        select(
            ContentItem.id, ContentItem.title, Posting.channel, Posting.status, Posting.planned_at
        )
        .join(ContentItem, ContentItem.id == Posting.item_id)
        .where(
            Posting.channel.in_(channels),
            or_(
                Posting.status == posting_states.DUE,
                (Posting.status == posting_states.PLANNED)
                & (Posting.planned_at >= day_start)
                & (Posting.planned_at < day_end),
            ),
        )
        .order_by(Posting.planned_at, Posting.id),
        limit,
    )
    return [ToPost(*row) for row in rows], total


async def topics_of(
    session: AsyncSession, person_id: int, occurrence: str, limit: int
) -> tuple[list[str], int]:
    """The topics this person brought to the meeting."""
    rows, total = await first_and_total(
        session,
        select(MeetingTopic.text)
        .where(MeetingTopic.occurrence == occurrence, MeetingTopic.person_id == person_id)
        .order_by(MeetingTopic.created_at, MeetingTopic.id),
        limit,
    )
    return [text for (text,) in rows], total


async def open_crises(session: AsyncSession) -> list[tuple[int, str, datetime]]:
    rows = await session.execute(
        select(Crisis.id, Crisis.description, Crisis.declared_at)
        .where(Crisis.status == OPEN_CRISIS)
        .order_by(Crisis.id)
    )
    return [(cid, description, at) for cid, description, at in rows.all()]
