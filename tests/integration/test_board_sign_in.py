"""Getting into the board (#15, item 2): `/desk board` answers with a personal link that works
once and for 15 minutes; the session it opens is a signed, HttpOnly cookie that *Abmelden*
(with its CSRF token) ends. Expired, reused and forged links and cookies all get the same
page saying how to get a new link, and every page answers with the board's security headers.

Everything goes over real HTTP to the bot on loopback, the command signed as Slack signs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from bot.settings import Settings
from tests.conftest import EXAMPLE_CONFIG, RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.support import block_texts, eventually, people_on_slack

ANNA, BEN, CARLA = "U01ANNA", "U0BEN", "U0CARLA"
PUBLIC = "https://desk.beispiel.de"
# Monday 30 Nov 2026, 09:00 in Berlin.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
COOKIE = "socialdesk_board"
T_CARLA = "29:carla"


@dataclass
class Answer:
    status: int
    headers: CIMultiDict[str]
    text: str


@dataclass
class Browser:
    """A browser as far as the board cares: it keeps the board's cookie (Secure or not: the
    test talks plain HTTP to loopback behind a public https address) and sends it back."""

    bot: RunningBot
    cookies: dict[str, str] = field(default_factory=dict)
    accept_language: str = "de-DE,de;q=0.9"

    async def request(
        self, method: str, path_or_url: str, data: dict[str, str] | None = None
    ) -> Answer:
        url = path_or_url if path_or_url.startswith("http") else self.bot.url + path_or_url
        headers = {"Accept-Language": self.accept_language}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, url, data=data, headers=headers, allow_redirects=False) as resp,
        ):
            answer = Answer(resp.status, CIMultiDict(resp.headers), await resp.text())
        for header in answer.headers.getall("Set-Cookie", []):
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return answer

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str] | None = None) -> Answer:
        return await self.request("POST", path, data or {})

    async def sign_in(self, link: str) -> Answer:
        """Open the link and press *Anmelden*; the board it leads to."""
        confirm = await self.get(link)
        assert confirm.status == 200, confirm.text
        used = await self.post(link)
        assert used.status == 303 and used.headers["Location"] == "/board/", used.text
        return await self.get("/board/")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC})


@pytest.fixture
async def board(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people_on_slack(fake_slack)
    async with serve(settings, fake_slack, start=START) as running:
        yield running


async def sign_in_answer(
    bot: RunningBot, fake: FakeSlackApi, user: str, public: str = PUBLIC
) -> tuple[str, str]:
    """`/desk board` in Slack: the answer as the person reads it, and the link's address on
    this test's server (the answer names the public address)."""
    before = len(fake.responses)
    resp = await bot.slack.command(user, "/desk", "board")
    assert resp.status == 200
    await eventually(lambda: len(fake.responses) > before)
    body = fake.responses[before]
    buttons = [b["accessory"] for b in body.get("blocks") or [] if "url" in b.get("accessory", {})]
    assert len(buttons) == 1, body
    url = buttons[0]["url"]
    assert url.startswith(f"{public}/board/signin/")
    said = block_texts(body["blocks"]) + "\n" + buttons[0]["text"]["text"]
    return said, url.replace(public, bot.url)


async def link_for(bot: RunningBot, fake: FakeSlackApi, user: str) -> str:
    return (await sign_in_answer(bot, fake, user))[1]


def visible(html: str) -> str:
    """The page's words, roughly as a reader sees them (tags dropped, entities kept)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_link_from_slack_signs_in_once(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    said, link = await sign_in_answer(board, fake_slack, ANNA)
    assert "Dein Link zum Board" in said and "15 Minuten und nur einmal" in said
    assert "Board öffnen" in said and "nicht weitergeben" in said

    browser = Browser(board)
    confirm = await browser.get(link)  # a link preview fetches this much: nothing is used
    assert confirm.status == 200
    assert "Hallo Anna Schmidt!" in visible(confirm.text) and ">Anmelden<" in confirm.text
    assert (await browser.get(link)).status == 200

    used = await browser.post(link)
    assert used.status == 303 and used.headers["Location"] == "/board/"
    cookie = SimpleCookie(used.headers["Set-Cookie"])[COOKIE]
    assert cookie["httponly"] and cookie["secure"]  # the public address is https
    assert cookie["samesite"] == "Lax" and cookie["path"] == "/board"
    assert cookie["max-age"] == str(30 * 24 * 3600)

    page = await browser.get("/board/")
    assert page.status == 200
    shown = visible(page.text)
    assert "Anna Schmidt" in shown and "Abmelden" in shown
    assert "Pipeline" in shown and "Kalender" in shown and "Zahlen" in shown
    assert "Krise" in shown  # Anna is on the crisis team

    again = await Browser(board).get(link)  # the same link in another browser
    assert again.status == 410
    assert "Dieser Anmeldelink ist abgelaufen" in visible(again.text)
    assert "/desk board" in again.text and "Anna" not in again.text
    stolen = await Browser(board).post(link)
    assert stolen.status == 410 and COOKIE not in stolen.headers.get("Set-Cookie", "")


async def test_an_expired_or_made_up_link_says_how_to_get_a_new_one(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    link = await link_for(board, fake_slack, BEN)
    board.advance(timedelta(minutes=14, seconds=59))
    assert (await Browser(board).get(link)).status == 200
    board.advance(timedelta(seconds=2))
    # Ben reads German (the organisation's language), whatever his browser prefers.
    expired = await Browser(board, accept_language="en-US,en;q=0.9").post(link)
    assert expired.status == 410
    assert "Dieser Anmeldelink ist abgelaufen" in visible(expired.text)
    assert "15 Minuten und nur einmal" in visible(expired.text)
    assert "<code>/desk board</code>" in expired.text

    # A link nobody was given: nothing known about whose it is, so the browser's language.
    for made_up in ("A" * 43, "kurz", "../../etc/passwd", link[-43:-1] + "x"):
        english = await Browser(board, accept_language="en-GB,de;q=0.5").get(
            f"/board/signin/{made_up}"
        )
        assert english.status in (404, 410), made_up
    forged = await Browser(board, accept_language="en-GB,de;q=0.5").get("/board/signin/" + "A" * 43)
    assert forged.status == 410
    assert "This sign-in link has expired" in visible(forged.text)
    assert "<code>/desk board</code>" in forged.text
    headers = forged.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


async def test_forged_cookies_and_sign_out(board: RunningBot, fake_slack: FakeSlackApi) -> None:
    anonymous = await Browser(board).get("/board/")
    assert anonymous.status == 401
    assert "Bitte melde dich an" in visible(anonymous.text) and "/desk board" in anonymous.text
    assert (await Browser(board).get("/board/calendar")).status == 401
    assert (await Browser(board).get("/board/items/1")).status == 401
    assert (await Browser(board).get("/board")).status == 308  # to /board/

    browser = Browser(board)
    await browser.sign_in(await link_for(board, fake_slack, CARLA))
    real = browser.cookies[COOKIE]
    token, _, mac = real.partition(".")
    for forged in (
        f"{token}.{'0' * len(mac)}",  # the right session, a made-up signature
        f"{'B' * 43}.{mac}",  # another session under this signature
        token,
        "",
    ):
        page = await Browser(board, cookies={COOKIE: forged}).get("/board/")
        assert page.status == 401, forged
        assert "Bitte melde dich an" in visible(page.text) and "Carla" not in page.text

    page = await browser.get("/board/")
    assert page.status == 200 and "Carla Neumann" in page.text
    assert "/board/crisis" not in page.text  # Carla is not on the crisis team
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None

    assert (await browser.post("/board/signout")).status == 403
    good = csrf.group(1)
    wrong = good[:-1] + ("1" if good.endswith("0") else "0")  # one character off
    refused = await browser.post("/board/signout", {"csrf": wrong})
    assert refused.status == 403 and "Kein Zugriff" in visible(refused.text)
    assert (await browser.get("/board/")).status == 200  # still signed in

    out = await browser.post("/board/signout", {"csrf": csrf.group(1)})
    assert out.status == 200 and "Du bist abgemeldet" in visible(out.text)
    assert COOKIE not in browser.cookies  # the browser is told to forget it …
    ended = await Browser(board, cookies={COOKIE: real}).get("/board/")
    assert ended.status == 401  # … and a copy of it no longer works


async def test_a_session_lasts_thirty_days(board: RunningBot, fake_slack: FakeSlackApi) -> None:
    browser = Browser(board)
    await browser.sign_in(await link_for(board, fake_slack, BEN))
    board.advance(timedelta(days=29, hours=23))
    assert (await browser.get("/board/calendar")).status == 200
    board.advance(timedelta(hours=2))
    assert (await browser.get("/board/calendar")).status == 401


async def test_unknown_pages_and_the_crisis_pages(
    board: RunningBot, fake_slack: FakeSlackApi
) -> None:
    carla = Browser(board)
    await carla.sign_in(await link_for(board, fake_slack, CARLA))
    for path in ("/board/items/4711", "/board/nowhere"):
        missing = await carla.get(path)
        assert missing.status == 404, path
        assert "Nicht gefunden" in visible(missing.text) and "Carla Neumann" in missing.text
    for path in ("/board/crisis", "/board/crisis/1"):
        refused = await carla.get(path)
        assert refused.status == 403, path
        assert "Kein Zugriff" in visible(refused.text)
        assert refused.headers["X-Frame-Options"] == "DENY"


def test_serve_refuses_a_public_address_without_a_secret_key(tmp_path: Path) -> None:
    """Sessions signed with a key nobody set would be a key anybody could guess next time."""
    env = {
        **os.environ,
        "SOCIALDESK_CONFIG": str(EXAMPLE_CONFIG),
        "SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'never-created.db'}",
        "SOCIALDESK_SECRET_KEY": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SOCIALDESK_SECRET_KEY is not set" in lines[0] and "0.0.0.0" in lines[0]
    assert not (tmp_path / "never-created.db").exists()


def _urls(node: object) -> list[str]:
    """Every `Action.OpenUrl` address on an Adaptive Card."""
    if isinstance(node, dict):
        found = [node["url"]] if node.get("type") == "Action.OpenUrl" else []
        return found + [u for value in node.values() for u in _urls(value)]
    if isinstance(node, list):
        return [u for value in node for u in _urls(value)]
    return []


async def test_board_in_teams_answers_with_the_link(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(T_CARLA, "board")
    answer = await nth(fake_teams, T_CARLA, 1)
    assert "Dein Link zum Board" in answer.text and "15 Minuten" in answer.text
    assert "`board`" in answer.text and "/desk" not in answer.text  # as typed in Teams
    links = _urls(answer.card)
    assert len(links) == 1 and links[0].startswith(f"{PUBLIC}/board/signin/")
    page = await Browser(bot).sign_in(links[0].replace(PUBLIC, bot.url))
    assert page.status == 200 and "Carla Neumann" in page.text
