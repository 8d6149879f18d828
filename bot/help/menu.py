"""The command menus' words (Slack's slash commands, the Teams command list), from the catalog.

A menu shows one short line per command, not the help's usage line: the help may explain
sub-commands at length, a menu entry has 100-odd characters.
"""

from __future__ import annotations

from bot import i18n


def summary(name: str, locale: str) -> str:
    return i18n.t(locale, f"command.{name}.summary")


def hint(name: str, locale: str) -> str | None:
    """What follows the command word (`ID TEXT`), for commands that take something."""
    key = f"command.{name}.hint"
    return i18n.t(locale, key) if key in i18n.catalog() else None
