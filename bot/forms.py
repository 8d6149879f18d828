"""Forms: when a click needs typed input (a comment, a submission), neutrally.

A handler asks for input with `open_form(ctx, form)`. Slack shows a modal (views.open with the
click's trigger_id); a platform without modals shows the inputs on a card. Either way the
answer comes back as an `Action` named `form.action`, with `form.value` and the typed
`inputs` by input name. Required inputs that come back blank are refused where they were typed
(Slack: the modal's error), so no click is lost; `missing(form_inputs, event)` lets a handler
check again, because a platform may not enforce it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

if TYPE_CHECKING:
    from bot.context import Context
    from bot.messages import Message


class Option(BaseModel):
    label: str
    value: str


class TextInput(BaseModel):
    """Typed text; with `kind` date or time, the platform's picker (Slack datepicker and
    timepicker, Teams Input.Date and Input.Time), answered as `2026-12-01` and `10:00` and
    opened at `initial` in that form."""

    name: str
    label: str
    kind: Literal["text", "date", "time"] = "text"
    multiline: bool = False
    required: bool = True
    placeholder: str | None = None
    initial: str | None = None
    # Shown where the input is when it came back blank (already in the reader's language).
    error: str | None = None


class Select(BaseModel):
    """A choice among `options`; with `multiple`, any number of them, answered as their
    values joined by commas (`linkedin,x`)."""

    name: str
    label: str
    options: list[Option]
    required: bool = True
    error: str | None = None
    multiple: bool = False
    initial: list[str] = []  # values chosen when the form opens


class FileInput(BaseModel):
    name: str
    label: str
    # Where a platform has no file input (Teams cards): how to send files instead.
    fallback: str


class Form(BaseModel):
    title: str
    submit_label: str
    action: str
    value: str = ""
    intro: str | None = None
    inputs: list[TextInput] = []
    select: Select | None = None
    files: FileInput | None = None

    def missing(self, values: dict[str, str]) -> dict[str, str]:
        """Input name -> error text, for every required input left blank."""
        fields: list[TextInput | Select] = [*self.inputs, *([self.select] if self.select else [])]
        return {
            f.name: f.error or f.label
            for f in fields
            if f.required and not (values.get(f.name) or "").strip()
        }


def sent_form(form: Form, values: dict[str, str], note: str) -> Message:
    """The form as it was sent, read-only: what a used form card becomes (see
    `Context.replace_source`), so it shows what was sent and cannot be sent again. `note`
    (already in the reader's language) says it is done."""
    from bot.messages import Fact, Message, Section  # the message model embeds forms

    facts = [Fact(label=i.label, value=values[i.name]) for i in form.inputs if values.get(i.name)]
    sections = [Section(text=form.intro)] if form.intro else []
    if facts:
        sections.append(Section(fields=facts))
    return Message(text=form.title, sections=sections, context=note)


def open_form(ctx: Context, form: Form) -> None:
    """Ask the actor for input; the answer arrives as the action `form.action`."""
    from bot.messages import Message  # the message model embeds forms

    ctx.reply(Message(text=form.title, form=form))
