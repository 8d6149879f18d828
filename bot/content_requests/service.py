"""Content requests: the social media manager asks a department (its lead) or a person for
content by a deadline, with a reason. Reminders and the overdue note run on durable timers.

Functions take `*, session`, write outbox rows in the caller's transaction and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit
from bot.content_requests import views
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import person_for_reference
from bot.timers import service as timers
from bot.when import parse_when
from storage.models import ContentItem, ContentRequest, Department, Person

OPEN, ACCEPTED, DECLINED, DELIVERED = "open", "accepted", "declined", "delivered"
ACTIVE = (OPEN, ACCEPTED)
REMIND, OVERDUE = "content_request.reminder", "content_request.overdue"

_WHY = re.compile(r"\s+(?:weil|because|da|denn)\s+", re.IGNORECASE)
_BY = re.compile(r"\s+(?:bis|by|until)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Parsed:
    target: str
    what: str
    due_at: datetime
    why: str | None


def parse(text: str, *, now: datetime, tz: ZoneInfo) -> Parsed | str:
    """`<target> <what> bis|by <when> [weil|because <why>]`, or the key of what is missing."""
    parts = text.strip().split(maxsplit=1)
    if len(parts) < 2:
        return "requests.parse.usage"
    target, rest = parts
    why: str | None = None
    why_match = _WHY.search(rest)
    if why_match:
        rest, why = rest[: why_match.start()], rest[why_match.end() :].strip() or None
    for by in _BY.finditer(rest):
        what, when = rest[: by.start()].strip(), rest[by.end() :].strip()
        due_at = parse_when(when, now=now, tz=tz)
        if due_at is not None and what:
            if due_at <= now:
                return "requests.parse.past"
            return Parsed(target, what, due_at, why)
    if _BY.search(rest):
        return "requests.parse.bad_date"
    return "requests.parse.no_deadline"


async def resolve_target(
    *,
    session: AsyncSession,
    org: OrgConfig,
    platform: str,
    target: str,
    mentions: dict[str, str],
) -> tuple[Person | None, Department | None]:
    """A department (by id or name: its lead), or a person (@handle, or a mention)."""
    if not target.startswith("@"):
        for dept in org.departments:
            if target.lower() in (dept.id.lower(), dept.name.lower()):
                department = await session.get(Department, dept.id)
                lead = (
                    await session.get(Person, department.lead_id)
                    if department and department.lead_id
                    else None
                )
                return lead, department
    person = await person_for_reference(session, target, platform=platform, mentions=mentions)
    return person, None


async def create(
    *,
    session: AsyncSession,
    org: OrgConfig,
    requester: Person,
    assignee: Person,
    department: Department | None,
    what: str,
    why: str | None,
    due_at: datetime,
    now: datetime,
) -> ContentRequest:
    request = ContentRequest(
        requester_id=requester.id,
        assignee_id=assignee.id,
        department_id=department.id if department else None,
        what=what,
        why=why,
        due_at=due_at,
        status=OPEN,
        awaiting_content=False,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    await session.flush()
    audit.record(
        session,
        action="request.created",
        subject=f"request:{request.id}",
        now=now,
        actor_id=requester.id,
        assignee=assignee.handle,
        due_at=due_at.isoformat(),
    )
    for n, before in enumerate(org.intake.request_reminders):
        if due_at - before > now:
            await timers.schedule(
                session,
                kind=REMIND,
                key=f"{timer_prefix(request)}remind:{n}",
                due_at=due_at - before,
                now=now,
                payload={"request_id": request.id},
            )
    await timers.schedule(
        session,
        kind=OVERDUE,
        key=f"{timer_prefix(request)}overdue",
        due_at=due_at,
        now=now,
        payload={"request_id": request.id},
    )
    await _post_card(session, org, request, now)
    return request


def timer_prefix(request: ContentRequest) -> str:
    return f"content_request:{request.id}:"


def card_key(request: ContentRequest) -> str:
    return f"content_request:{request.id}:assignee"


async def _post_card(
    session: AsyncSession, org: OrgConfig, request: ContentRequest, now: datetime
) -> None:
    facts = await views.facts(session, request)
    card = views.assignee_card(views.reader(facts.assignee, org), facts)
    outbox.post_to_person(session, facts.assignee, card, now=now, key=card_key(request))


async def refresh_card(
    session: AsyncSession, org: OrgConfig, request: ContentRequest, now: datetime
) -> None:
    facts = await views.facts(session, request)
    card = views.assignee_card(views.reader(facts.assignee, org), facts)
    await outbox.update(session, card_key(request), card, now=now)


async def _tell_requester(
    session: AsyncSession,
    org: OrgConfig,
    request: ContentRequest,
    key: str,
    now: datetime,
    **params: object,
) -> None:
    facts = await views.facts(session, request)
    reader = views.reader(facts.requester, org)
    message = views.note(reader, facts, key, **params)
    outbox.post_to_person(session, facts.requester, message, now=now)


async def accept(
    *, session: AsyncSession, org: OrgConfig, request: ContentRequest, now: datetime
) -> None:
    if request.status == OPEN:
        request.status, request.updated_at = ACCEPTED, now
        audit.record(session, action="request.accepted", subject=f"request:{request.id}", now=now)
        await refresh_card(session, org, request, now)
        await _tell_requester(session, org, request, "requests.note.accepted", now)


async def decline(
    *,
    session: AsyncSession,
    org: OrgConfig,
    request: ContentRequest,
    reason: str,
    now: datetime,
) -> None:
    request.status, request.decline_reason, request.updated_at = DECLINED, reason, now
    request.awaiting_content = False
    audit.record(
        session, action="request.declined", subject=f"request:{request.id}", now=now, reason=reason
    )
    await timers.cancel(session, key_prefix=timer_prefix(request), now=now)
    await refresh_card(session, org, request, now)
    await _tell_requester(session, org, request, "requests.note.declined", now, reason=reason)


async def start_sending(
    *, session: AsyncSession, org: OrgConfig, request: ContentRequest, now: datetime
) -> None:
    """[Send content]: the assignee's next file goes to this request (and it counts as accepted)."""
    others = await session.scalars(
        select(ContentRequest).where(
            ContentRequest.assignee_id == request.assignee_id,
            ContentRequest.awaiting_content,
            ContentRequest.id != request.id,
        )
    )
    for other in others.all():
        other.awaiting_content = False
    request.awaiting_content, request.updated_at = True, now
    if request.status == OPEN:
        await accept(session=session, org=org, request=request, now=now)


async def delivered(
    *, session: AsyncSession, org: OrgConfig, request_id: int, item: ContentItem, now: datetime
) -> None:
    request = await session.get(ContentRequest, request_id)
    if request is None or request.status not in ACTIVE:
        return
    request.status, request.item_id, request.updated_at = DELIVERED, item.id, now
    request.awaiting_content = False
    audit.record(
        session, action="request.delivered", subject=f"request:{request.id}", now=now, item=item.id
    )
    await timers.cancel(session, key_prefix=timer_prefix(request), now=now)
    await refresh_card(session, org, request, now)
    await _tell_requester(session, org, request, "requests.note.delivered", now, item=item.id)


async def remind(*, session: AsyncSession, org: OrgConfig, request_id: int, now: datetime) -> None:
    request = await session.get(ContentRequest, request_id)
    if request is None or request.status not in ACTIVE:
        return
    facts = await views.facts(session, request)
    reader = views.reader(facts.assignee, org)
    outbox.post_to_person(session, facts.assignee, views.reminder(reader, facts, now), now=now)


async def overdue(*, session: AsyncSession, org: OrgConfig, request_id: int, now: datetime) -> None:
    request = await session.get(ContentRequest, request_id)
    if request is None or request.status not in ACTIVE:
        return
    request.overdue_at = now
    audit.record(session, action="request.overdue", subject=f"request:{request.id}", now=now)
    await _tell_requester(session, org, request, "requests.note.overdue", now)
    facts = await views.facts(session, request)
    reader = views.reader(facts.assignee, org)
    outbox.post_to_person(
        session,
        facts.assignee,
        views.note(reader, facts, "requests.note.overdue_assignee"),
        now=now,
    )


async def open_requests(
    *, session: AsyncSession, person: Person
) -> tuple[Sequence[ContentRequest], Sequence[ContentRequest]]:
    """(asked by this person, asked of this person), both still open, soonest deadline first."""
    rows = (
        await session.scalars(
            select(ContentRequest)
            .where(
                ContentRequest.status.in_(ACTIVE),
                or_(
                    ContentRequest.requester_id == person.id,
                    ContentRequest.assignee_id == person.id,
                ),
            )
            .order_by(ContentRequest.due_at, ContentRequest.id)
        )
    ).all()
    mine = [r for r in rows if r.requester_id == person.id]
    theirs = [r for r in rows if r.assignee_id == person.id]
    return mine, theirs
