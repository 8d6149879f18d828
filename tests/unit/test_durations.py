from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        (" 45s ", timedelta(seconds=45)),
    ],
)
def test_round_trip(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["", "soon", "4", "h", "1h-5m", "0m", "1x"])
def test_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
