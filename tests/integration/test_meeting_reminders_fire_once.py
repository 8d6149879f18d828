"""Each meeting reminder reaches each person exactly once: with two real bot servers on one
PostgreSQL database (scheduler leadership by advisory lock, handing over when the leader
stops), and when the reminder bookkeeping itself is raced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.meeting import notify, service
from bot.orgconfig import OrgConfig
from bot.server import RUNTIME, Runtime, create_app
from bot.settings import Settings
from storage.db import SessionMaker
from storage.models import MeetingReminderSent, OutboxMessage
from tests.conftest import EXAMPLE_CONFIG, SIGNING_SECRET, _truncate
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually

BEN, CARLA, FELIX = "U0BEN", "U0CARLA", "U0FELIX"
CONTRIBUTORS = (BEN, CARLA, FELIX)
MEETING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 10:00 Berlin


class Server:
    def __init__(self, settings: Settings, clock: FrozenClock) -> None:
        self.app = create_app(settings, clock=clock)
        self.runner = web.AppRunner(self.app)

    @property
    def runtime(self) -> Runtime:
        return self.app[RUNTIME]

    async def start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
def pg_url(postgres_database: str) -> str:
    asyncio.run(_truncate(postgres_database))
    return postgres_database


@pytest.fixture
async def two_servers(
    pg_url: str, fake_slack: FakeSlackApi, tmp_path: Path
) -> AsyncIterator[tuple[Server, Server, FrozenClock]]:
    for user, email in ((BEN, "ben"), (CARLA, "carla"), (FELIX, "felix")):
        fake_slack.add_user(user, f"{email}@beispiel.de")
    clock = FrozenClock(MEETING - timedelta(days=2))
    settings = Settings(
        _env_file=None,
        SOCIALDESK_DATABASE_URL=pg_url,
        SOCIALDESK_CONFIG=EXAMPLE_CONFIG,
        SOCIALDESK_DATA_DIR=tmp_path / "files",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
        SOCIALDESK_OUTBOX_RETRY_BASE=0.05,
        SOCIALDESK_SCHEDULER_TICK=0.1,
    )
    a, b = Server(settings, clock), Server(settings, clock)
    await a.start()  # one after the other: both sync the organisation on start
    await b.start()
    try:
        yield a, b, clock
    finally:
        await b.stop()
        await a.stop()


def counts(fake: FakeSlackApi) -> list[int]:
    return [len(fake.dms_to(user)) for user in CONTRIBUTORS]


def agendas(fake: FakeSlackApi) -> int:
    return sum(1 for m in fake.messages.values() if m.channel == "C0REDAKTION")


async def test_two_servers_on_one_postgresql_send_each_reminder_once(
    two_servers: tuple[Server, Server, FrozenClock], fake_slack: FakeSlackApi
) -> None:
    a, b, clock = two_servers
    await eventually(lambda: a.runtime.scheduler.leadership.held)
    assert not b.runtime.scheduler.leadership.held  # one leader among the replicas

    clock.set(MEETING - timedelta(hours=24) + timedelta(seconds=5))
    await eventually(lambda: counts(fake_slack) == [1, 1, 1])
    await asyncio.sleep(0.6)  # several more rounds on both servers
    assert counts(fake_slack) == [1, 1, 1] and agendas(fake_slack) == 0

    # The leader goes away; the other server takes over the scheduler and carries on.
    await a.stop()
    await eventually(lambda: b.runtime.scheduler.leadership.held)
    clock.set(MEETING - timedelta(hours=1) + timedelta(seconds=5))
    await eventually(lambda: counts(fake_slack) == [2, 2, 2] and agendas(fake_slack) == 1)
    await asyncio.sleep(0.6)
    assert counts(fake_slack) == [2, 2, 2] and agendas(fake_slack) == 1
    assert "10:00 (in 59 Min.)" in fake_slack.dms_to(FELIX)[1].text


async def test_a_reminder_is_recorded_once_per_person_even_when_raced(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    now = MEETING - timedelta(hours=1)

    async def send() -> int:
        async with sessions.begin() as session:
            found = await service.next_meeting(session=session, org=org, now=now)
            assert found is not None and found[1] is not None
            schedule, occ = found
            batch = await notify.send_reminders(
                session=session,
                org=org,
                schedule=schedule,
                occ=occ,
                offset=timedelta(hours=1),
                now=now,
            )
            return batch.sent

    results = await asyncio.gather(send(), send())
    assert sum(results) == 3  # each of the three reminded once, whichever session won
    assert await send() == 0
    async with sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(MeetingReminderSent))
        dms = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.person_id.is_not(None))
        )
    assert rows == 3 and dms == 3


async def test_listed_contributors_are_reminded_and_the_agenda_goes_to_teams_too(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    from bot.timers.runner import TimerRunner

    assert org.meeting is not None
    meeting = org.meeting.model_copy(
        update={"contributors": ["anna", "role:legal"], "teams_channel": "19:redaktion@thread"}
    )
    org = org.model_copy(update={"meeting": meeting})
    clock = FrozenClock(MEETING - timedelta(days=1, hours=1))
    runner = TimerRunner(sessions, org, clock)
    await runner.run_due()
    clock.set(MEETING - timedelta(hours=1))
    assert await runner.run_due() == 2  # the 24h reminder (superseded) and the 1h one
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        people = (
            await session.scalars(
                select(MeetingReminderSent.person_id).order_by(MeetingReminderSent.person_id)
            )
        ).all()
    dms = [r for r in rows if r.person_id is not None]
    channels = sorted((r.platform, r.channel) for r in rows if r.channel is not None)
    assert len(dms) == 2 and len(people) == 2  # anna and eva (legal), nobody else
    assert channels == [("slack", "C0REDAKTION"), ("teams", "19:redaktion@thread")]
    assert all(r.payload["text"].startswith("Tagesordnung") for r in rows if r.channel)
