"""One parser for Slack slash commands and for commands typed in Teams."""

from __future__ import annotations

import pytest

from bot.commands import ParsedCommand, parse, typed_without_slash, without_command


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


@pytest.mark.parametrize(
    ("caption", "post"),
    [
        ("submit Teamfoto vom Sommerfest", "Teamfoto vom Sommerfest"),
        ("/submit Teamfoto", "Teamfoto"),
        ("/desk einreichen Teamfoto", "Teamfoto"),
        ("Submit\nZeile 2", "Zeile 2"),
        ("submit", ""),
        ("Teamfoto vom Sommerfest", "Teamfoto vom Sommerfest"),
        ("Submitted by Carla", "Submitted by Carla"),
    ],
)
def test_a_caption_loses_its_command_word(caption: str, post: str) -> None:
    assert without_command(caption, ("submit", "einreichen")) == post


@pytest.mark.parametrize(
    ("text", "in_teams"),
    [
        ("`/submit TEXT` – einreichen", "`submit TEXT` – einreichen"),
        ("`/desk status` – was wartet", "`status` – was wartet"),
        ("(`/crisis help` für mehr)", "(`crisis help` für mehr)"),
        ("gekürzt – ganzer Text: /desk history 42", "gekürzt – ganzer Text: history 42"),
        ("https://desk.beispiel.de/desk/board und Marketing/Legal", None),
        ("`https://x/y` und `#12`", None),
    ],
)
def test_command_hints_lose_their_slash_where_commands_are_words(
    text: str, in_teams: str | None
) -> None:
    assert typed_without_slash(text) == (in_teams or text)
    assert parse(typed_without_slash("/desk status")) == parse("/desk status")
