"""The engine on its own: neutral events in, neutral messages out, no adapter involved."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.approvals import service
from bot.clock import FrozenClock
from bot.engine import Engine
from bot.events import Action, Actor, Command
from bot.inbox import service as inbox
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.outbox.dispatcher import Dispatcher
from bot.people.service import person_by_handle
from bot.platform import RetryLater
from storage.db import SessionMaker
from storage.models import ContentItem, InboxEvent, OutboxMessage
from tests.fakes.platform import FakePlatform
from tests.support import eventually, eventually_async

USERS = {
    f"{h}@beispiel.de": f"F{h.upper()}" for h in ("anna", "ben", "carla", "david", "eva", "felix")
}
_keys = itertools.count(1)


@dataclass
class Desk:
    engine: Engine
    dispatcher: Dispatcher
    platform: FakePlatform

    async def say(self, handle: str, text: str) -> None:
        await self.engine.handle(
            Command(
                actor=_actor(handle),
                event_key=f"k{next(_keys)}",
                reply_context=_reply(handle),
                text=text,
            )
        )
        await self.flush()

    async def click(self, handle: str, action: str, value: str, key: str | None = None) -> None:
        await self.engine.handle(
            Action(
                actor=_actor(handle),
                event_key=key or f"k{next(_keys)}",
                reply_context=_reply(handle),
                action=action,
                value=value,
            )
        )
        await self.flush()

    async def flush(self) -> None:
        while await self.dispatcher.deliver_due():
            pass

    def inbox(self, handle: str) -> list[str]:
        return [
            d.current.text + " | " + (d.current.context or "")
            for d in self.platform.inbox(f"F{handle.upper()}")
        ]


def _actor(handle: str) -> Actor:
    return Actor("fake", f"F{handle.upper()}")


def _reply(handle: str) -> dict[str, str]:
    return {"platform": "fake", "user": f"F{handle.upper()}"}


@pytest.fixture
async def desk(sessions: SessionMaker, org: OrgConfig) -> AsyncIterator[Desk]:
    platform = FakePlatform(USERS)
    clock = FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    dispatcher = Dispatcher(sessions, {"fake": platform}, clock)
    engine = Engine(sessionmaker=sessions, org=org, platforms={"fake": platform}, clock=clock)
    yield Desk(engine, dispatcher, platform)


async def test_all_stage_needs_press_and_management(
    desk: Desk, sessions: SessionMaker, org: OrgConfig
) -> None:
    async with sessions.begin() as session:
        anna = await person_by_handle(session, "anna")
        assert anna is not None
        _, request, _ = await service.submit(
            session=session,
            org=org,
            submitter=anna,
            text="Stellungnahme zum Rückruf",
            now=desk.engine.clock.now(),
            path="krise",
        )
    await desk.flush()
    assert any("Freigabe angefragt" in m for m in desk.inbox("david"))
    assert any("Freigabe angefragt" in m for m in desk.inbox("ben"))

    await desk.click("david", "approval.approve", str(request.id))
    assert "Es fehlt noch: Ben Weber" in desk.inbox("david")[0]
    assert desk.inbox("anna") == []  # one approval of two is not enough

    await desk.click("ben", "approval.approve", str(request.id))
    assert any("ist freigegeben" in m for m in desk.inbox("anna"))
    assert "Freigegeben von Ben Weber" in desk.inbox("david")[0]


async def test_same_event_key_is_handled_once(desk: Desk, sessions: SessionMaker) -> None:
    for _ in range(3):
        await desk.engine.handle(
            Command(
                actor=_actor("carla"),
                event_key="same",
                reply_context=_reply("carla"),
                text="submit Einmal",
            )
        )
    await desk.flush()
    async with sessions() as session:
        assert len((await session.scalars(select(ContentItem))).all()) == 1
    assert len(desk.inbox("ben")) == 1


async def test_unknown_button_gets_an_answer(desk: Desk) -> None:
    await desk.click("carla", "nothing.here", "1")
    assert desk.inbox("carla") == ["Mit diesem Knopf kann ich nichts (mehr) anfangen. | "]


async def test_button_for_a_missing_request(desk: Desk) -> None:
    await desk.click("ben", "approval.approve", "999")
    assert desk.inbox("ben") == ["Diese Freigabeanfrage gibt es nicht (mehr). | "]


async def test_a_rate_limit_pauses_only_its_own_platform(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    """Slack saying 429 must not hold back a Teams message (and the other way round)."""
    limited = FakePlatform({"ben@beispiel.de": "FBEN"}, name="limited")
    free = FakePlatform({"eva@beispiel.de": "FEVA"}, name="free")
    limited.refuse.append(RetryLater("429", retry_after=60))
    clock = FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    dispatcher = Dispatcher(sessions, {"limited": limited, "free": free}, clock)
    async with sessions.begin() as session:
        for handle in ("ben", "eva", "ben"):
            person = await person_by_handle(session, handle)
            assert person is not None
            outbox.post_to_person(session, person, Message(text=f"Hallo {handle}"), now=clock.now())
    await dispatcher.deliver_due()
    await dispatcher.deliver_due()
    assert [d.message.text for d in free.delivered] == ["Hallo eva"]
    assert limited.delivered == []  # paused for its Retry-After
    clock.set(clock.now() + timedelta(seconds=61))
    await dispatcher.deliver_due()
    assert [d.message.text for d in limited.delivered] == ["Hallo ben", "Hallo ben"]


async def _hallo_ben(
    sessions: SessionMaker, platform: FakePlatform
) -> tuple[Dispatcher, FrozenClock]:
    """One message to Ben in the outbox, and a dispatcher that has only `platform`."""
    clock = FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    async with sessions.begin() as session:
        ben = await person_by_handle(session, "ben")
        assert ben is not None
        outbox.post_to_person(session, ben, Message(text="Hallo Ben"), now=clock.now())
    return Dispatcher(sessions, {platform.name: platform}, clock), clock


async def _the_row(sessions: SessionMaker) -> OutboxMessage:
    async with sessions() as session:
        return (await session.scalars(select(OutboxMessage))).one()


async def test_a_platform_clients_own_timeout_is_named_as_such(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    """slack_sdk gives up after 30 s, before the dispatcher's 60: the retried row says the
    client timed out, not that the platform was silent for 60 s."""
    slow = FakePlatform({"ben@beispiel.de": "FBEN"}, name="slow")
    slow.refuse.append(TimeoutError("socket read"))
    dispatcher, clock = await _hallo_ben(sessions, slow)
    await dispatcher.deliver_due()
    row = await _the_row(sessions)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error == "slow's client timed out: TimeoutError socket read"
    clock.set(clock.now() + timedelta(minutes=5))
    await dispatcher.deliver_due()
    assert [d.message.text for d in slow.delivered] == ["Hallo Ben"]


async def test_a_row_of_a_kind_nobody_sends_is_given_up_not_posted(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    """A feature's row (a Home, made at send time) in a process that never loaded the feature
    is not taken for a message: before, its stored payload would have gone to the person."""
    fake = FakePlatform({"ben@beispiel.de": "FBEN"})
    dispatcher, _ = await _hallo_ben(sessions, fake)
    async with sessions.begin() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
        row.kind = "not-loaded"
    await dispatcher.deliver_due()
    assert fake.delivered == []
    row = await _the_row(sessions)
    assert row.status == "failed"
    assert row.last_error == "nothing here sends outbox rows of kind 'not-loaded'"


class SlowProfiles(FakePlatform):
    """Tells a stranger's e-mail only when the test lets it, counting the lookups."""

    def __init__(self, users: dict[str, str]) -> None:
        super().__init__(users)
        self.answer = asyncio.Event()
        self.lookups = 0

    async def email_of(self, user_id: str) -> str | None:
        self.lookups += 1
        await self.answer.wait()
        return await super().email_of(user_id)


async def test_a_lookup_longer_than_the_lease_keeps_its_row(
    sessions: SessionMaker, org: OrgConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stranger's first command waits for their platform to tell their e-mail (or for a
    file to download) outside any transaction, under a lease. The worker renews the lease
    while it waits: a second worker does not take the row and start all over, however long the
    platform takes (before, a download longer than the lease went from worker to worker, each
    one's work thrown away when the next took the row)."""
    monkeypatch.setattr(inbox, "LEASE", timedelta(seconds=0.3))
    slow = SlowProfiles(USERS)
    clock = FrozenClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    engine = Engine(sessionmaker=sessions, org=org, platforms={"fake": slow}, clock=clock)
    assert await engine.accept(
        Command(actor=_actor("ben"), event_key="k-slow", reply_context=_reply("ben"), text="hilfe")
    )
    first = asyncio.create_task(engine.work_once())
    await eventually(lambda: slow.lookups == 1)
    clock.set(clock.now() + timedelta(minutes=5))  # long past the lease it took
    await eventually_async(lambda: _leased_beyond(sessions, clock.now()))
    assert await engine.work_once() is False  # the second worker finds nothing to take
    slow.answer.set()
    assert await first is True
    await Dispatcher(sessions, {"fake": slow}, clock).deliver_due()
    assert len(slow.inbox("FBEN")) == 1 and slow.lookups == 1


async def _leased_beyond(sessions: SessionMaker, moment: datetime) -> bool:
    async with sessions() as session:
        row = (await session.scalars(select(InboxEvent))).one()
        return row.leased_until is not None and row.leased_until > moment
