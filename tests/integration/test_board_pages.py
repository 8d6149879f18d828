"""The board's *Beitrag*, *Krise* and *Zahlen* pages, read over real HTTP after the desk did
its work in Slack: a visual submitted with a text per channel, changes asked for and made, the
stages approved; a crisis declared, acknowledged, ticked and given a statement.

Most tests serve the pages through a small aiohttp app with the real templates, a plain
stand-in for `base.html` and the viewer chosen per request (`X-Viewer: handle`, or
`handle:en` to read in English) — the pages' own checks (403, 404) run as on the board; the
last one signs in from Slack and reads them on the real board.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import aiohttp_jinja2
import jinja2
import pytest
from aiohttp import web
from PIL import Image
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.web.board import crisis, item, numbers, thumbs
from adapters.web.board.context import BOARD, Board, Forbidden, NotFound, Viewer
from bot.clock import Clock, FrozenClock
from bot.i18n import Reader
from bot.orgconfig import OrgConfig
from bot.people.service import person_by_handle
from bot.settings import Settings
from storage.db import SessionMaker
from storage.models import Attachment, DraftFile, Posting
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.intake_files import png
from tests.integration.test_board_sign_in import PUBLIC, link_for, visible
from tests.integration.test_board_sign_in import Browser as SignedIn
from tests.reports_support import ben_waiting, created, seed
from tests.support import block_texts, buttons, eventually, file_share

ANNA, BEN, CARLA, DAVID, FELIX = "U01ANNA", "U0BEN", "U0CARLA", "U0DAVID", "U0FELIX"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday, 10:00 in Berlin
TEMPLATES = Path(__file__).resolve().parents[2] / "adapters" / "web" / "board" / "templates"
BASE = (
    "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head>"
    "<body><main>{% block content %}{% endblock %}</main></body></html>"
)
SCRIPT = "<script>alert(1)</script>"
MAIN = f"{SCRIPT} Sommerfest\nMit Grillbuffet am Freitag, Musik von @hofband"
REVISED = f"{SCRIPT} Sommerfest\nMit Kuchen am Freitag, Musik von @hofband"
X_TEXT = "Freitag: Sommerfest im Hof #sommerfest"


# --- a board of these pages, and the desk behind it ------------------------------------------

Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def board_app(
    sessions: SessionMaker, org: Callable[[], OrgConfig], clock: Clock
) -> web.Application:
    app = web.Application()
    app[BOARD] = Board(sessions=sessions, org=org, clock=clock, public_url=None)
    loader = jinja2.ChoiceLoader(
        [jinja2.DictLoader({"base.html": BASE}), jinja2.FileSystemLoader(TEMPLATES)]
    )
    aiohttp_jinja2.setup(app, loader=loader, autoescape=True)
    for path, handler in (
        ("/board/items/{id}", item.page),
        ("/board/crisis", crisis.index),
        ("/board/crisis/{id}", crisis.page),
        ("/board/numbers", numbers.page),
        ("/board/thumbs/{sha256}", thumbs.thumbnail),
    ):
        app.router.add_get(path, _as(handler))
    return app


def _as(handler: Handler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The page for the person named in `X-Viewer`, its refusals as the board answers them."""

    async def view(request: web.Request) -> web.StreamResponse:
        board = request.app[BOARD]
        handle, _, locale = request.headers["X-Viewer"].partition(":")
        async with board.sessions() as session:
            person = await person_by_handle(session, handle)
        assert person is not None
        viewer = Viewer(
            person_id=person.id,
            handle=person.handle,
            name=person.name,
            roles=frozenset(person.role_names),
            reader=Reader(locale=locale or person.locale or "de", tz=ZoneInfo("Europe/Berlin")),
            csrf="test",
        )
        try:
            return await handler(request, viewer)
        except NotFound:
            raise web.HTTPNotFound(text="nicht gefunden") from None
        except Forbidden:
            raise web.HTTPForbidden(text="kein Zugriff") from None

    return view


class Browser:
    def __init__(self, url: str, http: aiohttp.ClientSession) -> None:
        self.url, self.http = url, http

    async def get(self, path: str, who: str) -> tuple[int, str]:
        async with self.http.get(self.url + path, headers={"X-Viewer": who}) as resp:
            return resp.status, await resp.text()

    async def raw(self, path: str, who: str) -> tuple[int, str, bytes]:
        async with self.http.get(self.url + path, headers={"X-Viewer": who}) as resp:
            return resp.status, resp.content_type, await resp.read()


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    for user, name in ((ANNA, "anna"), (BEN, "ben"), (CARLA, "carla"), (DAVID, "david")):
        fake_slack.add_user(user, f"{name}@beispiel.de")
    fake_slack.add_user(FELIX, "felix@beispiel.de")
    async with serve(settings, fake_slack, start=START) as running:
        yield running


async def start_board(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def browser(desk: RunningBot) -> AsyncIterator[Browser]:
    runtime = desk.runtime
    app = board_app(runtime.sessions, lambda: runtime.org, runtime.clock)
    runner, url = await start_board(app)
    async with aiohttp.ClientSession() as http:
        yield Browser(url, http)
    await runner.cleanup()


def shown(message: Posted) -> str:
    return message.text + "\n" + block_texts(message.blocks)


async def dm(fake: FakeSlackApi, user: str, containing: str, n: int = 1) -> Posted:
    def found() -> list[Posted]:
        return [m for m in fake.dms_to(user) if containing in shown(m)]

    await eventually(lambda: len(found()) >= n)
    return found()[n - 1]


async def click(bot: RunningBot, user: str, card: Posted, action: str) -> None:
    resp = await bot.slack.click(user, action, buttons(card.blocks)[action])
    assert resp.status == 200


async def form(fake: FakeSlackApi, before: int) -> dict[str, Any]:
    view: dict[str, Any] = await eventually(
        lambda: fake.views[before] if len(fake.views) > before else None
    )
    return view


async def say(bot: RunningBot, fake: FakeSlackApi, user: str, command: str, text: str) -> str:
    before = len(fake.responses)
    assert (await bot.slack.command(user, command, text)).status == 200
    await eventually(lambda: len(fake.responses) > before)
    answer = fake.responses[before]
    return block_texts(answer.get("blocks") or []) or str(answer.get("text", ""))


async def submitted_revised_and_approved(bot: RunningBot, fake: FakeSlackApi) -> None:
    """Carla sends a visual with a text, picks LinkedIn and X (with a text of its own for X)
    and submits; Ben asks for changes, Carla revises, Ben and Anna approve."""
    info = fake.add_file("F0001", "hof.png", png(1200, 1200))
    resp = await bot.slack.event(
        file_share(CARLA, [info], "1700000100.000001", MAIN), event_id="E1"
    )
    assert resp.status == 200
    draft = await dm(fake, CARLA, "Entwurf")
    before = len(fake.views)
    await click(bot, CARLA, draft, "intake.details")
    details = await form(fake, before)
    values = {"text": MAIN, "channels": "linkedin, x", "text.x": X_TEXT}
    status, _ = await bot.slack.submit_view(CARLA, details, values)
    assert status == 200
    await eventually(lambda: draft.updates)
    await click(bot, CARLA, draft, "intake.submit")

    first = await dm(fake, BEN, "Freigabe angefragt")
    before = len(fake.views)
    await click(bot, BEN, first, "approval.changes")
    comment = f"Bitte ohne Grillbuffet {SCRIPT}"
    assert (await bot.slack.submit_view(BEN, await form(fake, before), {"comment": comment}))[0]
    await eventually(lambda: first.updates)  # decided, before the clock moves on
    bot.advance(timedelta(hours=1))
    answer = await say(bot, fake, CARLA, "/revise", f"1 {REVISED}")
    assert "Version 2" in answer
    bot.advance(timedelta(hours=2))
    second = await dm(fake, BEN, "Mit Kuchen")
    await click(bot, BEN, second, "approval.approve")
    await eventually(lambda: second.updates)
    await click(bot, ANNA, await dm(fake, ANNA, "Freigabe angefragt"), "approval.approve")
    await dm(fake, CARLA, "ist freigegeben")


def text_of(html: str) -> str:
    """What a person reads: the page without its tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Beitrag -------------------------------------------------------------------------------


async def test_an_item_shows_its_versions_diff_channels_files_and_history(
    desk: RunningBot, fake_slack: FakeSlackApi, browser: Browser
) -> None:
    await submitted_revised_and_approved(desk, fake_slack)
    status, html = await browser.get("/board/items/1", "carla")  # her own
    assert status == 200, html
    page = text_of(html)

    # People's text stays text: the title, the versions, the comment.
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Sommerfest" in html
    assert "#1" in page and "Marketing" in page and "Carla Neumann" in page
    assert "freigegeben" in page and "Standard" in page

    # Every version, the newest first, with what changed marked word by word.
    assert "Version 2 von Carla Neumann, 26.11.2026, 11:00" in page
    assert "Version 1 von Carla Neumann, 26.11.2026, 10:00" in page
    assert page.index("Version 2 von") < page.index("Version 1 von")
    assert "<del>Grillbuffet</del> <ins>Kuchen</ins>" in html

    # Per channel: the text that goes out and what the channel check says about it.
    linkedin = html[html.index("<h3>LinkedIn") : html.index("<h3>X")]
    assert "@-Handles (@hofband) werden hier nicht verlinkt" in linkedin
    assert "freigegeben" in linkedin  # its posting, waiting to be planned
    x = html[html.index("<h3>X") :]
    assert "Eigener Text für diesen Kanal" in x and X_TEXT in x

    # The file: a thumbnail scaled on the server, and the file itself.
    async with desk.runtime.sessions() as session:
        sha = (await session.scalars(select(Attachment.sha256))).first()
    assert f'<img src="/board/thumbs/{sha}" alt="hof.png"' in html
    assert f'href="/files/{sha}/hof.png"' in html

    # The stages and the whole history, who and when (Berlin time).
    assert "Fachliche Freigabe" in page and "Social Media" in page
    assert "Fachliche Freigabe: ✏️ Änderungen angefordert – Ben Weber" in page
    assert "&lt;script&gt;" in html.split("Bitte ohne Grillbuffet")[1][:40]
    assert "Version 2 eingereicht – Carla Neumann" in page
    assert "Social Media: ✅ freigegeben – Anna Schmidt" in page
    assert "26.11.2026, 13:00" in page  # the approvals, two hours after the revision
    assert "Zeiten in Europe/Berlin" in page
    assert "Fachliche Freigabe: Version 1 an Ben Weber" in page

    # In the reader's language.
    english = text_of((await browser.get("/board/items/1", "carla:en"))[1])
    assert "Version 2 by Carla Neumann, 26 Nov 2026, 11:00" in english
    assert "Changed since version 1" in english
    assert "Social Media: ✅ approved – Anna Schmidt" in english

    # Anyone in the organisation reads the item; the decisions and the approvers' comments
    # only those `/desk history` shows them to.
    status, html = await browser.get("/board/items/1", "felix")
    assert status == 200
    assert "<del>Grillbuffet</del> <ins>Kuchen</ins>" in html and "hof.png" in html
    assert "Bitte ohne Grillbuffet" not in html and "Verlauf" not in html
    assert "sehen nur die Einreichenden, die Freigebenden und Social Media" in text_of(html)


async def test_a_thumbnail_is_scaled_once_and_kept(
    desk: RunningBot, fake_slack: FakeSlackApi, browser: Browser
) -> None:
    info = fake_slack.add_file("F0002", "gross.png", png(1600, 900))
    await desk.slack.event(file_share(CARLA, [info], "1700000200.000001", "Hof"), event_id="E2")
    await dm(fake_slack, CARLA, "Entwurf")
    async with desk.runtime.sessions() as session:
        sha = (await session.scalars(select(DraftFile.sha256))).one()
    status, kind, body = await browser.raw(f"/board/thumbs/{sha}", "carla")
    assert status == 200 and kind == "image/webp"
    assert Image.open(io.BytesIO(body)).size == (320, 180)
    cached = thumbs.cached_path(desk.runtime.settings.data_dir, sha)
    assert cached.is_file()
    assert (await browser.raw(f"/board/thumbs/{sha}", "carla"))[2] == body
    assert (await browser.raw(f"/board/thumbs/{'0' * 64}", "carla"))[0] == 404
    assert (await browser.raw("/board/thumbs/not-a-hash", "carla"))[0] == 404


async def test_unknown_items_are_not_found(desk: RunningBot, browser: Browser) -> None:
    for path in ("/board/items/999", "/board/items/abc", "/board/items/99999999999999999999"):
        assert (await browser.get(path, "carla"))[0] == 404


# --- Krise ---------------------------------------------------------------------------------


async def declared_crisis(bot: RunningBot, fake: FakeSlackApi) -> None:
    """Anna declares; Ben acknowledges and ticks "channels monitored"; Anna submits a
    statement (David and Ben must approve it); David has not answered the page."""
    answer = await say(bot, fake, ANNA, "/crisis", f"Rückruf Kinderwagen {SCRIPT}")
    assert "Krise #1" in answer
    bot.advance(timedelta(minutes=4))
    assert (await bot.slack.click(BEN, "crisis.ack", "1")).status == 200
    await eventually(lambda: any("dran bist" in str(r) for r in fake.responses))
    bot.advance(timedelta(minutes=1))
    assert "abgehakt" in await say(bot, fake, BEN, "/crisis", "check 2")
    await say(bot, fake, ANNA, "/crisis", "statement Wir nehmen das sehr ernst.")


async def test_the_crisis_team_sees_timeline_checklist_acks_and_statements(
    desk: RunningBot, fake_slack: FakeSlackApi, browser: Browser
) -> None:
    await declared_crisis(desk, fake_slack)

    status, html = await browser.get("/board/crisis", "ben")
    assert status == 200, html
    assert "<script>" not in html
    assert 'href="/board/crisis/1"' in html
    assert "Rückruf Kinderwagen &lt;script&gt;" in html
    assert "Gerade keine offene Krise" not in html

    status, html = await browser.get("/board/crisis/1", "anna")
    assert status == 200, html
    page = text_of(html)
    assert "<script>" not in html
    assert "Ausgerufen von Anna Schmidt, 26.11.2026, 10:00" in page
    assert "Ben Weber (Geschäftsführung): ✅ dran seit 26.11.2026, 10:04 (nach 4 min)" in page
    assert "David Krause (Presse): ⏳ noch keine Antwort" in page
    assert "☑ Kanäle werden beobachtet – Ben Weber, 26.11.2026, 10:05" in page
    assert "☐ Stakeholder informiert" in page
    assert "Wir nehmen das sehr ernst." in page and "in Freigabe" in page
    assert "wartet auf" in page and "David Krause" in page
    assert "Anna Schmidt ruft die Krise aus" in page  # the timeline, newest first
    assert page.index("reicht Statement #1 ein") < page.index("ruft die Krise aus")


async def test_a_crisis_is_forbidden_outside_the_team_and_unknown_ones_are_not_found(
    desk: RunningBot, fake_slack: FakeSlackApi, browser: Browser
) -> None:
    await declared_crisis(desk, fake_slack)
    for path in ("/board/crisis", "/board/crisis/1", "/board/crisis/99", "/board/items/1"):
        assert (await browser.get(path, "carla"))[0] == 403, path  # no crisis role
    assert (await browser.get("/board/items/1", "david"))[0] == 200  # the statement, for the team
    assert (await browser.get("/board/crisis/99", "anna"))[0] == 404
    assert (await browser.get("/board/crisis/x", "anna"))[0] == 404


# --- Zahlen --------------------------------------------------------------------------------


async def test_numbers_show_lead_times_waiting_approvals_and_postings(
    desk: RunningBot, fake_slack: FakeSlackApi, browser: Browser
) -> None:
    await submitted_revised_and_approved(desk, fake_slack)
    await say(desk, fake_slack, CARLA, "/submit", f"Zweiter Beitrag {SCRIPT}")
    await dm(fake_slack, BEN, "Zweiter Beitrag")

    status, html = await browser.get("/board/numbers", "carla")
    assert status == 200, html
    assert "<script>" not in html
    assert html.count("<svg") == 4 and "<title" in html
    page = text_of(html)
    assert "KW 48" in page  # this week, the last of twelve
    assert "KW 37" in page
    # Fachliche Freigabe: 0 h (changes asked at once) and 2 h (approved after the revision).
    # Marketing: three hours from Carla's submission to Anna's final approval.
    assert "Fachliche Freigabe, KW 48: 1 h" in page
    assert "Marketing, KW 48: 3 h" in page  # submission to final decision
    assert "Ben Weber: 1" in page  # the second item waits on him
    assert "In diesen Wochen ging nichts live." in page


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday: the seeded week is KW 48


async def went_live(session: AsyncSession, start: int, stop: int) -> None:
    """Every approved seeded item (tests/reports_support.py: i % 20 == 0) went live a day
    after it was submitted: every other one on LinkedIn, the rest on Instagram."""
    rows = []
    for i in range(start, stop, 20):
        at = created(NOW, i) + timedelta(days=1)
        channel = "linkedin" if i % 40 == 0 else "instagram"
        rows.append(
            {"item_id": i + 1, "channel": channel, "status": "posted", "planned_at": at}
            | {"done_at": at, "created_at": at, "updated_at": at, "revision": 0}
        )
    await session.execute(insert(Posting), rows)


async def test_numbers_over_10000_items_take_the_same_few_statements(
    sessions: SessionMaker, org: OrgConfig
) -> None:
    runner, url = await start_board(board_app(sessions, lambda: org, FrozenClock(NOW)))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with aiohttp.ClientSession() as http:
            browser = Browser(url, http)
            async with sessions.begin() as session:
                await seed(session, 100, NOW)
                await went_live(session, 0, 100)
            statements.clear()
            assert (await browser.get("/board/numbers", "anna"))[0] == 200
            few = len(statements)

            async with sessions.begin() as session:
                await seed(session, 9900, NOW, offset=100)
                await went_live(session, 100, 10_000)
            statements.clear()
            began = time.monotonic()
            status, html = await browser.get("/board/numbers", "anna")
            took = time.monotonic() - began
    finally:
        event.remove(engine, "before_cursor_execute", count)
        await runner.cleanup()
    assert status == 200
    assert len(statements) == few  # one per figure (and the viewer), not one per item
    assert took < 3, f"/board/numbers took {took:.2f} s at 10,000 items"
    page = text_of(html)
    assert f"Ben Weber: {ben_waiting(10_000):,}".replace(",", ".") in page
    assert "Fachliche Freigabe, KW 48: 2 h" in page
    assert "Social Media, KW 48: 1 h" in page
    assert "Recht, KW 48: 24 h" in page
    assert "LinkedIn, KW 48: 250" in page and "Instagram, KW 48: 250" in page


# --- on the real board, signed in from Slack -------------------------------------------------


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Reachable from chat, so `/desk board` can answer with a sign-in link."""
    return settings.model_copy(update={"public_url": PUBLIC})


async def test_signed_in_colleagues_read_items_and_only_the_team_reads_crises(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await declared_crisis(desk, fake_slack)  # its statement is #1
    await say(desk, fake_slack, CARLA, "/submit", f"Zweiter Beitrag {SCRIPT}")
    await dm(fake_slack, BEN, "Zweiter Beitrag")

    carla = SignedIn(desk)
    await carla.sign_in(await link_for(desk, fake_slack, CARLA))
    mine = await carla.get("/board/items/2")
    assert mine.status == 200, mine.text
    assert "Zweiter Beitrag &lt;script&gt;" in mine.text and SCRIPT not in mine.text
    assert "Fachliche Freigabe: Version 1 an Ben Weber" in visible(mine.text)
    assert (await carla.get("/board/items/1")).status == 403  # a crisis statement
    for path in ("/board/crisis", "/board/crisis/1"):
        assert (await carla.get(path)).status == 403, path
    assert (await carla.get("/board/items/99")).status == 404

    anna = SignedIn(desk)
    await anna.sign_in(await link_for(desk, fake_slack, ANNA))
    crisis_page = await anna.get("/board/crisis/1")
    assert crisis_page.status == 200
    assert "Rückruf Kinderwagen &lt;script&gt;" in crisis_page.text
    assert "Wir nehmen das sehr ernst." in crisis_page.text
    numbers_page = await anna.get("/board/numbers")
    assert numbers_page.status == 200 and numbers_page.text.count("<svg") == 4
