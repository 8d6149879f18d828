"""The board's pipeline and calendar (#15, item 1) as a signed-in colleague reads them: an
item waits on Ben, moves to the next column once Ben approves over Slack, is filtered by
department, channel and person, shows on its day in the calendar once planned, and a
submission's `<script>` is only ever text.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.approvals import pipeline
from tests.bench.calendar import NOW, seed_postings
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.test_board_sign_in import (
    ANNA,
    BEN,
    CARLA,
    Browser,
    board,
    link_for,
    settings,
    visible,
)
from tests.integration.test_plan_and_post import dm
from tests.reports_support import seed
from tests.support import buttons, eventually, example_org_with, say

assert board and settings  # fixtures, used by name

HOSTILE = '<script>document.title="pwned"</script> Sommerfest'


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation with a one-stage path for Marketing: Ben (the lead) decides
    alone, so his approval moves the item on."""

    def one_stage(raw: dict[str, Any]) -> None:
        raw["approval_paths"]["standard"]["stages"] = raw["approval_paths"]["standard"]["stages"][
            :1
        ]

    return example_org_with(tmp_path, one_stage)


async def submit(bot: RunningBot, fake: FakeSlackApi, text: str, channels: str) -> None:
    """Carla's /submit form: the text, the channels, Tuesday 10:00 as the wished date."""
    before = len(fake.views)
    await bot.slack.command(CARLA, "/submit", "")
    view = await eventually(lambda: fake.views[before] if len(fake.views) > before else None)
    status, _ = await bot.slack.submit_view(
        CARLA, view, {"text": text, "channels": channels, "publish_at": "dienstag 10:00"}
    )
    assert status == 200


def column(html: str, key: str) -> str:
    found = re.search(rf'data-column="{key}".*?</section>', html, re.S)
    assert found, f"no column {key}"
    return found.group(0)


def card(html: str, item_id: int) -> str:
    found = re.search(rf'<article[^>]*data-item="{item_id}".*?</article>', html, re.S)
    assert found, f"no card #{item_id}"
    return found.group(0)


def day(html: str, iso: str) -> str:
    found = re.search(rf'<td[^>]*data-date="{iso}".*?</td>', html, re.S)
    assert found, f"no day {iso}"
    return found.group(0)


async def test_an_item_moves_on_when_ben_approves(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = board, fake_slack
    await submit(bot, fake, "Sommerfest\nWir feiern im Hof", "linkedin")
    anna = Browser(bot)
    await anna.sign_in(await link_for(bot, fake, ANNA))

    page = (await anna.get("/board/")).text
    waiting = visible(card(column(page, "in_review"), 1))
    assert "#1 Sommerfest" in waiting and "Marketing" in waiting and "LinkedIn" in waiting
    assert "wartet auf Ben Weber" in waiting and "Ben Weber gerade eben" in waiting
    assert "im Zeitplan" in waiting and "Frist 30.11.2026, 13:00" in waiting  # 4 h SLA
    assert 'href="/board/items/1"' in card(page, 1)
    assert "data-item" not in column(page, "approved")

    bot.advance(timedelta(hours=3, minutes=30))
    later = visible(card(await _page(anna, "/board/"), 1))
    assert "bald fällig" in later and "seit 3 Std." in later
    bot.advance(timedelta(hours=1))
    assert "überfällig" in visible(card(await _page(anna, "/board/"), 1))

    ben_card = await dm(fake, BEN, "Freigabe angefragt")
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await dm(fake, CARLA, "ist freigegeben")

    page = await _page(anna, "/board/")
    assert "data-item" not in column(page, "in_review")
    moved = visible(card(column(page, "approved"), 1))
    assert "einzuplanen: LinkedIn" in moved


async def _page(browser: Browser, path: str) -> str:
    answer = await browser.get(path)
    assert answer.status == 200, answer.text
    return answer.text


async def _shown(browser: Browser, path: str) -> str:
    return visible(await _page(browser, path))


async def test_filters_by_department_channel_and_person(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = board, fake_slack
    await submit(bot, fake, "Sommerfest", "linkedin")
    await submit(bot, fake, "Messe", "instagram,x")
    await dm(fake, BEN, "Freigabe angefragt", 2)
    ben = Browser(bot)
    await ben.sign_in(await link_for(bot, fake, BEN))

    everything = await _shown(ben, "/board/")
    assert "#1 Sommerfest" in everything and "#2 Messe" in everything
    linkedin = await _shown(ben, "/board/?channel=linkedin")
    assert "#1 Sommerfest" in linkedin and "#2 Messe" not in linkedin
    assert '<option value="linkedin" selected>' in await _page(ben, "/board/?channel=linkedin")
    instagram = await _shown(ben, "/board/?channel=instagram")
    assert "#1 Sommerfest" not in instagram and "#2 Messe" in instagram
    assert "#1 Sommerfest" in await _shown(ben, "/board/?department=marketing")
    assert "Sommerfest" not in await _shown(ben, "/board/?department=produkt")
    assert "#2 Messe" in await _shown(ben, "/board/?person=ben")  # waiting on Ben
    assert "#2 Messe" in await _shown(ben, "/board/?person=carla")  # Carla submitted it
    assert "Messe" not in await _shown(ben, "/board/?person=eva")
    # Made-up filter values are ignored, never an error or an injection.
    odd = await _page(ben, "/board/?channel=%22%3E%3Cscript%3E&department=x%25&person=nobody")
    assert "#1 Sommerfest" in visible(odd) and "<script>" not in odd


async def test_a_planned_posting_shows_on_its_day(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = board, fake_slack
    await submit(bot, fake, "Sommerfest", "linkedin")
    ben_card = await dm(fake, BEN, "Freigabe angefragt")
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await dm(fake, ANNA, "bitte einplanen")
    anna = Browser(bot)
    await anna.sign_in(await link_for(bot, fake, ANNA))

    # Approved, not planned yet: on the wished day (Tuesday), marked as a wish.
    month = await _page(anna, "/board/calendar")
    assert "Kalender: November 2026" in visible(month)
    tuesday = day(month, "2026-12-01")
    assert "#1 Sommerfest" in visible(tuesday) and "state-approved" in tuesday
    assert "Wunschtermin" in tuesday
    assert "10:00 Redaktionssitzung" in visible(tuesday)  # the weekly meeting

    planned = await say(bot, fake, ANNA, "/plan", "1 linkedin 02.12.2026 11:00")
    assert "Eingeplant" in planned
    week = await _page(anna, "/board/calendar?view=week&date=2026-12-02")
    assert "KW 49 / 2026" in visible(week)
    wednesday = visible(day(week, "2026-12-02"))
    assert "11:00 LinkedIn #1 Sommerfest eingeplant" in wednesday
    assert "Sommerfest" not in day(week, "2026-12-01")
    pipeline = await _page(anna, "/board/")
    assert "nächster Termin 02.12.2026, 11:00" in visible(card(column(pipeline, "planned"), 1))

    # Filters and navigation: another channel hides it; the next week is empty of it.
    assert "Sommerfest" not in await _shown(
        anna, "/board/calendar?view=week&date=2026-12-02&channel=instagram"
    )
    assert "Sommerfest" not in await _shown(
        anna, "/board/calendar?view=week&date=2026-12-02&state=posted"
    )
    assert "Sommerfest" in await _shown(
        anna, "/board/calendar?view=week&date=2026-12-02&department=marketing&state=planned"
    )
    assert 'href="?view=week&amp;date=2026-12-09"' in week
    december = await _page(anna, "/board/calendar?date=2026-12-24")
    assert "Dezember 2026" in visible(december)
    assert "Erster Weihnachtstag" in day(december, "2026-12-25")


async def test_a_script_in_a_submission_is_only_text(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = board, fake_slack
    await submit(bot, fake, HOSTILE, "linkedin")
    await dm(fake, BEN, "Freigabe angefragt")
    ben = Browser(bot)
    await ben.sign_in(await link_for(bot, fake, BEN))
    page = await _page(ben, "/board/")
    shown = card(column(page, "in_review"), 1)
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt; Sommerfest" in shown
    assert "<script>document" not in page


async def test_thousands_of_items_take_the_same_few_statements(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """Set-based: the pipeline and the calendar ask the database about as often at 2,100
    items as at 100, and a full column shows its first 50 cards and how many more there are."""
    bot = board
    ben = Browser(bot)
    await ben.sign_in(await link_for(bot, fake_slack, BEN))
    async with bot.runtime.sessions.begin() as session:
        await seed(session, 50, NOW)
        await seed_postings(session, 50, offset=50)
    statements: list[str] = []

    def count(*args: Any) -> None:
        """Only what a page request asks (the dispatcher and workers share the database)."""
        task = asyncio.current_task()
        if task is not None and "RequestHandler" in task.get_coro().__qualname__:
            statements.append(args[2])

    engine = bot.runtime.db.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        few = {path: await _statements(ben, path, statements) for path in PAGES}
        async with bot.runtime.sessions.begin() as session:
            await seed(session, 1000, NOW, offset=100)
            await seed_postings(session, 1000, offset=1100)
        many = {path: await _statements(ben, path, statements) for path in PAGES}
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # A query per card would be 50 more per column; an empty column skips one statement.
    assert all(0 < many[path] <= few[path] + 1 for path in PAGES), (few, many)
    page = visible(await _page(ben, "/board/"))
    shown = re.search(r"in Freigabe (\d+) ", page)
    assert shown and int(shown.group(1)) > pipeline.PER_COLUMN
    assert f"… und {int(shown.group(1)) - pipeline.PER_COLUMN} weitere" in page


PAGES = ("/board/", "/board/?person=ben", "/board/calendar", "/board/calendar?view=week")


async def _statements(browser: Browser, path: str, statements: list[str]) -> int:
    """Statements for the page, counted on its second load (a new PostgreSQL connection
    asks a few questions of its own)."""
    await _page(browser, path)
    statements.clear()
    await _page(browser, path)
    return len(statements)
