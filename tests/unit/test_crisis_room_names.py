"""Crisis room names: prefix, local date, an ASCII slug of the description."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.crisis.service import room_name, slug
from bot.orgconfig import CrisisConfig

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rückruf", "rueckruf"),
        ("Rückruf Kinderwagen", "rueckruf-kinderwagen"),
        ("Größte Störung: Übergröße & Maßband!", "groesste-stoerung-uebergroesse-massband"),
        ("Café crème à la carte", "cafe-creme-a-la-carte"),
        ("  --  ", "lage"),
        ("😱🔥", "lage"),
        (
            "Ein sehr langer Satz über einen Shitstorm der Extraklasse",
            "ein-sehr-langer-satz-ueber-einen",
        ),
        (
            "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
            "donaudampfschifffahrtsgesellschaftskapit",
        ),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected
    assert len(slug(text)) <= 40


def test_room_name_uses_the_local_date_and_prefix() -> None:
    late = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # already the 22nd in Berlin
    assert room_name(CrisisConfig(), "Rückruf", late, BERLIN) == "krise-2026-11-22-rueckruf"
    cfg = CrisisConfig(channel_prefix="incident")
    assert room_name(cfg, "Data leak", late, BERLIN) == "incident-2026-11-22-data-leak"


def test_channel_prefix_must_be_a_slack_channel_name() -> None:
    with pytest.raises(ValueError):
        CrisisConfig(channel_prefix="Krise Stab")
