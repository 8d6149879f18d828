"""`/desk status` (what waits for me, where my items are), `/desk history ID` (every version
and decision, who and when, in the organisation's timezone and the reader's language) and
`/desk stats` (lead times per stage, approver and department; who waits on whom)."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context
from bot.messages import Section
from bot.status import SECTIONS, status_section
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import (
    ANNA,
    BEN,
    CARLA,
    DAVID,
    START,
    ClockedBot,
    click,
    click_and_comment,
    config_path,
    desk,
    dm,
    say,
)

assert desk and config_path  # fixtures, used by name


async def test_status_shows_what_waits_and_for_how_long(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    assert "Nichts offen" in await say(desk, fake_slack, BEN, "/desk", "status")
    await say(desk, fake_slack, CARLA, "/submit", "Podcast Folge 12")
    await dm(fake_slack, BEN, "Podcast")
    desk.clock.set(START + timedelta(hours=3))

    ben = await say(desk, fake_slack, BEN, "/desk", "status")
    assert "Wartet auf deine Freigabe (1)" in ben
    assert (
        "#1 „Podcast Folge 12“ – Fachliche Freigabe – seit 3 Std. (Frist 26.11.2026, 14:00)" in ben
    )

    carla = await say(desk, fake_slack, CARLA, "/desk", "status")  # English
    assert "Your submissions (1)" in carla
    assert "#1 “Podcast Folge 12” – Fachliche Freigabe with Ben Weber – waiting for 3 h" in carla


async def test_status_sections_from_other_features_appear(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    async def extra(ctx: Context) -> list[Section]:
        return [Section(text=f"Extra für {ctx.person.name}")]

    status_section(order=99)(extra)
    try:
        assert "Extra für Ben Weber" in await say(desk, fake_slack, BEN, "/desk", "status")
    finally:
        SECTIONS[:] = [s for s in SECTIONS if s[2] is not extra]


async def test_history_lists_versions_and_decisions(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Kundenstimme Müller")
    card = await dm(fake_slack, BEN, "Kundenstimme")
    desk.clock.set(START + timedelta(minutes=30))
    await click_and_comment(
        desk, fake_slack, BEN, card, "approval.changes", "Zitat freigeben lassen"
    )
    await dm(fake_slack, CARLA, "asks for changes")
    desk.clock.set(START + timedelta(hours=1))
    await say(desk, fake_slack, CARLA, "/revise", "1 Kundenstimme Müller (Zitat freigegeben)")
    desk.clock.set(START + timedelta(hours=2))
    await click(
        desk, fake_slack, BEN, await dm(fake_slack, BEN, "Kundenstimme", n=2), "approval.approve"
    )
    await dm(fake_slack, ANNA, "Kundenstimme")

    ben = await say(desk, fake_slack, BEN, "/desk", "history 1")
    assert "Verlauf #1 „Kundenstimme Müller (Zitat freigegeben)“" in ben
    lines = [
        "26.11.2026, 10:00 · Version 1 von Carla Neumann",
        "26.11.2026, 10:00 · Fachliche Freigabe: Version 1 an Ben Weber",
        "26.11.2026, 10:30 · Fachliche Freigabe: ✏️ Änderungen angefordert von Ben Weber",
        "Zitat freigeben lassen",
        "26.11.2026, 11:00 · Version 2 von Carla Neumann",
        "26.11.2026, 12:00 · Fachliche Freigabe: ✅ freigegeben von Ben Weber",
        "26.11.2026, 12:00 · Social Media: Version 2 an Anna Schmidt",
    ]
    positions = [ben.index(line) for line in lines]
    assert positions == sorted(positions)
    assert "Zeiten in Europe/Berlin" in ben

    carla = await say(desk, fake_slack, CARLA, "/desk", "history 1")
    assert "26 Nov 2026, 10:30 · Fachliche Freigabe: ✏️ changes requested by Ben Weber" in carla

    assert "sehen nur" in await say(desk, fake_slack, DAVID, "/desk", "history 1")
    assert "So siehst du den Verlauf" in await say(desk, fake_slack, BEN, "/desk", "history")
    assert "Einen Inhalt #7 gibt es nicht" in await say(desk, fake_slack, BEN, "/desk", "history 7")


async def test_stats_show_lead_times_and_who_waits(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    assert "Noch keine Entscheidungen" in await say(desk, fake_slack, ANNA, "/desk", "stats")
    await say(desk, fake_slack, CARLA, "/submit", "Blogartikel Nachhaltigkeit")
    card = await dm(fake_slack, BEN, "Blogartikel")
    desk.clock.set(START + timedelta(hours=2))
    await click(desk, fake_slack, BEN, card, "approval.approve")
    await dm(fake_slack, ANNA, "Blogartikel")
    desk.clock.set(START + timedelta(hours=3))

    stats = await say(desk, fake_slack, ANNA, "/desk", "stats")
    assert "Je Stufe (bis zur Entscheidung)" in stats
    assert "• Fachliche Freigabe: Median 2 Std. (1 Entscheidung)" in stats
    assert "• Ben Weber: Median 2 Std." in stats
    assert "• Marketing: Median 2 Std." in stats
    assert "• Anna Schmidt – #1 „Blogartikel Nachhaltigkeit“ (Social Media) seit 1 Std." in stats
