"""Thousands of items in seconds, and the four reports asked as their handlers ask them —
shared by the report tests and the report bench (tests/bench/reports.py).

Rows go in with SQLAlchemy core `insert()` and lists of dicts (executemany), not through the
engine: the point is a big pipeline to ask about, not the path that builds it. The shape is
fixed by the item's index `i`, so a test can say exactly what every report must show:

- i % 20 == 0: approved, to go out within the week. Fachliche Freigabe: Ben approved after
  2 h; Social Media (opened then): Anna approved after 1 h.
- 1: changes requested. Fachliche Freigabe: Ben asked for changes after 1 h.
- 2: approved. Recht: decided by the clock after 24 h (`on_timeout: approve`).
- 3: in review. Fachliche Freigabe, waiting on Anna and Ben.
- 4: in review. Fachliche Freigabe (mode all): Ben approved after 3 h, waiting on Eva.
- 5 … 19: in review. Fachliche Freigabe, waiting on Ben.

Items with an even `i` are Carla's (Marketing), odd ones Felix's (Produktmanagement). Item
`i` has id `i + 1`, title "Beitrag {i + 1}" and was created `STEP * i` after `now - 5 days`.
Every 50th item comes with an open content request from Anna to David, due `i + 1` hours
after `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import features
from bot.approvals import reports
from bot.context import Context
from bot.events import Actor, Command
from bot.meeting import notify
from bot.meeting import service as meeting
from bot.meeting.agenda import build_agenda
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.people.service import reader_for
from bot.status import status_message
from storage.models import (
    ApprovalRequest,
    Base,
    ContentItem,
    ContentRequest,
    ContentVersion,
    Decision,
    Person,
    RequestApprover,
)

STEP = timedelta(seconds=20)
HOUR = timedelta(hours=1)
PENDING_KINDS = range(3, 20)
BEN_WAITS_KINDS = (3, *range(5, 20))
REPORTS = ("status", "stats", "agenda", "departments")
assert features  # imported so every feature's status and agenda sections are registered


def start_of(now: datetime) -> datetime:
    return now - timedelta(days=5)


def created(now: datetime, i: int) -> datetime:
    return start_of(now) + STEP * i


def ben_waiting(n: int) -> int:
    """How many of the first n items wait for Ben's decision."""
    return sum(1 for i in range(n) if i % 20 in BEN_WAITS_KINDS)


def pending(n: int) -> int:
    return sum(1 for i in range(n) if i % 20 in PENDING_KINDS)


class _Rows:
    """The rows of each table, collected per item and inserted table by table."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.approvers: list[dict[str, Any]] = []
        self.decisions: list[dict[str, Any]] = []
        self.content_requests: list[dict[str, Any]] = []

    def request(
        self,
        item_id: int,
        number: int,
        stage: str,
        at: datetime,
        *,
        status: str,
        approvers: list[int],
        decided_at: datetime | None = None,
        resolution: str | None = None,
        mode: str = "any",
    ) -> int:
        request_id = item_id * 2 + number
        self.requests.append(
            {
                "id": request_id,
                "item_id": item_id,
                "version_id": item_id,
                "stage_index": number,
                "stage_name": stage,
                "mode": mode,
                "status": status,
                "due_at": at + 4 * HOUR,
                "created_at": at,
                "decided_at": decided_at,
                "resolution": resolution,
                "escalated_at": None,
            }
        )
        self.approvers += [
            {"request_id": request_id, "person_id": p, "added_by": None, "delegated_from_id": None}
            for p in approvers
        ]
        return request_id

    def decision(self, request_id: int, person_id: int, outcome: str, at: datetime) -> None:
        self.decisions.append(
            {
                "id": request_id,  # one decision per request here
                "request_id": request_id,
                "person_id": person_id,
                "outcome": outcome,
                "comment": "Bitte Zahlen prüfen" if outcome == "changes_requested" else None,
                "decided_at": at,
            }
        )


async def seed(session: AsyncSession, n: int, now: datetime, offset: int = 0) -> None:
    """Items `offset` … `offset + n - 1`, with their requests, decisions and content requests."""
    ids = {h: pid for h, pid in await session.execute(select(Person.handle, Person.id))}
    rows = _Rows()
    for i in range(offset, offset + n):
        _item(rows, ids, i, now)
    for model, values in (
        (ContentItem, rows.items),
        (ContentVersion, rows.versions),
        (ApprovalRequest, rows.requests),
        (RequestApprover, rows.approvers),
        (Decision, rows.decisions),
        (ContentRequest, rows.content_requests),
    ):
        if values:
            table = Base.metadata.tables[model.__tablename__]
            await session.execute(insert(table), values)
            await _past_the_seeded_ids(session, model.__tablename__)


async def _past_the_seeded_ids(session: AsyncSession, table: str) -> None:
    """Explicit ids leave PostgreSQL's sequence behind: the next item the bot creates would
    take id 1 again. (SQLite takes the highest id plus one by itself.)"""
    if session.get_bind().dialect.name != "postgresql" or "id" not in Base.metadata.tables[table].c:
        return
    await session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )
    )


def _item(rows: _Rows, ids: dict[str, int], i: int, now: datetime) -> None:
    item_id, kind, at = i + 1, i % 20, created(now, i)
    submitter = ids["carla"] if i % 2 == 0 else ids["felix"]
    status = {0: "approved", 1: "changes_requested", 2: "approved"}.get(kind, "in_review")
    rows.items.append(
        {
            "id": item_id,
            "submitter_id": submitter,
            "department_id": "marketing" if i % 2 == 0 else "produkt",
            "title": f"Beitrag {item_id}",
            "approval_path": "standard",
            "status": status,
            "current_stage": 0,
            "channels": ["linkedin"],
            "publish_at": now + timedelta(days=1, minutes=i) if kind == 0 else None,
            "created_at": at,
            "updated_at": at,
            "decided_at": None,
        }
    )
    rows.versions.append(
        {
            "id": item_id,
            "item_id": item_id,
            "number": 1,
            "text": f"Text zu Beitrag {item_id}",
            "author_id": submitter,
            "created_at": at,
        }
    )
    _requests(rows, ids, item_id, kind, at)
    if i % 50 == 0:
        rows.content_requests.append(
            {
                "id": i // 50 + 1,
                "requester_id": ids["anna"],
                "department_id": None,
                "assignee_id": ids["david"],
                "what": f"Fotos für Beitrag {item_id}",
                "why": None,
                "due_at": now + timedelta(hours=i + 1),
                "status": "open",
                "decline_reason": None,
                "item_id": None,
                "awaiting_content": False,
                "overdue_at": None,
                "created_at": at,
                "updated_at": at,
            }
        )


def _requests(rows: _Rows, ids: dict[str, int], item_id: int, kind: int, at: datetime) -> None:
    ben, anna, eva = ids["ben"], ids["anna"], ids["eva"]
    stage = "Fachliche Freigabe"
    if kind == 0:
        first = rows.request(
            item_id, 0, stage, at, status="approved", approvers=[ben], decided_at=at + 2 * HOUR
        )
        rows.decision(first, ben, "approved", at + 2 * HOUR)
        second = rows.request(
            item_id,
            1,
            "Social Media",
            at + 2 * HOUR,
            status="approved",
            approvers=[anna],
            decided_at=at + 3 * HOUR,
        )
        rows.decision(second, anna, "approved", at + 3 * HOUR)
    elif kind == 1:
        request = rows.request(
            item_id, 0, stage, at, status="changes_requested", approvers=[ben], decided_at=at + HOUR
        )
        rows.decision(request, ben, "changes_requested", at + HOUR)
    elif kind == 2:
        rows.request(
            item_id,
            0,
            "Recht",
            at,
            status="approved",
            approvers=[eva],
            decided_at=at + 24 * HOUR,
            resolution="timeout",
        )
    elif kind == 3:
        rows.request(item_id, 0, stage, at, status="pending", approvers=[anna, ben])
    elif kind == 4:
        request = rows.request(
            item_id, 0, stage, at, status="pending", approvers=[ben, eva], mode="all"
        )
        rows.decision(request, ben, "approved", at + 3 * HOUR)
    else:
        rows.request(item_id, 0, stage, at, status="pending", approvers=[ben])


async def report(
    name: str, session: AsyncSession, org: OrgConfig, person: Person, now: datetime
) -> Message:
    """One of REPORTS as `person` asks for it, through the function its handler calls."""
    ctx = Context(
        session=session,
        org=org,
        now=now,
        person=person,
        event=Command(actor=Actor("fake", f"U{person.id}"), event_key="report", text=name),
    )
    if name == "status":
        return await status_message(ctx)
    if name == "stats":
        return await reports.stats(session, reader_for(person, org), now)
    if name == "departments":
        return await features.departments.overview(ctx)
    found = await meeting.next_meeting(session=session, org=org, now=now)
    assert found is not None, "the organisation has a meeting"
    schedule, occ = found
    assert occ is not None, "the meeting has an occurrence ahead"
    agenda = notify.agenda_context(
        session=session, org=org, schedule=schedule, occ=occ, now=now, locale=ctx.locale
    )
    return await build_agenda(agenda)
