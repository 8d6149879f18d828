"""What a crisis does to postings: asked by the crisis service when it freezes and resumes.

Kept free of other feature imports so the crisis service can call it without an import cycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.publishing import states
from bot.timers import service as timers
from storage.models import Posting


def planned_item_ids() -> Select[int]:
    """Items with a planned posting: a crisis freezes them even without a `publish_at`."""
    return select(Posting.item_id).where(Posting.status == states.PLANNED)


async def freeze(session: AsyncSession, item_id: int, *, now: datetime) -> None:
    """Planned and approved postings of the item stop: their hand-off timers are cancelled."""
    postings = (
        await session.scalars(
            select(Posting).where(
                Posting.item_id == item_id,
                Posting.status.in_((states.APPROVED, states.PLANNED)),
            )
        )
    ).all()
    for posting in postings:
        posting.status, posting.updated_at = states.FROZEN, now
        posting.revision += 1
        await timers.cancel(session, key_prefix=states.timer_prefix(posting.id), now=now)


async def resume(session: AsyncSession, item_id: int, *, now: datetime) -> None:
    """Frozen postings return to their plan; one whose time passed meanwhile is handed off at
    the next scheduler round."""
    postings = (
        await session.scalars(
            select(Posting).where(Posting.item_id == item_id, Posting.status == states.FROZEN)
        )
    ).all()
    for posting in postings:
        posting.revision += 1
        posting.updated_at = now
        if posting.planned_at is None:
            posting.status = states.APPROVED
            continue
        posting.status = states.PLANNED
        await schedule_handoff(session, posting, now=now)


async def schedule_handoff(session: AsyncSession, posting: Posting, *, now: datetime) -> None:
    """The hand-off timer for the posting's current plan (an earlier one is cancelled)."""
    assert posting.planned_at is not None
    await timers.cancel(session, key_prefix=states.timer_prefix(posting.id), now=now)
    await timers.schedule(
        session,
        kind=states.HANDOFF,
        key=f"{states.timer_prefix(posting.id)}handoff:{posting.revision}",
        due_at=max(posting.planned_at, now),
        now=now,
        payload={"posting_id": posting.id, "revision": posting.revision},
    )
