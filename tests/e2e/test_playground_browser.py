"""A screenshot walk through the Agents Playground's web UI, as three colleagues do it after
`make run`: Carla submits, Ben approves, Anna asks for changes, Carla revises with the
prefilled form, Anna approves, then Anna declares a crisis and Ben acknowledges it. And a
pasted image sent the way the README shows: Mock an Activity → Custom activity.

Playwright for Python drives Debian's `chromium` (never a browser of Playwright's own); every
step waits on what the page shows. The PNGs land in the test's tmp dir under `screenshots/`
(on failure too: `failure-<tab>.png`, and the error names the folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.e2e.playground import Playground, three_colleagues
from tests.integration.file_hosts import FileHost

with contextlib.suppress(ImportError):  # the `browser` fixture skips then, saying why
    from playwright.async_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.e2e
WAIT_MS = 30_000  # generous: two cores shared with the rest of the suite
COMPOSER = 'div[role="textbox"][contenteditable="true"]'  # the Playground's message box
CARD = ".ac-adaptiveCard"  # an Adaptive Card as the Playground renders it


@dataclass
class Tab:
    """One colleague's browser tab on their own Playground."""

    name: str
    page: Page
    shots: Path

    @classmethod
    async def new(cls, browser: Browser, name: str, shots: Path) -> Tab:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(WAIT_MS)
        return cls(name, page, shots)

    async def open(self, playground: Playground) -> None:
        await self.page.goto(playground.url)
        await expect(self.page.locator(COMPOSER)).to_be_visible(timeout=WAIT_MS)

    async def say(self, text: str) -> None:
        box = self.page.locator(COMPOSER)
        await box.click()
        await box.fill(text)
        await box.press("Enter")

    def card(self, text: str) -> Locator:
        """The newest card that shows `text`."""
        return self.page.locator(CARD).filter(has_text=text).last

    def said(self, text: str) -> Locator:
        """The newest paragraph in the chat (a plain message or a card's line) with `text`."""
        return self.page.get_by_role("paragraph").filter(has_text=text).last

    async def shot(self, step: str) -> None:
        await self.page.screenshot(path=self.shots / f"{step}-{self.name}.png")


@contextlib.asynccontextmanager
async def screenshots_on_failure(tabs: Iterable[Tab], shots: Path) -> AsyncIterator[None]:
    """What each tab showed when a step failed, and where to find it."""
    try:
        yield
    except Exception as exc:
        for tab in tabs:
            with contextlib.suppress(Exception):  # a dead page must not hide the failure
                await tab.shot("failure")
        exc.add_note(f"screenshots: {shots}")
        raise


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_submit_approve_revise_and_crisis_in_the_browser(
    browser: Browser, bot: RunningBot, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    await asyncio.to_thread(shots.mkdir)
    async with three_colleagues(bot, tmp_path) as playgrounds:
        tabs = {name: await Tab.new(browser, name, shots) for name in playgrounds}
        async with screenshots_on_failure(tabs.values(), shots):
            await asyncio.gather(*(tabs[n].open(playgrounds[n]) for n in tabs))
            await _walk(tabs["carla"], tabs["ben"], tabs["anna"])


async def _walk(carla: Tab, ben: Tab, anna: Tab) -> None:
    for approver in (ben, anna):  # so the bot knows where to reach them
        await approver.say("hilfe")
        await expect(approver.card("Das kann socialdesk")).to_be_visible(timeout=WAIT_MS)

    # Submit: Carla's tab confirms and names who has it now.
    await carla.say("submit Sommerfest: Fotos vom Team")
    await expect(carla.card("Eingereicht: #1")).to_contain_text("Ben Weber", timeout=WAIT_MS)
    await carla.shot("01-submitted")

    # Approve: Ben's card says so at the top and keeps no buttons.
    await ben.card("Freigabe angefragt").get_by_role("button", name="Freigeben", exact=True).click()
    decided = ben.card("Freigegeben von Ben Weber")
    await expect(decided).to_be_visible(timeout=WAIT_MS)
    await expect(decided.get_by_role("button")).to_have_count(0)
    await ben.shot("02-approved")

    # Revise: Anna asks for changes; Carla revises in the prefilled form; Anna sees the diff.
    await (
        anna.card("Freigabe angefragt")
        .get_by_role("button", name="Änderungen anfordern", exact=True)
        .click()
    )
    form = anna.card("Was soll geändert werden?")
    await form.locator("textarea").fill("Bitte das ganze Team nennen")
    await form.get_by_role("button", name="Zurückschicken", exact=True).click()
    asked = carla.card("Bitte das ganze Team nennen")
    await expect(asked).to_be_visible(timeout=WAIT_MS)
    await carla.shot("03-changes-requested")
    await asked.get_by_role("button", name="Überarbeiten", exact=True).click()
    form = carla.card("Neue Version einreichen")
    await expect(form.locator("textarea")).to_have_value(
        "Sommerfest: Fotos vom Team", timeout=WAIT_MS
    )
    await form.locator("textarea").fill("Sommerfest: Fotos vom ganzen Team")
    await carla.shot("04-revise-form")
    await form.get_by_role("button", name="Neue Version einreichen", exact=True).click()
    revised = anna.card("Fotos vom ganzen Team")
    await expect(revised.get_by_role("button", name="Freigeben", exact=True)).to_be_visible(
        timeout=WAIT_MS
    )
    await anna.shot("05-revised")
    await revised.get_by_role("button", name="Freigeben", exact=True).click()
    await expect(carla.said("ist freigegeben")).to_be_visible(timeout=WAIT_MS)
    await carla.shot("06-approved")

    # Crisis: Anna declares it; Ben, in the crisis team, is alerted and acknowledges.
    await anna.say("krise Shitstorm wegen des Sommerfest-Posts")
    await expect(anna.said("Krise #1 ausgerufen")).to_be_visible(timeout=WAIT_MS)
    await anna.shot("07-crisis-declared")
    ack = ben.page.get_by_role("button", name="Ich bin dran", exact=True)
    await ack.last.click()
    await expect(ack).to_have_count(0, timeout=WAIT_MS)
    await expect(ben.card("Krisenteam")).to_contain_text("Ben Weber (dran seit", timeout=WAIT_MS)
    await ben.shot("08-crisis-acknowledged")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_pasted_image_through_the_custom_activity_dialog(
    browser: Browser,
    playground: Playground,
    file_hosts: tuple[FileHost, FileHost],
    tmp_path: Path,
) -> None:
    """The README's recipe: the dialog opens with the chat's template; its `type` line is
    replaced by a message with an `image/png` attachment; *Send activity*; a draft card."""
    service, _ = file_hosts
    shots = tmp_path / "screenshots"
    await asyncio.to_thread(shots.mkdir)
    carla = await Tab.new(browser, "carla", shots)
    async with screenshots_on_failure([carla], shots):
        await carla.open(playground)
        await carla.page.get_by_role("button", name="Mock an Activity", exact=True).click()
        await carla.page.get_by_role("menuitem", name="Custom activity", exact=True).click()
        editor = carla.page.locator(".monaco-editor").first
        await expect(editor).to_contain_text(playground.personal_chat, timeout=WAIT_MS)
        template = await playground.template()
        assert template["type"] == "<custom-activity-type>"  # the line the README replaces
        template.update(
            type="message",
            text="Teamfoto vom Sommerfest",
            attachments=[{"contentType": "image/png", "contentUrl": f"{service.url}/teamfoto.png"}],
        )
        await editor.click()
        await carla.page.keyboard.press("Control+A")
        await carla.page.keyboard.press("Delete")
        await carla.page.keyboard.insert_text(json.dumps(template))  # one line: no auto-indent
        await carla.page.get_by_role("button", name="Send activity", exact=True).click()
        draft = carla.card("Entwurf #1")
        await expect(draft).to_contain_text("Teamfoto vom Sommerfest", timeout=WAIT_MS)
        await expect(draft.get_by_role("button").first).to_be_visible()
        await carla.shot("pasted-image")
    assert [path for path, _ in service.requests] == ["/teamfoto.png"]
