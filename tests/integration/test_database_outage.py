"""The database goes away for 20 seconds in the middle of work and comes back: every command
typed meanwhile is either done after all or its sender was told at once that it did not go
through, and the server recovers without a restart."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot import migrate
from bot.i18n import t
from storage.models import ContentVersion, InboxEvent
from tests.conftest import make_settings, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.support import eventually_async
from tests.throwaway_postgres import throwaway_cluster

OUTAGE_SECONDS = 20.0
DAVID = "user-id-3"  # the example organisation's David Krause, by teams_id


async def test_commands_typed_while_the_database_is_down_are_done_or_refused(
    fake_slack: FakeSlackApi, fake_teams: FakeTeamsConnector, tmp_path: Path
) -> None:
    """Carla types in Slack, David in Teams, ten times a second between them."""
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    fake_slack.add_user("U0BEN", "ben@beispiel.de")
    unavailable = t("de", "inbox.unavailable")
    with throwaway_cluster() as cluster:
        await migrate.upgrade_async(cluster.url)
        settings = make_settings(
            cluster.url,
            fake_slack,
            tmp_path,
            SOCIALDESK_SCHEDULER=False,
        )
        told: set[str] = set()
        sent: list[str] = []
        async with serve(settings, fake_slack) as bot:
            teams = TeamsClient(bot.url, fake_teams.url)

            async def in_slack(text: str) -> bool:
                resp = await bot.slack.command("U0CARLA", "/submit", text)
                assert resp.status == 200  # Slack shows a command's answer only with a 200
                body = await resp.text()
                return bool(body) and unavailable in json.loads(body).get("text", "")

            async def in_teams(text: str) -> bool:
                before = len(fake_teams.to(DAVID))
                resp = await teams.say(DAVID, f"submit {text}")
                if resp.status == 503:  # and the person was told in the same turn (an earlier
                    # command's answer may arrive from the outbox meanwhile)
                    assert any(unavailable in m.text for m in fake_teams.to(DAVID)[before:])
                    return True
                assert resp.status in (200, 201)
                return False

            async def type_commands(until: float) -> None:
                while time.monotonic() < until:
                    text = f"Beitrag {len(sent)}"
                    sent.append(text)
                    if await (in_teams if len(sent) % 2 else in_slack)(text):
                        told.add(text)
                    await asyncio.sleep(0.05)

            start = time.monotonic()
            typing = asyncio.create_task(type_commands(start + OUTAGE_SECONDS + 8))
            await asyncio.sleep(3)
            await asyncio.to_thread(cluster.stop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(cluster.start)
            await typing

            async def done() -> set[str]:
                async with bot.runtime.sessions() as session:
                    return set((await session.scalars(select(ContentVersion.text))).all())

            async def settled() -> bool:
                return (set(sent) - told) <= await done()

            try:
                await eventually_async(settled, within=60, interval=0.5)
            except AssertionError:
                missing = set(sent) - told - await done()
                async with bot.runtime.sessions() as session:
                    rows = (
                        await session.execute(
                            select(InboxEvent.status, InboxEvent.last_error, InboxEvent.attempts)
                        )
                    ).all()
                raise AssertionError(
                    f"never done, never told: {sorted(missing)}; inbox: "
                    f"{Counter(map(str, rows)).most_common(5)}"
                ) from None
            handled = await done()
        lost = set(sent) - told - handled
        twice = Counter(r.get("_url") for r in fake_slack.responses)
        print(
            f"database outage: {len(sent)} typed, {len(handled)} done, {len(told)} told at once, "
            f"{len(lost)} lost, {sum(1 for c in twice.values() if c > 1)} answered twice"
        )
        assert not lost
        assert told, "the outage was not noticed: nobody was told"
        assert not told & handled, "told it failed, yet it was done"
        # Recovered without a restart: what was typed after the outage went through.
        assert f"Beitrag {len(sent) - 1}" in handled
