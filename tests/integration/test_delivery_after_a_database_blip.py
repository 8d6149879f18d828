"""The database goes away while the dispatcher is sending: what Slack already has is
recorded when the database is back and never sent a second time, even though the leases ran
out meanwhile; what waited goes out after."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bot import migrate
from bot.messages import Message
from bot.outbox import service as outbox
from storage.models import OutboxMessage
from tests.conftest import make_settings, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually, eventually_async
from tests.throwaway_postgres import throwaway_cluster

MESSAGES = 40
OUTAGE_SECONDS = 12.0  # longer than a lease, and than the recorder's first retries


async def test_a_database_blip_mid_delivery_sends_nothing_twice(
    fake_slack: FakeSlackApi, tmp_path: Path
) -> None:
    with throwaway_cluster() as cluster:
        await migrate.upgrade_async(cluster.url)
        settings = make_settings(
            cluster.url,
            fake_slack,
            tmp_path,
            SOCIALDESK_SCHEDULER=False,
            SOCIALDESK_OUTBOX_LEASE=2,
            SOCIALDESK_OUTBOX_CONCURRENCY=4,
        )
        fake_slack.delay = 0.5  # sends are in flight when the database goes
        async with serve(settings, fake_slack) as bot:
            async with bot.runtime.sessions.begin() as session:
                for n in range(MESSAGES):
                    channel = f"CBLIP{n:04d}"
                    outbox.post_to_channel(
                        session,
                        "slack",
                        channel,
                        Message(text="Hallo"),
                        now=bot.runtime.clock.now(),
                    )
            bot.runtime.dispatcher.notify()
            await eventually(lambda: len(fake_slack.messages) >= 8)
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(cluster.start)

            async def all_recorded() -> bool:
                async with bot.runtime.sessions() as session:
                    sent = await session.scalar(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == "sent")
                    )
                return sent == MESSAGES

            await eventually_async(all_recorded, within=60, interval=0.5)
        posts = Counter(m.channel for m in fake_slack.messages.values())
        sent = len(posts)
        duplicated = sum(n - 1 for n in posts.values())
        print(
            f"database blip of {OUTAGE_SECONDS:.0f}s mid-delivery: sent {sent}, "
            f"lost {MESSAGES - sent}, duplicated {duplicated}"
        )
        assert (sent, duplicated) == (MESSAGES, 0)
