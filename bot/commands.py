"""One parser for every platform: `/submit text`, `submit text`, `/desk submit text`."""

from __future__ import annotations

import re
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
