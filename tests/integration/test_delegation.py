"""`/desk delegate @person until DATE` routes a person's approvals to a stand-in; both see it
on the request; `/desk delegate off` (or the date passing) ends it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Delegation
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import (
    BEN,
    CARLA,
    FELIX,
    START,
    ClockedBot,
    click,
    config_path,
    desk,
    dm,
    dms,
    say,
    text_of,
)
from tests.support import buttons, eventually

assert desk and config_path  # fixtures, used by name


async def test_stand_in_decides_and_both_see_it(desk: ClockedBot, fake_slack: FakeSlackApi) -> None:
    answer = await say(
        desk, fake_slack, BEN, "/desk", f"delegate <@{FELIX}|felix> until 2026-12-01"
    )
    assert "Deine Freigaben gehen bis 01.12.2026, 23:59 an Felix Wolf" in answer
    told = await dm(fake_slack, FELIX, "vertrittst")
    assert "Du vertrittst Ben Weber bei Freigaben (01.12.2026, 23:59)" in told.text

    await say(desk, fake_slack, CARLA, "/submit", "Team-Event im Dezember")
    felix_card = await dm(fake_slack, FELIX, "Team-Event")
    assert "Du entscheidest als Vertretung für Ben Weber" in text_of(felix_card)
    assert "approval.approve" in buttons(felix_card.blocks)
    ben_card = await dm(fake_slack, BEN, "Team-Event")
    assert "Felix Wolf entscheidet das als deine Vertretung" in text_of(ben_card)
    assert buttons(ben_card.blocks) == {}

    await click(desk, fake_slack, FELIX, felix_card, "approval.approve")
    await eventually(lambda: ben_card.updates)
    assert "Freigegeben von Felix Wolf" in text_of(ben_card)

    history = await say(desk, fake_slack, BEN, "/desk", "history 1")
    assert "Felix Wolf (Vertretung für Ben Weber)" in history


async def test_waiting_requests_move_and_off_ends_it(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Weihnachtsgrüße")
    ben_card = await dm(fake_slack, BEN, "Weihnachtsgrüße")

    answer = await say(desk, fake_slack, BEN, "/desk", "delegate @felix")
    assert "bis du `/desk delegate off` schreibst" in answer
    assert "1 offene Anfrage liegt jetzt bei der Vertretung" in answer
    felix_card = await dm(fake_slack, FELIX, "Weihnachtsgrüße")
    assert "approval.approve" in buttons(felix_card.blocks)
    await eventually(lambda: ben_card.updates)
    assert buttons(ben_card.blocks) == {}
    assert "Felix Wolf entscheidet das als deine Vertretung" in text_of(ben_card)

    assert "Vertretung durch Felix Wolf beendet" in await say(
        desk, fake_slack, BEN, "/desk", "delegate off"
    )
    await dm(fake_slack, FELIX, "nicht mehr")
    await say(desk, fake_slack, CARLA, "/submit", "Neujahrsgrüße")
    back = await dm(fake_slack, BEN, "Neujahrsgrüße")
    assert "approval.approve" in buttons(back.blocks)
    assert dms(fake_slack, FELIX, "Neujahrsgrüße") == []


async def test_a_delegation_ends_with_its_date(desk: ClockedBot, fake_slack: FakeSlackApi) -> None:
    answer = await say(desk, fake_slack, BEN, "/desk", "delegate felix bis 27.11.2026")
    assert "Deine Freigaben gehen bis 27.11.2026, 23:59 an Felix Wolf" in answer  # it began
    desk.clock.set(START + timedelta(days=2))
    await say(desk, fake_slack, CARLA, "/submit", "Wochenrückblick")
    card = await dm(fake_slack, BEN, "Wochenrückblick")
    assert "approval.approve" in buttons(card.blocks)
    assert "Vertretung" not in text_of(card)
    assert dms(fake_slack, FELIX, "Wochenrückblick") == []


async def test_bad_delegations_are_explained(desk: ClockedBot, fake_slack: FakeSlackApi) -> None:
    assert "So richtest du eine Vertretung ein" in await say(
        desk, fake_slack, BEN, "/desk", "delegate"
    )
    assert "Ich kenne niemanden namens „@zoe“" in await say(
        desk, fake_slack, BEN, "/desk", "delegate @zoe until 2026-12-01"
    )
    assert "„morgen“ ist kein Datum" in await say(
        desk, fake_slack, BEN, "/desk", "delegate @felix until morgen"
    )
    assert "nicht selbst vertreten" in await say(desk, fake_slack, BEN, "/desk", "delegate @ben")
    assert "in der Vergangenheit" in await say(
        desk, fake_slack, BEN, "/desk", "delegate @felix until 2026-11-01"
    )
    assert "keine Vertretung eingerichtet" in await say(
        desk, fake_slack, BEN, "/desk", "delegate off"
    )
    async with desk.runtime.sessions() as session:
        assert (await session.scalars(select(Delegation))).all() == []
