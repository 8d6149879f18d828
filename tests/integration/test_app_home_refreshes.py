"""Who gets a Home refresh when something is written for them: only people who opened their
Home, one waiting refresh each, however many changes and however large the fan-out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.home import refresh
from bot.messages import Message
from bot.outbox import service as outbox
from bot.people.service import person_by_handle
from storage.db import SessionMaker
from storage.models import OutboxMessage, PlatformIdentity

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
HANDLES = ("anna", "ben", "carla", "david")


async def _home_rows(sessions: SessionMaker) -> dict[int, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.person_id, func.count())
            .where(OutboxMessage.kind == "home", OutboxMessage.status == "pending")
            .group_by(OutboxMessage.person_id)
        )
        return {int(pid): int(n) for pid, n in rows.all()}


async def _tell_everyone(sessions: SessionMaker) -> dict[str, int]:
    ids = {}
    async with sessions.begin() as session:
        for handle in HANDLES:
            person = await person_by_handle(session, handle)
            assert person is not None
            ids[handle] = person.id
            outbox.post_to_person(session, person, Message(text="Hallo"), now=NOW)
    return ids


@pytest.mark.parametrize("chunk", [refresh.CHUNK, 1])
async def test_only_who_opened_the_home_gets_one_refresh_however_often_told(
    sessions: SessionMaker, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(refresh, "CHUNK", chunk)  # 1: a fan-out larger than a statement takes
    async with sessions.begin() as session:
        for n, handle in enumerate(("anna", "ben", "carla")):
            person = await person_by_handle(session, handle)
            assert person is not None
            opened = NOW if handle != "carla" else None  # Carla never opened her Home
            session.add(
                PlatformIdentity(
                    person_id=person.id, platform="slack", user_id=f"U{n}", home_opened_at=opened
                )
            )

    ids = await _tell_everyone(sessions)
    await _tell_everyone(sessions)
    assert await _home_rows(sessions) == {ids["anna"]: 1, ids["ben"]: 1}


async def test_a_rolled_back_change_refreshes_nobody(sessions: SessionMaker) -> None:
    async with sessions.begin() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        session.add(
            PlatformIdentity(person_id=ben.id, platform="slack", user_id="U0", home_opened_at=NOW)
        )
    async with sessions() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        outbox.post_to_person(session, ben, Message(text="Hallo"), now=NOW)
        await session.flush()
        await session.rollback()
        await session.commit()
    assert await _home_rows(sessions) == {}


async def test_a_change_written_without_the_orm_is_noticed_when_named(
    sessions: SessionMaker,
) -> None:
    async with sessions.begin() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        session.add(
            PlatformIdentity(person_id=ben.id, platform="slack", user_id="U0", home_opened_at=NOW)
        )
    async with sessions.begin() as session:
        refresh.notice(session, [ben.id], now=NOW, interactive=True)
    assert await _home_rows(sessions) == {ben.id: 1}
