"""The intake flow in Teams: a file sent in personal chat becomes a draft card; bad files get
their message there too, and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.blobs import BlobStore
from storage.models import DraftFile, IntakeDraft
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.test_send_files_to_the_bot import outbox_settles
from tests.support import eventually

CARLA = "29:carla"


assert outbox_settles  # autouse here too (defined once, with the Slack intake tests)


async def send(teams: TeamsClient, fake: FakeTeamsConnector, name: str, data: bytes) -> None:
    fake.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    activity = teams.activity(
        CARLA, "Carla Neumann", text="Für LinkedIn", attachments=[fake.add_file(name, data)]
    )
    resp = await teams.post(activity)
    assert resp.status in (200, 201)


async def test_a_file_in_personal_chat_becomes_a_draft(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    visual = f.png(1200, 1200)
    await send(teams, fake_teams, "visual.png", visual)
    card = await eventually(lambda: fake_teams.to(CARLA))
    assert "Entwurf #1" in card[0].text
    assert set(card[0].buttons) >= {"intake.submit", "intake.details", "intake.discard"}
    stored = BlobStore(bot.runtime.settings.data_dir).files()
    assert [p.read_bytes() for p in stored] == [visual]


async def test_a_fake_png_is_refused_in_teams(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    await send(teams, fake_teams, "foto.png", f.NOT_A_PNG)
    said = await eventually(lambda: fake_teams.to(CARLA))
    assert "foto.png: Dateityp nicht erkannt" in said[0].text
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(IntakeDraft)) == 0
        assert await session.scalar(select(func.count()).select_from(DraftFile)) == 0
    assert BlobStore(bot.runtime.settings.data_dir).files() == []
