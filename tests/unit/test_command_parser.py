"""One parser for Slack slash commands and for commands typed in Teams."""

from __future__ import annotations

import pytest

from bot.commands import ParsedCommand, parse


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/submit Neuer Beitrag", ParsedCommand("submit", "Neuer Beitrag")),
        ("submit Neuer Beitrag", ParsedCommand("submit", "Neuer Beitrag")),
        ("  SUBMIT   Text mit   Abständen ", ParsedCommand("submit", "Text mit   Abständen")),
        ("/desk submit Text", ParsedCommand("submit", "Text")),
        ("/desk /submit Text", ParsedCommand("submit", "Text")),
        ("/desk status", ParsedCommand("status", "")),
        ("/desk", ParsedCommand("help", "")),
        ("", ParsedCommand("help", "")),
        ("/submit", ParsedCommand("submit", "")),
        ("submit Zeile 1\nZeile 2", ParsedCommand("submit", "Zeile 1\nZeile 2")),
    ],
)
def test_parse(typed: str, expected: ParsedCommand) -> None:
    assert parse(typed) == expected
