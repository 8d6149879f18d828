"""Neutral outbound messages: what the engine says, before any platform renders it.

They are pydantic models because they are stored as JSON in the outbox and rendered later,
possibly by another replica, as Block Kit or as an Adaptive Card.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from bot.forms import Form


class Fact(BaseModel):
    label: str
    value: str


class Button(BaseModel):
    label: str
    action: str
    value: str
    style: Literal["primary", "danger"] | None = None


class Link(BaseModel):
    """Something the reader opens in the browser (a file): a button, never a raw URL in text."""

    label: str
    url: str


class Run(BaseModel):
    """A piece of a text compared with an earlier version: `added`, `removed` or unchanged."""

    text: str
    change: Literal["added", "removed"] | None = None


class Section(BaseModel):
    """`items` is a list shown as a list: a bullet per item on every platform. Lines joined
    into `text` run together where a platform collapses single line breaks (Teams)."""

    text: str = ""
    fields: list[Fact] = []
    items: list[str] = []
    link: Link | None = None  # an "Open" button beside the section (a file's line)
    # A text with its changes marked inline (a word diff), after `text`.
    runs: list[Run] = []


class Image(BaseModel):
    url: str
    alt: str


class Message(BaseModel):
    """`text` is the headline, and the notification text where a platform shows only one line."""

    text: str
    sections: list[Section] = []
    fields: list[Fact] = []
    image: Image | None = None  # one image, as rows already in the outbox carry it
    images: list[Image] = []  # shown large, in this order, after `image`
    buttons: list[Button] = []
    context: str | None = None
    # How the message ended, for a colour at its top: `good` (approved), `attention`
    # (rejected), `warning` (changes wanted, withdrawn). None: still open, no colour.
    tone: Literal["good", "attention", "warning"] | None = None
    # Input wanted from the reader (see bot/forms.py): a Slack modal, inputs on a Teams card.
    form: Form | None = None
    # Where a renderer must shorten this message to fit its platform, it shows "… (cut_note)":
    # views that show people's content say there how to reach the full text, in the reader's
    # language ("gekürzt – ganzer Text: /desk history 42"). Without a note the renderer only
    # says that it shortened, in `locale` (the default language when unset).
    cut_note: str | None = None
    locale: str | None = None

    def pictures(self) -> list[Image]:
        """Every image the reader should see, the single `image` first."""
        return [self.image, *self.images] if self.image else list(self.images)
