"""The calendar in chat and as a subscription (#14, items 5 and 6): `/desk kalender` shows the
week as people read it, and the iCal feed is fetched over the real server and parsed back with
`icalendar`; its meeting is expanded with `recurring-ical-events` across a DST change."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import pytest
import recurring_ical_events
from multidict import CIMultiDict

from bot.settings import Settings
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.teams_support import nth
from tests.integration.test_plan_and_post import (
    ANNA,
    BEN,
    CARLA,
    dm,
    dms,
    submitted_and_approved,
)
from tests.support import buttons, example_org_with, say, set_person

BERLIN = ZoneInfo("Europe/Berlin")
PUBLIC = "https://desk.beispiel.de"
# Monday 21 Dec 2026, 09:00 in Berlin: the meeting is on Tuesday, Christmas on Friday.
CHRISTMAS_WEEK = datetime(2026, 12, 21, 8, 0, tzinfo=UTC)
# Monday 15 Mar 2027, 09:00 in Berlin: two weeks before the switch to summer time (28 Mar).
BEFORE_DST = datetime(2027, 3, 15, 8, 0, tzinfo=UTC)
T_CARLA = "29:carla"
FEED_URL = re.compile(r"`(https://desk\.beispiel\.de/ical/[A-Za-z0-9_-]+\.ics)`")


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, with Carla reading English (in Teams, for the last test)."""
    return example_org_with(tmp_path, lambda raw: set_person(raw, "carla", locale="en"))


def people(fake: FakeSlackApi) -> None:
    for user, name in ((ANNA, "anna"), (BEN, "ben"), (CARLA, "carla")):
        fake.add_user(user, f"{name}@beispiel.de")


@pytest.fixture
async def christmas(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people(fake_slack)
    async with serve(settings, fake_slack, start=CHRISTMAS_WEEK) as running:
        yield running


@pytest.fixture
async def spring(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    people(fake_slack)
    published = settings.model_copy(update={"public_url": PUBLIC})
    async with serve(published, fake_slack, start=BEFORE_DST) as running:
        yield running


def day_block(shown: str, heading: str) -> str:
    """The lines of one day in the week view: from its heading to the next heading."""
    start = shown.index(heading)
    rest = shown[start + len(heading) :]
    nxt = re.search(r"\n\*[^*\n]+\*", rest)
    return rest[: nxt.start()] if nxt else rest


async def test_the_week_in_chat(christmas: RunningBot, fake_slack: FakeSlackApi) -> None:
    bot, fake = christmas, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    planned = await say(bot, fake, ANNA, "/plan", "1 linkedin 23.12.2026 10:00")
    assert "Eingeplant: LinkedIn – #1 „Sommerfest“ am 23.12.2026, 10:00" in planned

    shown = await say(bot, fake, ANNA, "/desk", "kalender")
    assert shown.startswith("*📅 Redaktionsplan KW 52 (21.12.–27.12.)")
    wednesday = day_block(shown, "*Mittwoch, 23.12.*")
    assert "10:00 LinkedIn – #1 „Sommerfest“ (eingeplant)" in wednesday
    assert "Sommerfest" not in day_block(shown, "*Dienstag, 22.12.*")
    assert "10:00 Redaktionssitzung" in day_block(shown, "*Dienstag, 22.12.*")
    assert "Feiertag: Erster Weihnachtstag" in day_block(shown, "*Freitag, 25.12.*")
    assert "nichts eingeplant" in day_block(shown, "*Montag, 21.12.*")
    # Gaps: LinkedIn has Thursday to Sunday free; the other channels the whole week.
    assert "LinkedIn: 4 Tage ohne Beitrag" in shown
    assert "Instagram: 7 Tage ohne Beitrag" in shown

    # One channel, and the next week (nothing there yet, and no meeting change).
    only = await say(bot, fake, ANNA, "/desk", "kalender instagram")
    assert "nur Instagram" in only and "Sommerfest" not in only
    assert "Instagram: 7 Tage ohne Beitrag" in only and "LinkedIn:" not in only
    following = await say(bot, fake, ANNA, "/desk", "kalender nächste woche linkedin")
    assert following.startswith("*📅 Redaktionsplan nächste Woche, KW 53 (28.12.–03.01.)")
    assert "Sommerfest" not in following and "10:00 Redaktionssitzung" in following
    assert "Feiertag: Neujahr" in day_block(following, "*Freitag, 01.01.*")
    wrong = await say(bot, fake, ANNA, "/desk", "kalender tiktok")
    assert "Einen Kanal „tiktok“ kenne ich nicht. Kanäle: LinkedIn, Instagram, X." in wrong

    # No public address: the subscription cannot be given, and the answer says who fixes it.
    said = await say(bot, fake, ANNA, "/desk", "kalender abo")
    assert "SOCIALDESK_PUBLIC_URL" in said and "/ical/" not in said


async def _fetch(
    url: str, headers: dict[str, str] | None = None
) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers or {}) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


def local_url(bot: RunningBot, public_url: str) -> str:
    return public_url.replace(PUBLIC, bot.url)


async def subscribe(bot: RunningBot, fake: FakeSlackApi, user: str, words: str) -> str:
    said = await say(bot, fake, user, "/desk", words)
    found = FEED_URL.search(said)
    assert found, said
    return local_url(bot, found.group(1))


async def test_the_feed_as_a_calendar_app_reads_it(
    spring: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = spring, fake_slack
    # The meeting (Tuesdays 10:00): 23 March skipped, 6 April moved to Wednesday 14:00.
    assert "fällt aus" in await say(bot, fake, ANNA, "/meeting", "skip 2027-03-23")
    assert "verschoben" in await say(bot, fake, ANNA, "/meeting", "move 2027-04-07 14:00")
    # A planned posting; and an approval waiting for Anna (Social Media stage, 2 h SLA).
    await submitted_and_approved(bot, fake, "Sommerfest")
    await say(bot, fake, ANNA, "/plan", "1 linkedin 31.03.2027 11:00")
    await _second_item_waits_for_anna(bot, fake)

    url = await subscribe(bot, fake, ANNA, "kalender abo")
    status, headers, body = await _fetch(url)
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(body)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e}
    posting = events["posting-1@socialdesk"]
    assert str(posting["SUMMARY"]) == "LinkedIn: #1 Sommerfest (eingeplant)"
    assert posting.decoded("DTSTART") == datetime(2027, 3, 31, 11, 0, tzinfo=BERLIN)
    approval = next(e for uid, e in events.items() if uid.startswith("approval-"))
    assert str(approval["SUMMARY"]) == "Freigabe fällig: #2 Frühlingsfest (Social Media)"

    # The meeting is one recurring event; expanded across the DST change it stays at 10:00
    # local, the skipped date is absent, the moved one is at its new time.
    masters = [e for e in cal.walk("VEVENT") if str(e["UID"]) == "meeting@socialdesk"]
    assert len(masters) == 2 and "RRULE" in masters[0]
    starts = [
        e.decoded("DTSTART")
        for e in recurring_ical_events.of(cal).between(date(2027, 3, 15), date(2027, 4, 14))
        if str(e["UID"]) == "meeting@socialdesk"
    ]
    assert [(s.date(), s.astimezone(BERLIN).strftime("%H:%M %Z")) for s in starts] == [
        (date(2027, 3, 16), "10:00 CET"),
        (date(2027, 3, 30), "10:00 CEST"),
        (date(2027, 4, 7), "14:00 CEST"),
        (date(2027, 4, 13), "10:00 CEST"),
    ]
    assert starts[1].astimezone(UTC).hour == 8 and starts[0].astimezone(UTC).hour == 9

    # Polling: the same feed again costs a 304; a change gives a new ETag.
    again, cached, nothing = await _fetch(url, {"If-None-Match": headers["ETag"]})
    assert again == 304 and nothing == b"" and cached["ETag"] == headers["ETag"]
    assert "Last-Modified" in headers
    await say(bot, fake, ANNA, "/plan", "1 linkedin 01.04.2027 11:00")
    status, moved, body = await _fetch(url, {"If-None-Match": headers["ETag"]})
    assert status == 200 and moved["ETag"] != headers["ETag"]
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert uids.count("posting-1@socialdesk") == 1  # the same event, updated

    # Ben's own feed: the content asked of him, with its deadline; not Anna's approval.
    asked = await say(
        bot, fake, ANNA, "/request", "marketing Visual zum Sommerfest bis morgen 12 Uhr weil Plakat"
    )
    assert "Angefragt: #1 bei Ben Weber" in asked
    bens = await subscribe(bot, fake, BEN, "kalender abo")
    status, _, body = await _fetch(bens)
    ben_events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    request = ben_events["request-1@socialdesk"]
    assert str(request["SUMMARY"]) == "Zulieferung fällig: Visual zum Sommerfest"
    assert request.decoded("DTSTART") == datetime(2027, 3, 16, 12, 0, tzinfo=BERLIN)
    assert "posting-1@socialdesk" in ben_events
    assert not any(uid.startswith("approval-") for uid in ben_events)

    # One channel only.
    status, _, only_x = await _fetch(url + "?channel=x")
    assert status == 200 and b"posting-1@socialdesk" not in only_x

    # Asking again does not show the address again; `abo neu` replaces it, the old one is gone.
    said = await say(bot, fake, ANNA, "/desk", "kalender abo")
    assert "schon ein Kalender-Abo" in said and "/ical/" not in said
    renewed = await subscribe(bot, fake, ANNA, "kalender abo neu")
    assert renewed != url
    gone, _, gone_body = await _fetch(url)
    assert gone == 404
    assert (await _fetch(renewed))[0] == 200
    # A token that never existed reads exactly like the revoked one.
    never = f"{bot.url}/ical/{secrets.token_urlsafe(32)}.ics"
    status, _, never_body = await _fetch(never)
    assert status == 404 and never_body == gone_body
    assert (await _fetch(f"{bot.url}/ical/x.ics"))[0] == 404
    # Ending the subscription ends the URL too.
    assert "beendet" in await say(bot, fake, ANNA, "/desk", "kalender abo aus")
    assert (await _fetch(renewed))[0] == 404


async def _second_item_waits_for_anna(bot: RunningBot, fake: FakeSlackApi) -> None:
    """Carla submits #2; Ben approves his stage, so the Social Media stage waits for Anna."""
    ben_n = len(dms(fake, BEN, "Freigabe angefragt")) + 1
    anna_n = len(dms(fake, ANNA, "Freigabe angefragt")) + 1
    await bot.slack.command(CARLA, "/submit", "Frühlingsfest")
    card = await dm(fake, BEN, "Freigabe angefragt", ben_n)
    await bot.slack.click(BEN, "approval.approve", buttons(card.blocks)["approval.approve"])
    await dm(fake, ANNA, "Freigabe angefragt", anna_n)


async def test_the_week_in_teams_in_the_readers_language(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """Teams types it without the slash; Carla reads English (`locale: en` in the file)."""
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(T_CARLA, "calendar next week")
    shown = (await nth(fake_teams, T_CARLA, 1)).text
    assert shown.startswith("📅 Plan for next week, week ")
    assert "10:00 editorial meeting" in shown and "nothing planned" in shown
    assert "Instagram: 7 days without a post" in shown
    # The hint names the command as it is typed in Teams, without the slash.
    assert "`calendar subscribe`" in shown and "/desk" not in shown
    await teams.say(T_CARLA, "kalender x")
    assert "X only" in (await nth(fake_teams, T_CARLA, 2)).text
