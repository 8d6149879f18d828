"""Writing to the outbox: called inside the caller's transaction, never committing.

Each row goes into a lane. What is written while the engine handles a person's event
(inside `interactive()`) is for someone who just acted and is delivered before bulk: timers'
reminders, re-pages, agendas and fan-outs. Replies and card updates are always interactive.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import Action, InboundEvent
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.people.service import people_for
from storage.models import OutboxMessage, Person

INTERACTIVE, BULK = "interactive", "bulk"
_LANE: ContextVar[str] = ContextVar("outbox_lane", default=BULK)


@contextlib.contextmanager
def interactive() -> Iterator[None]:
    """Rows written inside go to the interactive lane (wrap the handling of a person's event)."""
    token = _LANE.set(INTERACTIVE)
    try:
        yield
    finally:
        _LANE.reset(token)


# The rows this module writes; any other kind is a feature's, made at send time
# (bot/outbox/at_send).
KINDS = frozenset({"post", "update", "reply", "room"})


def lane_for(kind: str) -> str:
    return INTERACTIVE if kind in ("reply", "update") else _LANE.get()


def _row(kind: str, message: Message, now: datetime, **fields: Any) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
        lane=lane_for(kind),
        payload=message.model_dump(mode="json", exclude_defaults=True),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        **fields,
    )


def post_to_person(
    session: AsyncSession,
    person: Person,
    message: Message,
    *,
    now: datetime,
    key: str | None = None,
) -> None:
    session.add(_row("post", message, now, person_id=person.id, key=key))


def post_to_channel(
    session: AsyncSession,
    platform: str,
    channel: str,
    message: Message,
    *,
    now: datetime,
    key: str | None = None,
) -> None:
    session.add(_row("post", message, now, platform=platform, channel=channel, key=key))


# A channel written as ROOM_PREFIX + key means the room the `room` row under that key created.
ROOM_PREFIX = "@room:"


def create_room(
    session: AsyncSession,
    platform: str,
    name: str,
    member_ids: list[int],
    message: Message,
    *,
    now: datetime,
    key: str,
    private: bool = True,
) -> str:
    """Ask `platform` for a new room with these people, then post `message` there. Returns the
    channel to give `post_to_channel` for later posts into that room (delivered once it exists).
    `update(key)` replaces the first message."""
    spec = {"person_ids": member_ids, "private": private}
    session.add(
        _row("room", message, now, platform=platform, channel=name, key=key, reply_context=spec)
    )
    return ROOM_PREFIX + key


def reply(
    session: AsyncSession,
    context: dict[str, Any],
    message: Message,
    *,
    now: datetime,
    person_id: int | None = None,
) -> None:
    session.add(
        _row(
            "reply",
            message,
            now,
            platform=context.get("platform"),
            reply_context=context,
            person_id=person_id,
        )
    )


def replace_source(
    session: AsyncSession,
    event: InboundEvent,
    message: Message,
    *,
    now: datetime,
    person_id: int | None = None,
) -> bool:
    """Replace the message an action came from (a form card that was used) with `message`:
    a reply whose context names the message to replace (`replace`), so each platform does it
    its way. False, and nothing written, where the action names no message (a Slack modal is
    gone once submitted)."""
    source = event.reply_to if isinstance(event, Action) else None
    if not source:
        return False
    context = {**event.reply_context, "replace": source}
    reply(session, context, message, now=now, person_id=person_id)
    return True


async def update(session: AsyncSession, key: str, message: Message, *, now: datetime) -> bool:
    """Replace the message posted under `key` in place; False if nothing was posted under it."""
    posted = await session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.key == key, OutboxMessage.kind.in_(("post", "room"))
        )
    )
    if posted is None:
        return False
    session.add(_row("update", message, now, key=key))
    return True


def load(payload: dict[str, Any]) -> Message:
    return Message.model_validate(payload)


# --- what could not be delivered (the managers' view) --------------------------------------

# Rows that will not go out without help; `pending` ones join them once they waited too long.
GIVEN_UP = ("failed", "expired", "unreachable")
SUMMARY_PREFIX = "outbox:summary:"
MANAGER_ROLE = "social_media_manager"


async def managers(session: AsyncSession, org: OrgConfig) -> list[Person]:
    """The social media managers: whom the organisation names as crisis managers (by
    default everyone with the role), and everyone with the role."""
    refs = [*(org.crisis.managers if org.crisis else []), f"role:{MANAGER_ROLE}"]
    return await people_for(session, refs)


def stuck_filter(now: datetime, pending_since: timedelta) -> ColumnElement[bool]:
    """Given up, or still pending although it should have gone out long ago."""
    return or_(
        OutboxMessage.status.in_(GIVEN_UP),
        and_(
            OutboxMessage.status == "pending",
            OutboxMessage.created_at < now - pending_since,
        ),
    )


async def stuck(
    session: AsyncSession, *, now: datetime, pending_since: timedelta, limit: int
) -> tuple[list[OutboxMessage], int]:
    """The newest `limit` stuck rows and how many there are in all."""
    where = stuck_filter(now, pending_since)
    rows = (
        await session.scalars(
            select(OutboxMessage).where(where).order_by(OutboxMessage.id.desc()).limit(limit)
        )
    ).all()
    total = await session.scalar(select(func.count()).select_from(OutboxMessage).where(where))
    return list(rows), int(total or 0)


async def resend(session: AsyncSession, row_id: int, *, now: datetime) -> OutboxMessage | None:
    """Send a row again, now: pending, a fresh time to live, no attempts; None if it was
    sent meanwhile (or does not exist)."""
    row = await session.get(OutboxMessage, row_id)
    if row is None or row.status == "sent":
        return None
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    row.created_at, row.leased_until, row.reported_at = now, None, None
    return row
