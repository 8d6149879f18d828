"""One item with everything that happened to it, read in a fixed number of statements: the
board's item page shows it all at once, so it must not cost a query per version or decision."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals import states
from bot.people.service import people_map
from storage.models import (
    ApprovalRequest,
    AuditEntry,
    ContentItem,
    CrisisContent,
    Department,
    Person,
    Posting,
)

STATEMENT = "statement"  # bot/crisis: content submitted with `/crisis statement`


@dataclass(frozen=True)
class ItemRecord:
    item: ContentItem
    department: str | None
    requests: list[ApprovalRequest]
    postings: list[Posting]
    audit: list[AuditEntry]
    crisis_links: list[CrisisContent]
    people: dict[int, Person]
    # The audit log names approvers by handle (`approvers`, `to`): handle → name.
    handles: dict[str, str]

    @property
    def is_statement(self) -> bool:
        """A crisis statement: only the crisis team may read it."""
        return any(link.kind == STATEMENT for link in self.crisis_links)

    def name(self, person_id: int | None) -> str:
        person = self.people.get(person_id) if person_id is not None else None
        return person.name if person else "?"


async def item_record(session: AsyncSession, item_id: int) -> ItemRecord | None:
    """The item, its versions and files (eager), its approval requests with approvers and
    decisions, its postings, its audit rows, what crises did to it, and everyone named."""
    item = await session.get(ContentItem, item_id)
    if item is None or item.status == states.ITEM_DRAFT:
        return None
    requests = list(
        (
            await session.scalars(
                select(ApprovalRequest)
                .where(ApprovalRequest.item_id == item.id)
                .order_by(ApprovalRequest.id)
            )
        ).all()
    )
    postings = list(
        (await session.scalars(select(Posting).where(Posting.item_id == item.id))).all()
    )
    audit = list(
        (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject == f"content:{item.id}")
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        ).all()
    )
    links = list(
        (
            await session.scalars(
                select(CrisisContent)
                .where(CrisisContent.item_id == item.id)
                .order_by(CrisisContent.id)
            )
        ).all()
    )
    department = (
        await session.scalar(select(Department.name).where(Department.id == item.department_id))
        if item.department_id
        else None
    )
    return ItemRecord(
        item=item,
        department=department,
        requests=requests,
        postings=postings,
        audit=audit,
        crisis_links=links,
        people=await people_map(session, _named(item, requests, postings, audit, links)),
        handles=await _handle_names(session, audit),
    )


async def _handle_names(session: AsyncSession, audit: list[AuditEntry]) -> dict[str, str]:
    handles = {
        str(h) for e in audit for key in ("approvers", "to") for h in (e.details or {}).get(key, [])
    }
    if not handles:
        return {}
    rows = await session.execute(
        select(Person.handle, Person.name).where(Person.handle.in_(handles))
    )
    return {handle: name for handle, name in rows.all()}


def _named(
    item: ContentItem,
    requests: list[ApprovalRequest],
    postings: list[Posting],
    audit: list[AuditEntry],
    links: list[CrisisContent],
) -> set[int]:
    ids = {item.submitter_id} | {v.author_id for v in item.versions}
    for request in requests:
        ids |= {a.person_id for a in request.approvers}
        ids |= {a.delegated_from_id for a in request.approvers if a.delegated_from_id}
        ids |= {d.person_id for d in request.decisions}
    ids |= {p.changed_by_id for p in postings if p.changed_by_id}
    ids |= {e.actor_id for e in audit if e.actor_id}
    ids |= {c.decided_by_id for c in links if c.decided_by_id}
    return ids
