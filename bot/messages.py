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


class Section(BaseModel):
    text: str = ""
    fields: list[Fact] = []


class Image(BaseModel):
    url: str
    alt: str


class Message(BaseModel):
    """`text` is the headline, and the notification text where a platform shows only one line."""

    text: str
    sections: list[Section] = []
    fields: list[Fact] = []
    image: Image | None = None
    buttons: list[Button] = []
    context: str | None = None
    # Input wanted from the reader (see bot/forms.py): a Slack modal, inputs on a Teams card.
    form: Form | None = None
    # Where a renderer must shorten this message to fit its platform, it shows "… (cut_note)":
    # views that show people's content say there how to reach the full text, in the reader's
    # language ("gekürzt – ganzer Text: /desk history 42"). Without a note the renderer only
    # says that it shortened, in `locale` (the default language when unset).
    cut_note: str | None = None
    locale: str | None = None
