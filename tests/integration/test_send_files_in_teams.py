"""The intake flow in Teams: a file sent in personal chat or an image pasted into the message
becomes a draft card; bad files, files from foreign hosts and images that cannot be loaded get
their message there too, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.settings import get_settings
from storage.blobs import BlobStore
from storage.models import DraftFile, IntakeDraft
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.file_hosts import FileHost
from tests.integration.test_send_files_to_the_bot import outbox_settles
from tests.support import eventually

CARLA = "29:carla"


assert outbox_settles  # autouse here too (defined once, with the Slack intake tests)


@pytest.fixture(autouse=True)
def fake_teams_serves_files(
    fake_teams: FakeTeamsConnector, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """The fake connector stands in for Microsoft's file hosts (SharePoint, the Bot Framework
    service): the bot may fetch from it as it would from those."""
    monkeypatch.setenv("SOCIALDESK_TEAMS_FILE_HOSTS", fake_teams.url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def send(teams: TeamsClient, fake: FakeTeamsConnector, name: str, data: bytes) -> None:
    await send_attachments(teams, fake, [fake.add_file(name, data)], text="Für LinkedIn")


async def send_attachments(
    teams: TeamsClient, fake: FakeTeamsConnector, attachments: list[dict[str, Any]], text: str = ""
) -> None:
    fake.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    activity = teams.activity(CARLA, "Carla Neumann", text=text, attachments=attachments)
    resp = await teams.post(activity)
    assert resp.status in (200, 201)


def pasted_image(fake: FakeTeamsConnector, data: bytes | None) -> list[dict[str, Any]]:
    """What Teams sends for an image pasted into the message: the image on the connector's
    attachment service, and the HTML that places it (no file of its own). `None`: an image the
    service will not hand over."""
    if data is None:
        url = f"{fake.url}v3/attachments/gone/views/original"
    else:
        url = fake.add_file("pasted.png", data)["content"]["downloadUrl"]
    return [
        {"contentType": "image/png", "contentUrl": url},
        {"contentType": "text/html", "content": f'<p><img src="{url}"></p>'},
    ]


async def assert_nothing_stored(bot: RunningBot) -> None:
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(IntakeDraft)) == 0
        assert await session.scalar(select(func.count()).select_from(DraftFile)) == 0
    assert BlobStore(bot.runtime.settings.data_dir).files() == []


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
    await assert_nothing_stored(bot)


async def test_a_pasted_image_becomes_a_draft(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """Pasting is how most people send a photo in Teams; the HTML beside it is no file."""
    visual = f.png(1080, 1080)
    await send_attachments(teams, fake_teams, pasted_image(fake_teams, visual), "Teamfoto")
    card = await eventually(lambda: fake_teams.to(CARLA))
    assert "Entwurf #1" in card[0].text and "Teamfoto" in card[0].text
    stored = BlobStore(bot.runtime.settings.data_dir).files()
    assert [p.read_bytes() for p in stored] == [visual]
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DraftFile)) == 1


async def test_a_pasted_image_that_cannot_be_loaded_says_what_to_do(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    await send_attachments(teams, fake_teams, pasted_image(fake_teams, None))
    said = await eventually(lambda: fake_teams.to(CARLA))
    assert (
        "Das eingefügte Bild image-1.png konnte ich nicht laden – bitte als Datei anhängen "
        "(Büroklammer)." in said[0].text
    )
    await assert_nothing_stored(bot)


async def test_a_file_on_a_foreign_host_is_never_requested(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """A downloadUrl pointing at an internal address: refused without a request."""
    internal = FileHost("127.0.0.2", files={"intern.png": f.png(10, 10)})
    await internal.start()
    try:
        attachment = fake_teams.add_file("intern.png", b"")
        attachment["content"]["downloadUrl"] = f"{internal.url}/intern.png"
        await send_attachments(teams, fake_teams, [attachment])
        said = await eventually(lambda: fake_teams.to(CARLA))
    finally:
        await internal.stop()
    assert internal.requests == []
    assert (
        "intern.png liegt an einer Adresse, von der ich keine Dateien lade – bitte hänge die "
        "Datei direkt hier im Chat an." in said[0].text
    )
    await assert_nothing_stored(bot)
