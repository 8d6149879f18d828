"""One parser for every platform: `/submit text`, `submit text`, `/desk submit text`."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

# The umbrella command a workspace may install instead of one slash command per feature.
UMBRELLA = {"desk", "socialdesk"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str


def parse(text: str) -> ParsedCommand:
    """Split into a lower-case command name and the rest, kept as the user typed it."""
    text = text.strip()
    name, args = _split(text.removeprefix("/"))
    if name in UMBRELLA:
        name, args = _split(args)
    return ParsedCommand(name=name or "help", args=args)


def _split(text: str) -> tuple[str, str]:
    parts = _SPACE.split(text.strip(), maxsplit=1)
    name = parts[0].lower().removeprefix("/") if parts and parts[0] else ""
    return name, parts[1].strip() if len(parts) > 1 else ""


def without_command(text: str, names: Collection[str]) -> str:
    """The text after a leading command word from `names` (`submit Teamfoto` → `Teamfoto`,
    also `/submit …` and `/desk submit …`); any other text as it was. A file's caption is
    the post's text, and the word that says what to do with the file is not part of it."""
    name, args = _split(text)
    if name in UMBRELLA:
        name, args = _split(args)
    return args if name in names else text.strip()


# A command hint in a text: a code span starting with a slash, optionally the umbrella command;
# and the umbrella command in running text ("ganzer Text: /desk history 42"), not in a URL.
_SLASH_HINT = re.compile(r"`/(?:(?:desk|socialdesk)\s+(?=[^`\s]))?([^`]*)`")
_BARE_UMBRELLA = re.compile(r"(?<![\w/.:])/(?:desk|socialdesk)\s+(?=\w)")


def typed_without_slash(text: str) -> str:
    """Command hints as typed where commands are plain words (Teams: `submit TEXT`, not
    `/submit TEXT` or `/desk submit TEXT`); the parser accepts both, the reader should see
    the one that works where they read it."""
    return _BARE_UMBRELLA.sub("", _SLASH_HINT.sub(r"`\1`", text))
