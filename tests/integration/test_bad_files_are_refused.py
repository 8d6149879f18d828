"""Files the bot will not take each get a message naming the limit, and leave nothing behind:
no draft, no file row, no blob on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.intake.files import human_size
from storage.blobs import BlobStore
from storage.models import Attachment, DraftFile, IntakeDraft
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.test_send_files_to_the_bot import (
    CARLA,
    outbox_settles,
    send_file,
)
from tests.support import block_texts, eventually, example_org_with, file_share, people_on_slack

BIG = f.png(300, 300, "white") + b"\x00" * 9000


assert outbox_settles  # autouse here too


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation with small limits: 8 KB, and no QuickTime videos."""
    allowed = ["image/png", "image/jpeg", "video/mp4", "application/pdf"]
    return example_org_with(
        tmp_path,
        lambda raw: raw.update(intake={"max_file_size": "8KB", "allowed_types": allowed}),
    )


async def refusal(fake: FakeSlackApi) -> str:
    said = await eventually(lambda: fake.ephemerals)
    return said[0]["text"] + "\n" + block_texts(said[0]["blocks"])


async def assert_nothing_stored(bot: RunningBot, fake: FakeSlackApi) -> None:
    async with bot.runtime.sessions() as session:
        for model in (IntakeDraft, DraftFile, Attachment):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
    assert BlobStore(bot.runtime.settings.data_dir).files() == []
    assert fake.dms_to(CARLA) == []


@pytest.mark.parametrize(
    ("name", "data", "size", "expected"),
    [
        (
            "riesig.png",
            BIG,
            None,
            f"riesig.png ist {human_size(len(BIG))} groß – erlaubt sind höchstens 8 KB.",
        ),
        ("film.mp4", b"", 60 * 1024**2, "film.mp4 ist 60 MB groß – erlaubt sind höchstens 8 KB."),
        ("leer.png", b"", None, "leer.png ist leer (0 Byte)."),
        (
            "foto.png",
            f.NOT_A_PNG,
            None,
            "foto.png: Dateityp nicht erkannt – ich nehme PNG, JPEG, MP4, PDF.",
        ),
        (
            "kaputt.png",
            f.BROKEN_PNG,
            None,
            "kaputt.png sieht aus wie PNG, lässt sich aber nicht öffnen",
        ),
        (
            "clip.mov",
            f.MOV,
            None,
            "clip.mov ist eine MOV-Datei – erlaubt sind PNG, JPEG, MP4, PDF.",
        ),
        (
            "liar.mp4",
            f.MP4 + b"\x00" * 60_000,
            1024,
            "liar.mp4 ist mehr als 8 KB groß – erlaubt sind höchstens 8 KB.",
        ),
        (
            "animation.gif",
            f.gif(),
            None,
            "animation.gif ist eine GIF-Datei – erlaubt sind PNG, JPEG, MP4, PDF.",
        ),
    ],
    ids=[
        "too-big",
        "too-big-by-slacks-word",
        "empty",
        "not-a-png",
        "broken-png",
        "mov-not-allowed",
        "bigger-than-it-claims",
        "gif-not-allowed",
    ],
)
async def test_a_bad_file_gets_its_message_and_nothing_is_stored(
    bot: RunningBot,
    fake_slack: FakeSlackApi,
    name: str,
    data: bytes,
    size: int | None,
    expected: str,
) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, name, data, "Bitte posten", size=size)
    text = await refusal(fake_slack)
    assert "Diese Datei kann ich nicht annehmen" in text
    assert expected in text
    assert "Nichts wurde gespeichert" in text
    await assert_nothing_stored(bot, fake_slack)


async def test_a_too_big_file_is_not_even_downloaded(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await send_file(bot, fake_slack, "film.mp4", b"", size=60 * 1024**2)
    await refusal(fake_slack)
    assert fake_slack.downloads == []


async def test_one_bad_file_among_good_ones_stores_nothing(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    good = fake_slack.add_file("FGOOD", "ok.png", f.png(100, 100))
    bad = fake_slack.add_file("FBAD", "fake.png", f.NOT_A_PNG)
    event = file_share(CARLA, [good, bad], "1700000300.000001")
    await bot.slack.event(event, event_id="EvMIXED")
    text = await refusal(fake_slack)
    assert "fake.png: Dateityp nicht erkannt" in text and "ok.png" not in text
    await assert_nothing_stored(bot, fake_slack)


async def test_a_file_slack_will_not_hand_over(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    people_on_slack(fake_slack)
    info = fake_slack.add_file("FGONE", "weg.png", f.png(10, 10))
    del fake_slack.files["FGONE"]
    event = file_share(CARLA, [info], "1700000300.000002")
    await bot.slack.event(event, event_id="EvGONE")
    assert "weg.png konnte ich nicht abrufen" in await refusal(fake_slack)
    await assert_nothing_stored(bot, fake_slack)
