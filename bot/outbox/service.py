"""Writing to the outbox: called inside the caller's transaction, never committing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Message
from storage.models import OutboxMessage, Person


def _row(kind: str, message: Message, now: datetime, **fields: Any) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
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
