"""Ben opens socialdesk's Home tab in Slack: what waits for him, with the cards' buttons; he
approves there, and both the card in his DM and the Home show it."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.approvals import service as approvals
from bot.people.service import person_by_handle
from bot.settings import Settings
from storage.models import OutboxMessage
from tests.conftest import RunningBot, make_settings, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.support import (
    block_texts,
    buttons,
    dm,
    eventually,
    eventually_async,
    example_org_with,
    people_on_slack,
    set_person,
)

CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"
_SEQ = itertools.count(1)


async def open_home(bot: RunningBot, user: str, tab: str = "home") -> aiohttp.ClientResponse:
    """The signed `app_home_opened` event Slack sends when the person opens the tab."""
    n = next(_SEQ)
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user}",
        "tab": tab,
        "event_ts": f"{int(time.time())}.{n:06d}",
    }
    return await bot.slack.event(event, event_id=f"EvHOME{n:06d}")


async def click_in_home(
    bot: RunningBot, user: str, action_id: str, value: str
) -> aiohttp.ClientResponse:
    """A button in the Home tab: a view container, no channel, no response_url."""
    n = next(_SEQ)
    view_id = f"VH{user}"
    payload = {
        "type": "block_actions",
        "team": {"id": "T0BEISPIEL"},
        "user": {"id": user, "username": user.lower()},
        "api_app_id": "A0SOCIALDESK",
        "trigger_id": f"trigger.home.{n}",
        "container": {"type": "view", "view_id": view_id},
        "view": {"id": view_id, "type": "home", "hash": f"{n}.hash"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": f"1700000001.{n}",
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    return await bot.slack.post(body, "application/x-www-form-urlencoded")


def homes(fake: FakeSlackApi, user: str) -> list[dict[str, Any]]:
    return fake.homes.get(user, [])


async def home(fake: FakeSlackApi, user: str, n: int = 1) -> dict[str, Any]:
    """The n-th Home view published for the user (waiting for the outbox)."""
    await eventually(lambda: len(homes(fake, user)) >= n)
    return homes(fake, user)[n - 1]


async def home_showing(fake: FakeSlackApi, user: str, text: str) -> dict[str, Any]:
    """The newest Home of the user, once it shows `text`."""
    await eventually(
        lambda: homes(fake, user) and text in block_texts(homes(fake, user)[-1]["blocks"])
    )
    return homes(fake, user)[-1]


async def submitted_to_ben(bot: RunningBot, fake: FakeSlackApi, text: str) -> str:
    """Carla submits; Ben's card arrives; the request id its buttons carry."""
    resp = await bot.slack.command(CARLA, "/submit", text)
    assert resp.status == 200
    card = await dm(fake, BEN, len(fake.dms_to(BEN)) + 1)
    return buttons(card.blocks)["approval.approve"]


async def test_ben_approves_in_his_home_and_card_and_home_both_update(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    request_id = await submitted_to_ben(bot, fake_slack, "Neuer Beitrag zur Messe in Köln")
    card = fake_slack.dms_to(BEN)[0]

    assert (await open_home(bot, BEN)).status == 200
    view = await home(fake_slack, BEN)
    assert view["type"] == "home"
    shown = block_texts(view["blocks"])
    assert "Dein Schreibtisch, Ben Weber" in shown
    assert "Wartet auf deine Freigabe (1)" in shown
    assert "#1 „Neuer Beitrag zur Messe in Köln“ – Fachliche Freigabe – von Carla Neumann" in shown
    assert "Freigeben" in shown and "Änderungen anfordern" in shown and "Board öffnen" in shown
    assert buttons(view["blocks"]) == {
        "approval.approve": request_id,  # the card's own action and value
        "approval.changes": request_id,
        "home.board": "",
    }
    assert "Nächste Redaktionssitzung" in shown and "Heute musst du nichts posten." in shown

    assert (await click_in_home(bot, BEN, "approval.approve", request_id)).status == 200
    await eventually(lambda: card.updates)
    assert card.blocks[0]["text"]["text"].startswith("*✅ Freigegeben von Ben Weber")
    assert buttons(card.blocks) == {}
    after = await home_showing(fake_slack, BEN, "Nichts wartet auf dich.")
    assert "Wartet auf deine Freigabe (0)" in block_texts(after["blocks"])
    assert "approval.approve" not in buttons(after["blocks"])
    # Carla never opened her Home: nothing is published for her.
    assert homes(fake_slack, CARLA) == []


async def test_the_messages_tab_publishes_nothing(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    assert (await open_home(bot, BEN, tab="messages")).status == 200
    await open_home(bot, ANNA)
    await home(fake_slack, ANNA)
    assert homes(fake_slack, BEN) == []


async def test_a_new_request_refreshes_the_home_of_whoever_opened_it(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await open_home(bot, BEN)
    assert "Nichts wartet auf dich." in block_texts((await home(fake_slack, BEN))["blocks"])
    await open_home(bot, CARLA)
    await home(fake_slack, CARLA)

    await submitted_to_ben(bot, fake_slack, "Teaser für den Produktlaunch")
    await home_showing(fake_slack, BEN, "#1 „Teaser für den Produktlaunch“")
    mine = await home_showing(fake_slack, CARLA, "#1 „Teaser für den Produktlaunch“ – 📨")
    assert "in Freigabe – bei Ben Weber (Fachliche Freigabe)" in block_texts(mine["blocks"])


async def test_approving_from_the_home_what_is_decided_gets_the_cards_answer(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    request_id = await submitted_to_ben(bot, fake_slack, "Story: Blick hinter die Kulissen")
    await open_home(bot, BEN)
    stale = await home(fake_slack, BEN)  # still shows the buttons
    assert buttons(stale["blocks"])["approval.approve"] == request_id

    await bot.slack.click(BEN, "approval.approve", request_id)  # on the card
    await dm(fake_slack, ANNA)
    await bot.slack.click(BEN, "approval.approve", request_id)  # on the card, again
    on_card = await eventually(
        lambda: [r for r in fake_slack.responses if r["_url"].startswith("click")]
    )
    await click_in_home(bot, BEN, "approval.approve", request_id)  # the stale Home

    def answered_in_dm() -> list[str]:
        return [m.text for m in fake_slack.dms_to(BEN) if "schon entschieden" in m.text]

    in_home = await eventually(answered_in_dm)
    assert "schon entschieden: freigegeben von Ben Weber" in on_card[0]["text"]
    assert in_home == [on_card[0]["text"]]


async def test_an_open_crisis_shows_a_banner_and_holds_the_buttons_until_resolved(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    request_id = await submitted_to_ben(bot, fake_slack, "Kinderwagen im Frühling")
    await open_home(bot, CARLA)
    await open_home(bot, BEN)
    first = await home(fake_slack, CARLA)
    assert "Krise" not in block_texts(first["blocks"])
    assert buttons((await home(fake_slack, BEN))["blocks"])["approval.approve"] == request_id

    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    banner = await home_showing(fake_slack, CARLA, "🚨 Krise #1 läuft")
    assert "Rückruf Kinderwagen – geplante Beiträge sind angehalten." in block_texts(
        banner["blocks"]
    )
    held = await home_showing(fake_slack, BEN, "⏸ angehalten, solange die Krise läuft")
    assert "🚨 Krise #1 läuft" in block_texts(held["blocks"])
    assert "approval.approve" not in buttons(held["blocks"])  # as on the held card

    await bot.slack.command(ANNA, "/crisis", "resolve Falschmeldung, erledigt")
    await eventually(lambda: "Krise #1" not in block_texts(homes(fake_slack, CARLA)[-1]["blocks"]))
    await eventually(lambda: "approval.approve" in buttons(homes(fake_slack, BEN)[-1]["blocks"]))
    assert "Krise #1" not in block_texts(homes(fake_slack, BEN)[-1]["blocks"])


@pytest.fixture
async def english_bot(
    database_url: str, fake_slack: FakeSlackApi, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    config = example_org_with(tmp_path, lambda raw: set_person(raw, "ben", locale="en"))
    settings = make_settings(database_url, fake_slack, tmp_path, config=config)
    async with serve(settings, fake_slack) as running:
        yield running


async def test_the_home_speaks_the_readers_language(
    english_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await submitted_to_ben(english_bot, fake_slack, "Neuer Beitrag zur Messe in Köln")
    await open_home(english_bot, BEN)
    await open_home(english_bot, CARLA)
    english = block_texts((await home(fake_slack, BEN))["blocks"])
    assert "Your desk, Ben Weber" in english
    assert "Waiting for your approval (1)" in english
    assert "“Neuer Beitrag zur Messe in Köln” – Fachliche Freigabe – from Carla Neumann" in english
    assert "Approve" in english and "Request changes" in english and "Open board" in english
    german = block_texts((await home(fake_slack, CARLA))["blocks"])
    assert "Deine Einreichungen" in german and "Board öffnen" in german


async def test_150_waiting_approvals_fit_the_home_with_a_count(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    runtime = bot.runtime
    async with runtime.sessions.begin() as session:
        carla = await person_by_handle(session, "carla")
        assert carla is not None
        for n in range(150):
            await approvals.submit(
                session=session,
                org=runtime.org,
                submitter=carla,
                text=f"Beitrag Nummer {n + 1} " + "mit langem Text " * 30,
                now=runtime.clock.now(),
            )
    await open_home(bot, BEN)
    view = await home_showing(fake_slack, BEN, "Wartet auf deine Freigabe (150)")
    blocks = view["blocks"]
    assert len(blocks) <= 100
    shown = block_texts(blocks)
    assert "… und 120 weitere" in shown
    assert shown.count("Freigeben") == 30
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b.get("text"))
    assert "Nächste Redaktionssitzung" in shown  # the long list left room for the rest


async def test_board_button_in_the_home_answers_with_the_sign_in_link(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await open_home(bot, BEN)
    view = await home(fake_slack, BEN)
    assert buttons(view["blocks"])["home.board"] == ""

    await click_in_home(bot, BEN, "home.board", "")
    answer = await dm(fake_slack, BEN)
    assert answer.text == "🗂️ Dein Link zum Board"
    urls = [e.get("url", "") for b in answer.blocks for e in [b.get("accessory") or {}]]
    assert any("/board/signin/" in url for url in urls)


async def test_refreshes_wait_out_a_rate_limit_coalesced(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await open_home(bot, BEN)
    await home(fake_slack, BEN)
    fake_slack.fail("views.publish", 429, retry_after=3, times=1)

    for n in range(3):
        await submitted_to_ben(bot, fake_slack, f"Beitrag {n + 1}")
    async with bot.runtime.sessions() as session:
        ben = await person_by_handle(session, "ben")
    assert ben is not None

    async def one_refresh_waits() -> bool:
        async with bot.runtime.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.key == f"home:{ben.id}", OutboxMessage.status == "pending")
            )
        return count == 1

    await eventually_async(one_refresh_waits)  # not one per change: they are coalesced

    final = await home_showing(fake_slack, BEN, "Wartet auf deine Freigabe (3)")
    assert "#3 „Beitrag 3“" in block_texts(final["blocks"])
    published = [c for c in fake_slack.calls_to("views.publish") if c.params["user_id"] == BEN]
    assert len(published) <= 4  # the first, the refused one, at most one between, the last


async def test_request_changes_from_the_home_asks_for_the_reason_in_a_modal(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    request_id = await submitted_to_ben(bot, fake_slack, "Rabattaktion 50 %")
    card = fake_slack.dms_to(BEN)[0]
    await open_home(bot, BEN)
    await open_home(bot, CARLA)
    await home(fake_slack, CARLA)
    view = await home(fake_slack, BEN)

    await click_in_home(bot, BEN, "approval.changes", buttons(view["blocks"])["approval.changes"])
    modal = (await eventually(lambda: fake_slack.views))[0]
    assert modal["_trigger_id"].startswith("trigger.home.")  # opened from the Home's click
    status, _ = await bot.slack.submit_view(BEN, modal, {"comment": "Bitte ohne Prozentzeichen"})
    assert status == 200

    await eventually(lambda: card.updates)
    assert buttons(card.blocks) == {}
    asked = await dm(fake_slack, CARLA, 2)
    assert "Ben Weber bittet um Änderungen an #1" in asked.text
    await home_showing(fake_slack, BEN, "Nichts wartet auf dich.")
    await home_showing(fake_slack, CARLA, "#1 „Rabattaktion 50 %“ – ✏️ Änderungen erbeten")
    assert request_id == buttons(view["blocks"])["approval.approve"]


async def test_the_home_follows_the_servers_own_clock(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    """Refreshes carry the time of the change that caused them, not the wall clock's."""
    people_on_slack(fake_slack)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # weeks before (or after) the wall clock
    async with serve(settings, fake_slack, start=start) as frozen:
        await open_home(frozen, BEN)
        assert "Stand: 02.11.2026, 10:00" in block_texts((await home(fake_slack, BEN))["blocks"])
        frozen.advance(timedelta(minutes=5))
        await submitted_to_ben(frozen, fake_slack, "Neuer Beitrag zur Messe in Köln")
        refreshed = await home_showing(fake_slack, BEN, "Wartet auf deine Freigabe (1)")
        assert "Stand: 02.11.2026, 10:05" in block_texts(refreshed["blocks"])


async def test_the_channel_owner_sees_what_to_post_today(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    monday_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    async with serve(settings, fake_slack, start=monday_9) as desk:
        await open_home(desk, ANNA)  # Anna owns LinkedIn
        await home_showing(fake_slack, ANNA, "Heute musst du nichts posten.")
        await desk.slack.command(CARLA, "/submit", "")
        form = (await eventually(lambda: fake_slack.views))[0]
        await desk.slack.submit_view(CARLA, form, {"text": "Sommerfest", "channels": "linkedin"})
        ben_card = await dm(fake_slack, BEN)
        await desk.slack.click(
            BEN, "approval.approve", buttons(ben_card.blocks)["approval.approve"]
        )
        anna_card = await eventually(
            lambda: [m for m in fake_slack.dms_to(ANNA) if "Freigabe angefragt" in m.text]
        )
        request_id = buttons(anna_card[0].blocks)["approval.approve"]
        await click_in_home(desk, ANNA, "approval.approve", request_id)

        await desk.slack.command(ANNA, "/plan", "1 linkedin 30.11.2026 15:00")
        planned = await home_showing(fake_slack, ANNA, "15:00 LinkedIn: #1 „Sommerfest“")
        assert "15:00 LinkedIn: #1 „Sommerfest“ – eingeplant" in block_texts(planned["blocks"])
        await desk.tick(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # the hand-off
        await home_showing(fake_slack, ANNA, "15:00 LinkedIn: #1 „Sommerfest“ – fällig")
