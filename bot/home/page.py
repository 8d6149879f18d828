"""The Home tab as a neutral page: what a platform renders, built from the read side.

Not a `Message`: each entry has its own buttons (Approve beside the item it decides), and a
list says how many entries it has in all, so a renderer that must cut it can say "… und N
weitere" with the right N.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Button

# The actions the Home brings besides the cards' own: opened (the platform's event) and the
# button to the board.
HOME_OPENED = "home.opened"
OPEN_BOARD = "home.board"


@dataclass(frozen=True)
class Entry:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Part:
    """A heading and its entries: the first of `total` (the rest was not even read)."""

    title: str
    entries: tuple[Entry, ...]
    total: int
    empty: str  # what the part says when it has no entries
    note: str | None = None  # a line under the heading (the meeting's time)


@dataclass(frozen=True)
class HomePage:
    locale: str
    title: str
    parts: tuple[Part, ...]
    banner: str | None = None  # an open crisis, above everything
    buttons: tuple[Button, ...] = ()  # the way to the board
    context: str | None = None
