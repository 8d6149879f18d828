"""The desk board in a real browser (#15): Anna signs in from the link in her Slack answer,
the pipeline shows Carla's item waiting on Ben, Ben approves over Slack and the card has
moved on the next load; the calendar shows the planned posting on its day; a `<script>` in a
submission is only text; a used link shows the expired page and Carla, who is not on the
crisis team, gets the 403 page for a crisis URL.

Playwright for Python drives Debian's `chromium` (never a browser of Playwright's own); the
board's CSP is in force, so its one script (filters apply on change) must work under it. A
screenshot of every page lands in the test's tmp dir under `screenshots/` (on failure too:
`failure-<who>.png`, and the error names the folder).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot, make_settings, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.test_board_pipeline_and_calendar import submit
from tests.integration.test_board_sign_in import ANNA, BEN, CARLA, START, sign_in_answer
from tests.integration.test_plan_and_post import dm
from tests.support import buttons, example_org_with, people_on_slack, say

with contextlib.suppress(ImportError):  # the `browser` fixture skips then, saying why
    from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.e2e
WAIT_MS = 30_000  # generous: two cores shared with the rest of the suite
PUBLIC = "http://desk.beispiel.test"  # http: the session cookie is not Secure on loopback
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> Sommerfest'


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    """Only the browser is needed here (the e2e conftest's check is for the Playground)."""


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlackApi, tmp_path: Path) -> Settings:
    """Slack on (the link comes from a Slack answer), and a one-stage path for Marketing:
    Ben decides alone, so his approval moves the card to the next column."""

    def one_stage(raw: dict[str, Any]) -> None:
        stages = raw["approval_paths"]["standard"]["stages"]
        raw["approval_paths"]["standard"]["stages"] = stages[:1]

    config = example_org_with(tmp_path, one_stage)
    return make_settings(
        database_url, fake_slack, tmp_path, config=config, SOCIALDESK_PUBLIC_URL=PUBLIC
    )


@pytest.fixture
async def board(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people_on_slack(fake_slack)
    async with serve(settings, fake_slack, start=START) as running:
        yield running


@dataclass
class Person:
    """One colleague's browser (own cookies) on the board."""

    name: str
    page: Page
    shots: Path

    @classmethod
    async def new(cls, browser: Browser, name: str, shots: Path) -> Person:
        context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="de-DE")
        page = await context.new_page()
        page.set_default_timeout(WAIT_MS)
        return cls(name, page, shots)

    async def shot(self, step: str) -> None:
        await self.page.screenshot(path=self.shots / f"{step}-{self.name}.png", full_page=True)

    async def sign_in(self, link: str) -> None:
        await self.page.goto(link)
        await self.page.get_by_role("button", name="Anmelden", exact=True).click()
        await expect(self.page).to_have_url(f"{link.split('/board/')[0]}/board/")


@contextlib.asynccontextmanager
async def screenshots_on_failure(people: Iterable[Person], shots: Path) -> AsyncIterator[None]:
    try:
        yield
    except Exception as exc:
        for person in people:
            with contextlib.suppress(Exception):  # a dead page must not hide the failure
                await person.shot("failure")
        exc.add_note(f"screenshots: {shots}")
        raise


async def link_for(bot: RunningBot, fake: FakeSlackApi, user: str) -> str:
    """The link in the person's Slack answer to `/desk board`, on this test's server."""
    _, link = await sign_in_answer(bot, fake, user, public=PUBLIC)
    return link


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_board_in_a_browser(
    browser: Browser, board: RunningBot, fake_slack: FakeSlackApi, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    await asyncio.to_thread(shots.mkdir)
    anna = await Person.new(browser, "anna", shots)
    carla = await Person.new(browser, "carla", shots)
    async with screenshots_on_failure([anna, carla], shots):
        await _walk(board, fake_slack, anna, carla)


async def _walk(bot: RunningBot, fake: FakeSlackApi, anna: Person, carla: Person) -> None:
    await submit(bot, fake, "Sommerfest\nWir feiern im Hof", "linkedin")
    await submit(bot, fake, HOSTILE, "instagram")
    await dm(fake, BEN, "Freigabe angefragt", 2)

    # Sign in from the link in Anna's Slack answer: a page with one button, then the board.
    link = await link_for(bot, fake, ANNA)
    await anna.page.goto(link)
    await expect(anna.page.get_by_role("heading")).to_have_text("Hallo Anna Schmidt!")
    await anna.shot("01-sign-in")
    await anna.page.get_by_role("button", name="Anmelden", exact=True).click()
    await expect(anna.page).to_have_url(f"{bot.url}/board/")
    header = anna.page.locator("header.top")
    await expect(header).to_contain_text("Anna Schmidt")
    await expect(header.get_by_role("button", name="Abmelden")).to_be_visible()
    await expect(header.get_by_role("link", name="Krise")).to_be_visible()  # crisis team

    # The pipeline: #1 waits on Ben, on time; the <script> of #2 is text and did not run.
    in_review = anna.page.locator('[data-column="in_review"]')
    first = in_review.locator('[data-item="1"]')
    await expect(first).to_contain_text("wartet auf Ben Weber")
    await expect(first).to_contain_text("im Zeitplan")
    hostile = in_review.locator('[data-item="2"] a.title')
    await expect(hostile).to_contain_text('<script>document.title="pwned"</script>')
    await expect(hostile).to_contain_text("<img src=x onerror=alert(1)>")
    assert await anna.page.title() != "pwned"
    assert await anna.page.locator("main script, main img").count() == 0
    await anna.shot("02-pipeline")

    # The filters apply on change (the board's one script, allowed by its CSP).
    await anna.page.get_by_label("Kanal").select_option("linkedin")
    await expect(anna.page).to_have_url(f"{bot.url}/board/?department=&channel=linkedin&person=")
    await expect(in_review.locator("[data-item]")).to_have_count(1)
    await anna.page.get_by_role("link", name="Filter aufheben").click()
    await expect(in_review.locator("[data-item]")).to_have_count(2)

    # Ben approves over Slack; on the next load #1 is approved, waiting to be planned.
    ben_card = await dm(fake, BEN, "Freigabe angefragt")
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    await dm(fake, CARLA, "ist freigegeben")
    await anna.page.reload()
    await expect(in_review.locator('[data-item="1"]')).to_have_count(0)
    approved = anna.page.locator('[data-column="approved"] [data-item="1"]')
    await expect(approved).to_contain_text("einzuplanen: LinkedIn")
    await anna.shot("03-pipeline-after-approval")

    # Planned for Wednesday 11:00: the calendar shows it on that day, and the meeting.
    assert "Eingeplant" in await say(bot, fake, ANNA, "/plan", "1 linkedin 02.12.2026 11:00")
    await anna.page.get_by_role("link", name="Kalender", exact=True).click()
    await expect(anna.page.get_by_role("heading", level=1)).to_have_text("Kalender: November 2026")
    wednesday = anna.page.locator('td[data-date="2026-12-02"]')
    await expect(wednesday).to_contain_text("11:00")
    await expect(wednesday.locator("a.entry")).to_contain_text("#1 Sommerfest")
    await expect(wednesday.locator("a.entry")).to_contain_text("eingeplant")
    await expect(anna.page.locator('td[data-date="2026-12-01"]')).to_contain_text(
        "10:00 Redaktionssitzung"
    )
    await anna.shot("04-calendar-month")
    await anna.page.get_by_role("link", name="Woche", exact=True).click()
    await expect(anna.page.get_by_role("heading", level=1)).to_contain_text("KW 49 / 2026")
    await expect(anna.page.locator('td[data-date="2026-12-02"]')).to_contain_text("Sommerfest")
    await anna.shot("05-calendar-week")

    # The used link again, in Carla's browser: the expired page, nothing about Anna.
    await carla.page.goto(link)
    await expect(carla.page.get_by_role("heading")).to_have_text(
        "Dieser Anmeldelink ist abgelaufen"
    )
    await expect(carla.page.locator("main")).to_contain_text("/desk board")
    await expect(carla.page.locator("main")).not_to_contain_text("Anna")
    await carla.shot("06-expired-link")

    # Carla signs in with her own link (a minute old); a crisis URL is not for her.
    carla_link = await link_for(bot, fake, CARLA)
    bot.advance(timedelta(minutes=1))
    await carla.sign_in(carla_link)
    await expect(carla.page.locator("header.top").get_by_role("link", name="Krise")).to_have_count(
        0
    )
    await carla.page.goto(f"{bot.url}/board/crisis")
    await expect(carla.page.get_by_role("heading")).to_have_text("Kein Zugriff")
    await carla.shot("07-crisis-forbidden")

    # Signing out ends it: the board asks for a new link.
    await carla.page.goto(f"{bot.url}/board/")
    await carla.page.get_by_role("button", name="Abmelden").click()
    await expect(carla.page.get_by_role("heading")).to_have_text("Du bist abgemeldet")
    await carla.page.goto(f"{bot.url}/board/")
    await expect(carla.page.get_by_role("heading")).to_have_text("Bitte melde dich an")
    await carla.shot("08-signed-out")
