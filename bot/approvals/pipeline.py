"""The pipeline's read side (the board's first page): every item in its column, set-based.

One statement places every item in a column and keeps the first PER_COLUMN of each (a window
function), with each column's total for "… und N weitere"; two more fetch who the shown cards
wait on. Nothing runs per card, so the page costs the same at 100 items as at 10,000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states
from bot.approvals.reports import not_decided_yet
from bot.publishing import states as posting_states
from storage.models import ApprovalRequest, ContentItem, Person, Posting, RequestApprover

IN_REVIEW, APPROVED, PLANNED, LIVE = "in_review", "approved", "planned", "live"
CHANGES, REJECTED = "changes_requested", "rejected"
# Left to right as an item travels, then the two side tracks.
COLUMNS = (IN_REVIEW, APPROVED, PLANNED, LIVE, CHANGES, REJECTED)
PER_COLUMN = 50
PAUSED = "paused"  # an item a crisis froze (bot/crisis/service.py)
# An approval is "due soon" once this share of its SLA has passed.
SOON_SHARE = 0.75


@dataclass(frozen=True)
class Filters:
    department: str | None = None
    channel: str | None = None
    person_id: int | None = None  # submitted by, or waiting on, this person


@dataclass
class Card:
    item_id: int
    title: str
    department_id: str | None
    channels: list[str]
    submitter: str
    column: str
    since: datetime  # waiting since (the open stage), else the last change
    due_at: datetime | None
    sla_started: datetime | None
    frozen: bool
    next_at: datetime | None  # the next planned posting
    stage: str | None = None
    waiting_on: list[str] = field(default_factory=list)
    unplanned: list[str] = field(default_factory=list)  # channels still to be planned


@dataclass(frozen=True)
class Column:
    key: str
    cards: list[Card]
    total: int


def sla_state(now: datetime, started: datetime | None, due: datetime | None) -> str | None:
    """`ok`, `soon` (most of the SLA used) or `overdue`; None where no SLA runs."""
    if due is None:
        return None
    if now >= due:
        return "overdue"
    if started is not None and now >= started + (due - started) * SOON_SHARE:
        return "soon"
    return "ok"


async def pipeline(session: AsyncSession, *, filters: Filters) -> list[Column]:
    """Every column in COLUMNS order, each with its first PER_COLUMN cards and its total."""
    rows = (await session.execute(_placed(filters))).all()
    totals: dict[str, int] = {}
    cards: list[Card] = []
    for row in rows:
        totals[row.col] = int(row.total)
        cards.append(
            Card(
                item_id=row.id,
                title=row.title,
                department_id=row.department_id,
                channels=list(row.channels or []),
                submitter=row.submitter,
                column=row.col,
                since=row.since,
                due_at=row.due_at,
                sla_started=row.started,
                frozen=row.status == PAUSED or bool(row.frozen),
                next_at=row.next_at,
            )
        )
    await _add_waiting(session, cards)
    by_column: dict[str, list[Card]] = defaultdict(list)
    for card in cards:
        by_column[card.column].append(card)
    return [Column(key, by_column[key], totals.get(key, 0)) for key in COLUMNS]


def _placed(filters: Filters) -> Select[Any]:
    """Each item's column from its status and its postings' (approved and still to plan →
    freigegeben; on the plan → eingeplant; one went live → live), ranked within the column:
    the earliest deadline first, then the latest change."""
    on_plan = (posting_states.PLANNED, posting_states.DUE, posting_states.FROZEN)
    p = (
        select(
            Posting.item_id.label("item_id"),
            func.sum(case((Posting.status == posting_states.APPROVED, 1), else_=0)).label("open"),
            func.sum(case((Posting.status.in_(on_plan), 1), else_=0)).label("on_plan"),
            func.sum(case((Posting.status == posting_states.POSTED, 1), else_=0)).label("posted"),
            func.sum(case((Posting.status == posting_states.FROZEN, 1), else_=0)).label("frozen"),
            func.min(case((Posting.status.in_(on_plan), Posting.planned_at))).label("next_at"),
        )
        .group_by(Posting.item_id)
        .subquery()
    )
    r = (
        select(
            ApprovalRequest.item_id.label("item_id"),
            func.min(ApprovalRequest.created_at).label("started"),
            func.min(ApprovalRequest.due_at).label("due_at"),
        )
        .where(ApprovalRequest.status == states.PENDING)
        .group_by(ApprovalRequest.item_id)
        .subquery()
    )
    col = case(
        (ContentItem.status == states.ITEM_IN_REVIEW, IN_REVIEW),
        (ContentItem.status == states.ITEM_CHANGES_REQUESTED, CHANGES),
        (ContentItem.status == states.ITEM_REJECTED, REJECTED),
        (ContentItem.status == posting_states.ITEM_PUBLISHED, LIVE),
        (ContentItem.status == PAUSED, PLANNED),
        (p.c.item_id.is_(None), APPROVED),  # approved before postings existed
        (p.c.open > 0, APPROVED),
        (p.c.on_plan > 0, PLANNED),
        (p.c.posted > 0, LIVE),
        else_=None,  # every posting done and none went live: off the board
    )
    base = (
        select(
            ContentItem.id,
            ContentItem.title,
            ContentItem.department_id,
            ContentItem.channels,
            ContentItem.status,
            Person.name.label("submitter"),
            col.label("col"),
            func.coalesce(r.c.started, ContentItem.updated_at).label("since"),
            r.c.started,
            r.c.due_at,
            p.c.frozen,
            p.c.next_at,
            ContentItem.updated_at,
        )
        .join(Person, Person.id == ContentItem.submitter_id)
        .outerjoin(p, p.c.item_id == ContentItem.id)
        .outerjoin(r, r.c.item_id == ContentItem.id)
        .where(
            ContentItem.status.in_(
                (
                    states.ITEM_IN_REVIEW,
                    states.ITEM_CHANGES_REQUESTED,
                    states.ITEM_REJECTED,
                    states.ITEM_APPROVED,
                    posting_states.ITEM_PUBLISHED,
                    PAUSED,
                )
            )
        )
        .where(*_conditions(filters))
        .subquery()
    )
    ranked = select(
        base,
        func.row_number()
        .over(
            partition_by=base.c.col,
            order_by=(
                case((base.c.due_at.is_(None), 1), else_=0),
                base.c.due_at,
                base.c.updated_at.desc(),
                base.c.id.desc(),
            ),
        )
        .label("rn"),
        func.count().over(partition_by=base.c.col).label("total"),
    ).where(base.c.col.is_not(None))
    shown = ranked.subquery()
    return select(shown).where(shown.c.rn <= PER_COLUMN).order_by(shown.c.col, shown.c.rn)


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.department:
        found.append(ContentItem.department_id == filters.department)
    if filters.channel:
        # Items in review have no postings yet: their channels are the item's JSON list.
        quoted = '"' + filters.channel.replace("%", "").replace("_", "\\_") + '"'
        found.append(cast(ContentItem.channels, String).like(f"%{quoted}%", escape="\\"))
    if filters.person_id is not None:
        # One list of the person's items (submitted, or waiting on them), not an OR per row.
        submitted = select(ContentItem.id).where(ContentItem.submitter_id == filters.person_id)
        waiting = (
            select(ApprovalRequest.item_id)
            .join(RequestApprover, RequestApprover.request_id == ApprovalRequest.id)
            .where(
                RequestApprover.person_id == filters.person_id,
                ApprovalRequest.status == states.PENDING,
            )
        )
        found.append(ContentItem.id.in_(union(submitted, waiting)))
    return found


async def _add_waiting(session: AsyncSession, cards: list[Card]) -> None:
    """Who each shown card waits on: the approvers of its open stage who have not decided,
    or, once approved, the channels still to be planned. Two statements for all cards."""
    by_id = {c.item_id: c for c in cards}
    review = [c.item_id for c in cards if c.column == IN_REVIEW]
    if review:
        rows = await session.execute(
            select(ApprovalRequest.item_id, ApprovalRequest.stage_name, Person.name)
            .join(RequestApprover, RequestApprover.request_id == ApprovalRequest.id)
            .join(Person, Person.id == RequestApprover.person_id)
            .where(
                ApprovalRequest.item_id.in_(review),
                ApprovalRequest.status == states.PENDING,
                not_decided_yet(),
            )
            .order_by(ApprovalRequest.item_id, Person.name)
        )
        for item_id, stage, name in rows.all():
            card = by_id[item_id]
            card.stage = stage
            card.waiting_on.append(name)
    approved = [c.item_id for c in cards if c.column == APPROVED]
    if approved:
        unplanned = await session.execute(
            select(Posting.item_id, Posting.channel)
            .where(Posting.item_id.in_(approved), Posting.status == posting_states.APPROVED)
            .order_by(Posting.item_id, Posting.id)
        )
        for item_id, channel in unplanned.all():
            by_id[item_id].unplanned.append(channel)
