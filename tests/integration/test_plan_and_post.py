"""From approved to posted: the channel owner plans a posting, gets the hand-off at the time,
marks it posted with the link, and the submitter hears it is live (#14, items 1–4)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.settings import Settings
from bot.timers.runner import TimerRunner
from storage.models import ContentItem, Posting
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.support import block_texts, buttons, eventually, say

ANNA, BEN, CARLA = "U01ANNA", "U0BEN", "U0CARLA"
T_ANNA = "29:anna"
# Monday 30 Nov 2026, 09:00 in Berlin; the wished date "dienstag 10:00" is 1 Dec, 09:00 UTC.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POST_URL = "https://www.linkedin.com/feed/update/urn:li:activity:7001"


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[RunningBot]:
    for user, email in ((ANNA, "anna"), (BEN, "ben"), (CARLA, "carla")):
        fake_slack.add_user(user, f"{email}@beispiel.de")
    async with serve(settings, fake_slack, start=START) as running:
        yield running


def dms(fake: FakeSlackApi, user: str, containing: str) -> list[Posted]:
    return [m for m in fake.dms_to(user) if containing in m.text + block_texts(m.blocks)]


async def dm(fake: FakeSlackApi, user: str, containing: str, n: int = 1) -> Posted:
    await eventually(lambda: len(dms(fake, user, containing)) >= n)
    return dms(fake, user, containing)[n - 1]


async def modal(
    bot: RunningBot, fake: FakeSlackApi, user: str, action: str, value: str
) -> dict[str, Any]:
    """Click a button that opens a form; the modal Slack was asked to show."""
    before = len(fake.views)
    resp = await bot.slack.click(user, action, value)
    assert resp.status == 200
    view: dict[str, Any] = await eventually(
        lambda: fake.views[before] if len(fake.views) > before else None
    )
    return view


async def answer(fake: FakeSlackApi, n: int) -> str:
    """The n-th ephemeral answer (1-based) the bot gave anyone."""
    await eventually(lambda: len(fake.responses) >= n)
    body = fake.responses[n - 1]
    return block_texts(body.get("blocks") or []) or str(body.get("text", ""))


async def form_answer(fake: FakeSlackApi, n: int) -> str:
    """The n-th answer (1-based) to a submitted form: Slack shows it ephemerally."""
    await eventually(lambda: len(fake.ephemerals) >= n)
    body = fake.ephemerals[n - 1]
    return block_texts(body.get("blocks") or []) or str(body.get("text", ""))


async def submitted_and_approved(bot: RunningBot, fake: FakeSlackApi, text: str) -> Posted:
    """Carla submits for LinkedIn wishing Tuesday 10:00; Ben and Anna approve. Returns the
    note Anna (LinkedIn's owner) gets to plan it."""
    ben_n = len(dms(fake, BEN, "Freigabe angefragt")) + 1
    anna_n = len(dms(fake, ANNA, "Freigabe angefragt")) + 1
    n = len(dms(fake, ANNA, "bitte einplanen")) + 1
    view = await _submit_form(bot, fake)
    status, _ = await bot.slack.submit_view(
        CARLA, view, {"text": text, "channels": "linkedin", "publish_at": "dienstag 10:00"}
    )
    assert status == 200
    ben_card = await dm(fake, BEN, "Freigabe angefragt", ben_n)
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    anna_card = await dm(fake, ANNA, "Freigabe angefragt", anna_n)
    await bot.slack.click(ANNA, "approval.approve", buttons(anna_card.blocks)["approval.approve"])
    return await dm(fake, ANNA, "bitte einplanen", n)


async def _submit_form(bot: RunningBot, fake: FakeSlackApi) -> dict[str, Any]:
    before = len(fake.views)
    await bot.slack.command(CARLA, "/submit", "")
    view: dict[str, Any] = await eventually(
        lambda: fake.views[before] if len(fake.views) > before else None
    )
    return view


async def _posting(bot: RunningBot, item_id: int = 1) -> Posting:
    async with bot.runtime.sessions() as session:
        posting = await session.scalar(select(Posting).where(Posting.item_id == item_id))
        assert posting is not None
        return posting


async def test_submit_approve_plan_hand_off_and_live(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    note = await submitted_and_approved(bot, fake, "Sommerfest\nWir feiern am Freitag im Hof!")
    assert "#1 „Sommerfest“ ist freigegeben – bitte einplanen" in note.text
    assert "01.12.2026, 10:00" in block_texts(note.blocks)  # the wished date
    assert buttons(note.blocks) == {"publishing.plan": "1:linkedin"}
    # Carla hears it is approved; she does not own LinkedIn, so no button to plan it.
    approved = await dm(fake, CARLA, "ist freigegeben")
    assert "publishing.plan" not in buttons(approved.blocks)
    assert (await _posting(bot)).status == "approved"

    # Einplanen: the form suggests the wished date.
    view = await modal(bot, fake, ANNA, "publishing.plan", "1:linkedin")
    shown = json.dumps(view, ensure_ascii=False)
    assert "Einplanen: LinkedIn" in shown  # date and time pickers opened at the wish
    assert '"initial_date": "2026-12-01"' in shown and '"initial_time": "10:00"' in shown
    answers = len(fake.ephemerals)
    status, _ = await bot.slack.submit_view(ANNA, view, {"date": "2026-12-01", "time": "10:00"})
    assert status == 200
    said = await form_answer(fake, answers + 1)
    assert "Eingeplant: LinkedIn – #1 „Sommerfest“ am 01.12.2026, 10:00" in said
    assert "⚠️" not in said
    posting = await _posting(bot)
    assert posting.status == "planned" and posting.planned_at == TUESDAY_10

    # Nothing before the time; at the time, the hand-off, once.
    await bot.tick(TUESDAY_10 - timedelta(minutes=1))
    assert dms(fake, ANNA, "Jetzt posten") == []
    await bot.tick(TUESDAY_10)
    handoff = await dm(fake, ANNA, "Jetzt posten")
    assert handoff.text.startswith("📣 Jetzt posten: LinkedIn – #1 Sommerfest")
    shown = block_texts(handoff.blocks)
    assert "Wir feiern am Freitag im Hof!" in shown
    assert "Ben Weber, Anna Schmidt" in shown
    assert set(buttons(handoff.blocks)) == {
        "publishing.posted",
        "publishing.plan",
        "publishing.skip",
    }
    await bot.run_timers()
    assert len(dms(fake, ANNA, "Jetzt posten")) == 1
    assert (await _posting(bot)).status == "due"

    # Gepostet, with the link: the submitter hears it is live; the item is published.
    value = buttons(handoff.blocks)["publishing.posted"]
    view = await modal(bot, fake, ANNA, "publishing.posted", value)
    status, _ = await bot.slack.submit_view(ANNA, view, {"url": POST_URL})
    assert status == 200
    live = await dm(fake, CARLA, "live")
    assert live.text == f"🚀 Dein Beitrag ist live auf LinkedIn: {POST_URL}"
    await eventually(lambda: handoff.updates)
    assert f"Gepostet: {POST_URL}" in block_texts(handoff.blocks)
    assert buttons(handoff.blocks) == {}
    async with bot.runtime.sessions() as session:
        item = await session.get(ContentItem, 1)
        assert item is not None and item.status == "published"
    posting = await _posting(bot)
    assert posting.status == "posted" and posting.url == POST_URL

    # A second click on the old button changes nothing and says who was first.
    answers = len(fake.responses)
    await bot.slack.click(ANNA, "publishing.skip", value)
    said = await answer(fake, answers + 1)
    assert "Anna Schmidt war schneller: Der Beitrag ist inzwischen gepostet" in said
    assert (await _posting(bot)).status == "posted"
    # Not marked in time would have reminded once: it was marked, so no reminder.
    await bot.tick(TUESDAY_10 + timedelta(minutes=31))
    assert dms(fake, ANNA, "Noch nicht markiert") == []


async def test_bad_plans_are_refused_and_warnings_do_not_block(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    listed = await say(bot, fake, ANNA, "/desk", "plan")
    assert (
        "Einzuplanen: 1" in listed
        and "LinkedIn – #1 „Sommerfest“ (Wunsch: 01.12.2026, 10:00)" in listed
    )
    assert "Nichts einzuplanen" in await say(bot, fake, CARLA, "/desk", "plan")
    # Carla (not the owner, not social media) may not plan.
    said = await say(bot, fake, CARLA, "/plan", "1 linkedin dienstag 10:00")
    assert (
        "LinkedIn dürfen nur Anna Schmidt (Kanalverantwortliche:r) und das Social-Media-Team"
        in said
    )
    said = await say(bot, fake, ANNA, "/plan", "1 instagram dienstag 10:00")
    assert "#1 ist nicht für „instagram“ eingereicht (Kanäle: LinkedIn)" in said
    said = await say(bot, fake, ANNA, "/plan", "1 linkedin 29.11.2026 10:00")
    assert "in der Vergangenheit" in said
    said = await say(bot, fake, ANNA, "/plan", "1 linkedin irgendwann")
    assert "„irgendwann“ verstehe ich nicht als Zeitpunkt" in said
    said = await say(bot, fake, ANNA, "/plan", "99 linkedin dienstag 10:00")
    assert "Einen Beitrag #99 gibt es nicht" in said
    # Not approved yet: item 2 waits for Ben.
    view = await _submit_form(bot, fake)
    await bot.slack.submit_view(CARLA, view, {"text": "Adventskalender", "channels": "linkedin"})
    await dm(fake, BEN, "Adventskalender")
    said = await say(bot, fake, ANNA, "/plan", "2 linkedin dienstag 10:00")
    assert "#2 ist noch nicht freigegeben" in said
    assert (await _posting(bot)).status == "approved"  # nothing changed by any of it

    # Typed, English words too; outside LinkedIn's hours (08:00–18:00): planned, with a warning.
    said = await say(bot, fake, ANNA, "/plan", "#1 LinkedIn tuesday 9pm")
    assert "Eingeplant: LinkedIn – #1 „Sommerfest“ am 01.12.2026, 21:00" in said
    assert "21:00 liegt außerhalb der Posting-Zeiten von LinkedIn (08:00–18:00)" in said
    # A public holiday in Bavaria, and closer than 20 h to another LinkedIn posting.
    await submitted_and_approved(bot, fake, "Weihnachtsgruß")
    said = await say(bot, fake, ANNA, "/plan", "3 linkedin 25.12.2026 10:00")
    assert "Der 25.12.2026 ist ein Feiertag" in said
    said = await say(bot, fake, ANNA, "/plan", "3 linkedin 1.12.2026 12:00")
    assert "Auf LinkedIn ist schon #1 „Sommerfest“ am 01.12.2026, 21:00 geplant" in said
    assert "weniger als 20 Std. Abstand" in said
    async with bot.runtime.sessions() as session:
        planned = (await session.scalars(select(Posting).order_by(Posting.item_id))).all()
        assert [(p.item_id, p.status) for p in planned] == [
            (1, "planned"),
            (2, "in_review"),
            (3, "planned"),
        ]


async def test_two_planners_at_once_one_wins(desk: RunningBot, fake_slack: FakeSlackApi) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    first = await modal(bot, fake, ANNA, "publishing.plan", "1:linkedin")
    second = await modal(bot, fake, ANNA, "publishing.plan", "1:linkedin")
    answers = len(fake.ephemerals)
    await bot.slack.submit_view(ANNA, first, {"date": "2026-12-01", "time": "10:00"})
    assert "Eingeplant" in await form_answer(fake, answers + 1)
    await bot.slack.submit_view(ANNA, second, {"date": "2026-12-02", "time": "11:00"})
    said = await form_answer(fake, answers + 2)
    assert "Anna Schmidt war schneller: Der Beitrag ist inzwischen eingeplant" in said
    assert (await _posting(bot)).planned_at == TUESDAY_10


async def test_unmarked_hand_off_reminds_once_and_shows_as_overdue(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    await say(bot, fake, ANNA, "/plan", "1 linkedin dienstag 10:00")
    await bot.tick(TUESDAY_10)
    handoff = await dm(fake, ANNA, "Jetzt posten")
    await bot.tick(TUESDAY_10 + timedelta(minutes=29))
    assert dms(fake, ANNA, "Noch nicht markiert") == []
    await bot.tick(TUESDAY_10 + timedelta(minutes=30))
    reminder = await dm(fake, ANNA, "Noch nicht markiert")
    assert "LinkedIn – #1 „Sommerfest“ ist seit 30 Minuten fällig" in reminder.text
    await bot.tick(TUESDAY_10 + timedelta(hours=2))
    assert len(dms(fake, ANNA, "Noch nicht markiert")) == 1
    status = await say(bot, fake, ANNA, "/desk", "status")
    assert "Überfällig zum Posten: 1" in status and "LinkedIn – #1 „Sommerfest“" in status
    assert "Überfällig" not in await say(bot, fake, CARLA, "/desk", "status")

    # Nicht posten, with why: the submitter hears it; the hand-off shows it.
    value = buttons(handoff.blocks)["publishing.skip"]
    view = await modal(bot, fake, ANNA, "publishing.skip", value)
    await bot.slack.submit_view(ANNA, view, {"reason": "Termin abgesagt"})
    told = await dm(fake, CARLA, "wird nicht auf LinkedIn gepostet")
    assert "Termin abgesagt" in block_texts(told.blocks)
    await eventually(lambda: "Nicht gepostet: Termin abgesagt" in block_texts(handoff.blocks))
    assert "Überfällig" not in await say(bot, fake, ANNA, "/desk", "status")


async def test_a_crisis_freezes_a_planned_posting_and_resuming_restores_the_hand_off(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    await say(bot, fake, ANNA, "/plan", "1 linkedin dienstag 10:00")
    declared = await say(bot, fake, ANNA, "/crisis", "Rückruf Kinderwagen")
    assert "Eingefroren: 1" in declared
    await eventually_frozen(bot)
    await bot.tick(TUESDAY_10 + timedelta(minutes=5))
    assert dms(fake, ANNA, "Jetzt posten") == []
    said = await say(bot, fake, ANNA, "/plan", "1 linkedin mittwoch 10:00")
    assert "wegen einer Krise eingefroren" in said

    await bot.slack.command(ANNA, "/crisis", "resolve Entwarnung")
    await dm(fake, ANNA, "eingefrorene")
    await bot.slack.click(ANNA, "crisis.resume_all", "1")
    await eventually(lambda: [m for m in fake.dms_to(CARLA) if m.text.startswith("▶️ #1")])
    await bot.run_timers()
    handoff = await dm(fake, ANNA, "Jetzt posten")
    assert handoff.text.startswith("📣 Jetzt posten: LinkedIn – #1 Sommerfest")
    assert (await _posting(bot)).status == "due"


async def eventually_frozen(bot: RunningBot) -> None:
    async def frozen() -> bool:
        return (await _posting(bot)).status == "frozen"

    from tests.support import eventually_async

    await eventually_async(frozen)


@pytest.fixture
async def desk_with_teams(
    settings: Settings, fake_slack: FakeSlackApi, fake_teams: FakeTeamsConnector
) -> AsyncIterator[tuple[RunningBot, TeamsClient]]:
    """Ben and Carla in Slack, Anna (LinkedIn's owner) in Teams; the clock frozen at START."""
    for user, email in ((BEN, "ben"), (CARLA, "carla")):
        fake_slack.add_user(user, f"{email}@beispiel.de")
    fake_teams.add_member(T_ANNA, "Anna Schmidt", "anna@beispiel.de")
    async with serve(settings, fake_slack, start=START) as running:
        teams = TeamsClient(running.url, fake_teams.url)
        await teams.install(T_ANNA, "Anna Schmidt")
        await eventually(lambda: fake_teams.to(T_ANNA))  # the welcome
        yield running, teams


def sent(fake: FakeTeamsConnector, user: str, containing: str) -> list[Sent]:
    return [s for s in fake.to(user) if containing in s.text]


async def with_button(fake: FakeTeamsConnector, user: str, action: str) -> Sent:
    """The latest card sent to the user that has this button (a form's submit)."""
    found: list[Sent] = await eventually(lambda: [s for s in fake.to(user) if action in s.buttons])
    return found[-1]


async def test_plan_and_mark_in_teams(
    desk_with_teams: tuple[RunningBot, TeamsClient],
    fake_slack: FakeSlackApi,
    fake_teams: FakeTeamsConnector,
) -> None:
    (bot, teams), fake = desk_with_teams, fake_slack
    view = await _submit_form(bot, fake)
    await bot.slack.submit_view(
        CARLA, view, {"text": "Sommerfest", "channels": "linkedin", "publish_at": "dienstag 10:00"}
    )
    ben_card = await dm(fake, BEN, "Freigabe angefragt")
    await bot.slack.click(BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"])
    card = (await eventually(lambda: sent(fake_teams, T_ANNA, "Freigabe angefragt")))[0]
    await teams.click(
        T_ANNA, "approval.approve", card.buttons["approval.approve"], reply_to=card.id
    )

    note = (await eventually(lambda: sent(fake_teams, T_ANNA, "bitte einplanen")))[0]
    await teams.click(T_ANNA, "publishing.plan", note.buttons["publishing.plan"], reply_to=note.id)
    form = await with_button(fake_teams, T_ANNA, "publishing.plan.save")
    assert form.card is not None
    inputs = {i["id"]: i for i in _card_inputs(form.card)}
    assert inputs["date"]["type"] == "Input.Date" and inputs["date"]["value"] == "2026-12-01"
    assert inputs["time"]["type"] == "Input.Time" and inputs["time"]["value"] == "10:00"
    await teams.click(  # Teams answers Input.Date and Input.Time as below
        T_ANNA,
        "publishing.plan.save",
        form.buttons["publishing.plan.save"],
        reply_to=form.id,
        date="2026-12-01",
        time="10:00",
    )
    await eventually(lambda: sent(fake_teams, T_ANNA, "Eingeplant: LinkedIn – #1"))

    await bot.tick(TUESDAY_10)
    handoff = (await eventually(lambda: sent(fake_teams, T_ANNA, "Jetzt posten")))[0]
    assert "Sommerfest" in handoff.text and "Ben Weber, Anna Schmidt" in handoff.text
    value = handoff.buttons["publishing.posted"]
    await teams.click(T_ANNA, "publishing.posted", value, reply_to=handoff.id)
    asked = await with_button(fake_teams, T_ANNA, "publishing.posted.save")
    assert "Link zum Beitrag" in asked.text
    await teams.click(
        T_ANNA, "publishing.posted.save", asked.buttons["publishing.posted.save"], url=POST_URL
    )
    live = await dm(fake, CARLA, "live")
    assert live.text == f"🚀 Dein Beitrag ist live auf LinkedIn: {POST_URL}"
    assert (await _posting(bot)).status == "posted"


async def test_two_replicas_hand_off_once(desk: RunningBot, fake_slack: FakeSlackApi) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    await say(bot, fake, ANNA, "/plan", "1 linkedin dienstag 10:00")
    assert bot.clock is not None
    bot.clock.set(TUESDAY_10)
    runtime = bot.runtime
    other = TimerRunner(runtime.sessions, runtime.org, runtime.clock)  # a second replica
    await asyncio.gather(runtime.scheduler.runner.run_due(), other.run_due())
    runtime.dispatcher.notify()
    await dm(fake, ANNA, "Jetzt posten")
    await bot.run_timers()
    assert len(dms(fake, ANNA, "Jetzt posten")) == 1


async def test_move_from_the_hand_off_hands_off_again_at_the_new_time(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    await submitted_and_approved(bot, fake, "Sommerfest")
    await say(bot, fake, ANNA, "/plan", "1 linkedin dienstag 10:00")
    await bot.tick(TUESDAY_10)
    handoff = await dm(fake, ANNA, "Jetzt posten")
    view = await modal(
        bot, fake, ANNA, "publishing.plan", buttons(handoff.blocks)["publishing.plan"]
    )
    assert '"initial_date": "2026-12-02"' in json.dumps(view)  # the next day still ahead
    answers = len(fake.ephemerals)
    await bot.slack.submit_view(ANNA, view, {"date": "2026-12-02", "time": "11:30"})
    assert "am 02.12.2026, 11:30" in await form_answer(fake, answers + 1)
    await eventually(lambda: "Verschoben auf 02.12.2026, 11:30" in block_texts(handoff.blocks))
    assert buttons(handoff.blocks) == {}
    # The old hand-off's reminder is gone with it; the new time brings a new hand-off.
    await bot.tick(TUESDAY_10 + timedelta(minutes=45))
    assert dms(fake, ANNA, "Noch nicht markiert") == []
    await bot.tick(TUESDAY_10 + timedelta(days=1, hours=1, minutes=30))
    await dm(fake, ANNA, "Jetzt posten", 2)


def _card_inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input element of an Adaptive Card, however deep."""
    found: list[dict[str, Any]] = []
    for element in card.get("body", []):
        if str(element.get("type", "")).startswith("Input."):
            found.append(element)
        for key in ("items", "columns"):
            for child in element.get(key, []):
                found += _card_inputs({"body": [child]})
    return found
