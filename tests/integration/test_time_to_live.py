"""`/desk stats` and the meeting agenda say how long content takes from submission to live,
per department and channel, and which postings went out later than wished (#14.4).

The pipeline is seeded with bulk inserts (tests/reports_support.py: item `i` has id `i + 1`,
even `i` is Marketing's, odd `i` Produktmanagement's, created `created(NOW, i)`); postings go
in the same way. Then `/desk stats` is asked over the real server and the agenda built as the
meeting builds it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from bot.people.service import person_by_handle
from bot.settings import Settings
from storage.models import Base, Posting
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.reports_support import created, report, seed
from tests.support import say

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday; the meeting is Tuesday 10:00
ANNA = "U01ANNA"
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def posting(
    i: int, channel: str, status: str, done: timedelta, wished: timedelta
) -> dict[str, Any]:
    at = created(NOW, i)
    return {
        "item_id": i + 1,
        "channel": channel,
        "status": status,
        "wished_at": at + wished,
        "planned_at": at + wished,
        "revision": 1,
        "changed_by_id": None,
        "handed_off_at": at + wished,
        "done_at": at + done if status in ("posted", "not_posted") else None,
        "url": None,
        "reason": None,
        "created_at": at,
        "updated_at": at,
    }


def postings() -> list[dict[str, Any]]:
    """LinkedIn: item i live (i + 1) h after submission, wished at submission, so late by
    (i + 1) h (item 1's hour is within the grace). Instagram: items 1–3 live after 3 days,
    wished after 1. X: item 4 not posted, item 5 still planned: neither counts."""
    rows = [posting(i, "linkedin", "posted", (i + 1) * HOUR, timedelta()) for i in range(20)]
    rows += [posting(i, "instagram", "posted", 3 * DAY, DAY) for i in range(3)]
    rows.append(posting(3, "x", "not_posted", 4 * DAY, DAY))
    rows.append(posting(4, "x", "planned", 4 * DAY, DAY))
    return rows


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    fake_slack.add_user(ANNA, "anna@beispiel.de")
    async with serve(settings, fake_slack, start=NOW) as running:
        async with running.runtime.sessions.begin() as session:
            await seed(session, 20, NOW)
            await session.execute(insert(Base.metadata.tables[Posting.__tablename__]), postings())
        yield running


async def test_stats_show_time_to_live_and_late_postings(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    shown = await say(desk, fake_slack, ANNA, "/desk", "stats")
    assert "Bis live je Abteilung (ab Einreichung)" in shown
    # Marketing: LinkedIn 1, 3, … 19 h and Instagram 72 h twice; Produkt: 2, 4, … 20 h, 72 h.
    assert "Marketing: Median 12 Std. (12 Beiträge live)" in shown
    assert "Produktmanagement: Median 12 Std. (11 Beiträge live)" in shown
    assert "Bis live je Kanal (ab Einreichung)" in shown
    assert "Instagram: Median 3 Tage (3 Beiträge live)" in shown
    assert "LinkedIn: Median 10 Std. (20 Beiträge live)" in shown
    assert shown.index("Instagram: Median") < shown.index("LinkedIn: Median")  # slowest first
    assert "X: Median" not in shown  # not posted is not live
    # 3 on Instagram, 19 on LinkedIn (the first one's hour is on time); latest first, cut.
    assert "22 Beiträge später als gewünscht" in shown
    assert "#1 „Beitrag 1“ auf Instagram: 2 Tage später als gewünscht" in shown
    assert "#20 „Beitrag 20“ auf LinkedIn: 20 Std. später als gewünscht" in shown
    assert "#9 „Beitrag 9“ auf LinkedIn" in shown and "#8 „Beitrag 8“ auf LinkedIn" not in shown
    assert "… und 7 weitere" in shown
    assert "auf X:" not in shown


async def test_the_agenda_shows_the_past_weeks_time_to_live(desk: RunningBot) -> None:
    async with desk.runtime.sessions() as session:
        anna = await person_by_handle(session, "anna")
        assert anna is not None
        agenda = await report("agenda", session, desk.runtime.org, anna, NOW)
    texts = [s.text for s in agenda.sections]
    start = texts.index("Von der Einreichung bis live, letzte Woche")
    live = agenda.sections[start + 1 : start + 4]
    assert live[1].text == "*Bis live je Kanal (ab Einreichung)*"
    assert live[1].items == [
        "Instagram: Median 3 Tage (3 Beiträge live)",
        "LinkedIn: Median 10 Std. (20 Beiträge live)",
    ]
    assert live[2].text == "*22 Beiträge später als gewünscht*"
    assert live[2].items[0] == "#1 „Beitrag 1“ auf Instagram: 2 Tage später als gewünscht"
    assert live[2].items[-1] == "… und 7 weitere"


async def test_nothing_live_says_nothing_about_it(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user(ANNA, "anna@beispiel.de")
    async with serve(settings, fake_slack, start=NOW) as bot:
        shown = await say(bot, fake_slack, ANNA, "/desk", "stats")
    assert "Bis live" not in shown and "später als gewünscht" not in shown
