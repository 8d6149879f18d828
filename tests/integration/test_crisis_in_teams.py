"""The crisis protocol in Teams: the protocol goes into the configured crisis channel, every
member is paged in their 1:1 chat, acknowledges on the card, and the report follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.integration.teams_support import installed, nth
from tests.support import eventually, example_org_with

ANNA, BEN, CARLA, DAVID = "29:anna", "29:ben", "29:carla", "29:david"
CHANNEL = "19:krisenstab@thread.tacv2"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, its crisis room a Teams channel."""
    return example_org_with(
        tmp_path,
        lambda raw: raw["crisis"].update({"room_platform": "teams", "teams_channel": CHANNEL}),
    )


async def in_channel(fake: FakeTeamsConnector, needle: str) -> Sent:
    found: list[Sent] = await eventually(
        lambda: [s for s in fake.in_conversation(CHANNEL) if needle in s.text]
    )
    return found[0]


async def test_crisis_in_teams(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake = fake_teams
    await installed(fake, teams, ANNA, BEN, DAVID)

    await teams.say(ANNA, "<at>socialdesk</at> crisis Rückruf Kinderwagen")
    said = await nth(fake, ANNA, 2)
    assert f"Krise #1 ausgerufen. Krisenraum: {CHANNEL}" in said.text
    protocol = await in_channel(fake, "Krise #1: Rückruf Kinderwagen")
    assert "Schweregrad eingeschätzt" in protocol.text
    assert "crisis.check.monitoring" in protocol.buttons

    ben_page, david_page = await nth(fake, BEN, 2), await nth(fake, DAVID, 2)
    assert "du bist im Krisenteam" in ben_page.text
    assert ben_page.buttons == {"crisis.ack": "1"}
    await teams.click(BEN, "crisis.ack", "1", reply_to=ben_page.id)
    await eventually(lambda: ben_page.updates)
    assert ben_page.buttons == {}
    await teams.click(DAVID, "crisis.ack", "1", reply_to=david_page.id)
    await eventually(lambda: "✅ David Krause" in protocol.text and "✅ Ben Weber" in protocol.text)

    await teams.say(ANNA, "crisis statement Wir rufen das Modell vorsorglich zurück.")
    ben_card = await eventually(
        lambda: [s for s in fake.to(BEN) if "approval.approve" in s.buttons]
    )
    david_card = await eventually(
        lambda: [s for s in fake.to(DAVID) if "approval.approve" in s.buttons]
    )
    assert "DRINGEND (Krise)" in ben_card[0].text
    for user, card in ((BEN, ben_card[0]), (DAVID, david_card[0])):
        value = card.buttons["approval.approve"]
        await teams.click(user, "approval.approve", value, reply_to=card.id)
        await eventually(lambda c=card: c.updates)  # type: ignore[misc]
    await bot.runtime.scheduler.runner.run_due()
    bot.runtime.dispatcher.notify()
    await in_channel(
        fake, "Statement #1 „Wir rufen das Modell vorsorglich zurück.“ ist freigegeben"
    )

    await teams.say(ANNA, "crisis resolve Rückruf kommuniziert")
    report = await in_channel(fake, "Krisenbericht #1")
    assert "Zeit bis zur ersten Bestätigung je Rolle" in report.text
    assert "Zeit bis zum ersten freigegebenen Statement" in report.text
    await eventually(lambda: "Krise #1 beendet" in protocol.text)

    await teams.say(BEN, "crisis report")
    markdown = await eventually(
        lambda: [s for s in fake.to(BEN) if "# Krisenbericht #1: Rückruf Kinderwagen" in s.text]
    )
    assert "## Zeitleiste" in markdown[0].text


async def test_held_cards_and_a_reported_suspicion_in_teams(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake = fake_teams
    await installed(fake, teams, ANNA, BEN, CARLA)

    # Carla's post waits for Ben; a crisis holds it: Ben's card says so, its buttons gone.
    await teams.say(CARLA, "submit Gewinnspiel zum Advent")
    card = (await eventually(lambda: [s for s in fake.to(BEN) if "approval.approve" in s.buttons]))[
        0
    ]
    await teams.say(ANNA, "crisis Rückruf Kinderwagen")
    await eventually(lambda: "angehalten – Krise #1" in card.text)
    assert card.buttons == {}
    await teams.say(ANNA, "crisis resolve Entwarnung")
    await eventually(lambda: "approval.approve" in card.buttons)
    await eventually(lambda: [s for s in fake.to(BEN) if "ist wieder frei" in s.text])

    # Carla may not declare; she reports her suspicion on the card instead.
    await teams.say(CARLA, "crisis Shitstorm auf Instagram")
    refused = (
        await eventually(lambda: [s for s in fake.to(CARLA) if "crisis.suspect" in s.buttons])
    )[0]
    assert "Melde deinen Verdacht" in refused.text
    await teams.click(CARLA, "crisis.suspect", refused.buttons["crisis.suspect"])
    form = (
        await eventually(
            lambda: [s for s in fake.to(CARLA) if "crisis.suspect.submit" in s.buttons]
        )
    )[0]
    assert "Was ist passiert?" in form.text
    await teams.click(
        CARLA,
        "crisis.suspect.submit",
        form.buttons["crisis.suspect.submit"],
        note="Shitstorm auf Instagram, 300 Kommentare seit 9 Uhr",
    )
    for user in (ANNA, BEN):
        alert = (await eventually(lambda u=user: [s for s in fake.to(u) if "🔎" in s.text]))[0]  # type: ignore[misc]
        assert "gemeldet von Carla Neumann" in alert.text
        assert "300 Kommentare seit 9 Uhr" in alert.text
    await eventually(lambda: [s for s in fake.to(CARLA) if "Verdacht ist gemeldet" in s.text])
