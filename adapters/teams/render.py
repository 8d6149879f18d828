"""Neutral messages as Adaptive Cards (schema 1.5), the way Teams shows them, within the size
Teams takes.

Teams refuses an activity over about 28 KB (413 MessageSizeTooBig) and the reader gets nothing,
so the card is measured as it goes over the wire (JSON, non-ASCII escaped, as msrest sends it)
and shrunk until it fits: the longest texts are cut first (at a word boundary, with a marker
naming the way to the full text), then the image, then trailing content gives way.

TextBlocks and facts are Markdown. The bot writes no Markdown links of its own (its links are
buttons), so link syntax is made inert in every such text: `[click](https://evil)` in people's
content is shown as typed and opens nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from botbuilder.schema import Attachment

from adapters.limits import marker, shorten
from bot.forms import Form
from bot.messages import Button, Fact, Image, Link, Message, Section

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
_STYLE = {"primary": "positive", "danger": "destructive"}
_TONE = {"good": "good", "attention": "attention", "warning": "warning"}
# Bytes of JSON: Teams takes about 28,000 for the whole activity; the envelope (conversation,
# sender, recipient, service URL) needs the rest.
PAYLOAD_LIMIT = 28_000
CARD_BUDGET = 25_000
SUMMARY_LIMIT = 1_000
TEXT_BUDGET = CARD_BUDGET + SUMMARY_LIMIT  # a plain chat message: text only
MIN_TEXT = 200  # a text is not cut below this; past it, content gives way instead
BUTTON_TITLE_LIMIT = 75
BULLET = "• "
# A zero-width space between `]` and `(`: no Markdown link, and nothing a reader sees.
_LINK = "]("
_INERT_LINK = "]\u200b("


def json_size(value: Any) -> int:
    """Bytes as msrest sends it: json.dumps, non-ASCII escaped."""
    return len(json.dumps(value))


def _text_size(text: str) -> int:
    return json_size(text) - 2


def inert(text: str) -> str:
    """Markdown link syntax in a text shown as typed."""
    return text.replace(_LINK, _INERT_LINK)


@dataclass
class _Parts:
    """The card in the pieces that give way, in order, when it is too big."""

    head: dict[str, Any]
    content: list[dict[str, Any]] = _field(default_factory=list)
    image: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    inputs: list[dict[str, Any]] = _field(default_factory=list)
    actions: list[dict[str, Any]] = _field(default_factory=list)
    tone: str | None = None  # Message.tone: the headline sits in a coloured container

    def card(self) -> dict[str, Any]:
        top = self.head
        if self.tone:
            top = {"type": "Container", "style": _TONE[self.tone], "items": [self.head]}
        body = [top, *self.content]
        body += [self.image] if self.image else []
        body += [self.context] if self.context else []
        body += self.inputs
        out: dict[str, Any] = {
            "type": "AdaptiveCard",
            "$schema": SCHEMA,
            "version": VERSION,
            "body": body,
        }
        if self.actions:
            out["actions"] = self.actions
        return out


def card(message: Message) -> dict[str, Any]:
    """The card body: headline, sections, facts, image, buttons, and a subtle context line;
    never more than CARD_BUDGET bytes."""
    parts = _parts(message)
    mark = marker(message)
    _cut_texts(parts, mark)
    if json_size(parts.card()) > CARD_BUDGET:
        _give_way(parts, mark)
    return parts.card()


def _parts(message: Message) -> _Parts:
    parts = _Parts(
        head={
            "type": "TextBlock",
            "text": inert(message.text),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        tone=message.tone,
    )
    for section in message.sections:
        if section.text:
            parts.content.append({"type": "TextBlock", "text": inert(section.text), "wrap": True})
        if section.fields:
            parts.content.append(_fact_set(section.fields))
        parts.content += [_item(item) for item in section.items]
        if section.runs:
            parts.content.append(_rich_runs(section))
        if section.link is not None:
            parts.content.append({"type": "ActionSet", "actions": [_open_url(section.link)]})
    if message.fields:
        parts.content.append(_fact_set(message.fields))
    parts.image = _images(message.pictures())
    if message.context:
        parts.context = {
            "type": "TextBlock",
            "text": inert(message.context),
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
            "spacing": "Medium",
        }
    parts.actions = [_action(b) for b in message.buttons]
    if message.form is not None:
        parts.inputs = _inputs(message.form)
        parts.actions.append(
            {
                "type": "Action.Submit",
                "title": shorten(message.form.submit_label, BUTTON_TITLE_LIMIT, "…"),
                "style": "positive",
                "data": {"action": message.form.action, "value": message.form.value},
            }
        )
    return parts


def _texts(parts: _Parts) -> list[tuple[dict[str, Any], str]]:
    """Every text a reader reads on the card, as (holder, key): what cutting may shorten."""
    out: list[tuple[dict[str, Any], str]] = []
    for element in [parts.head, *parts.content, parts.context, *parts.inputs]:
        if element is None:
            continue
        if element["type"] == "TextBlock":
            out.append((element, "text"))
        elif element["type"] == "FactSet":
            out += [(fact, key) for fact in element["facts"] for key in ("title", "value")]
        elif "label" in element:
            out.append((element, "label"))
    if parts.image:
        out += [(image, "altText") for image in parts.image.get("images", [parts.image])]
    return out


def _cut_texts(parts: _Parts, mark: str) -> None:
    """Longest texts first, each just enough (JSON sizes add up, so one pass is exact), none
    below MIN_TEXT."""
    excess = json_size(parts.card()) - CARD_BUDGET
    sized = sorted(((_text_size(h[k]), h, k) for h, k in _texts(parts)), key=lambda t: -t[0])
    for size, holder, key in sized:
        if excess <= 0 or size <= MIN_TEXT:
            return
        holder[key] = shorten(holder[key], max(MIN_TEXT, size - excess), mark, _text_size)
        excess -= size - _text_size(holder[key])


def _give_way(parts: _Parts, mark: str) -> None:
    """Still too big (many texts, none long): the image goes, then content from the end (a
    fact at a time, the marker in its place), then buttons, inputs and the context line.
    Sizes are subtracted as pieces go (a piece's JSON is part of the card's) and measured
    again only when they say it fits."""
    parts.image = None
    gone = {"type": "TextBlock", "text": mark.strip(), "isSubtle": True, "wrap": True}
    excess = json_size(parts.card()) - CARD_BUDGET
    while excess > 0:
        kept = [e for e in parts.content if e is not gone]
        if kept:
            removed = _drop_last(kept)
            parts.content = [*kept, gone]
        elif parts.actions:
            removed = parts.actions.pop()
        elif parts.inputs:
            removed = parts.inputs.pop()
        elif parts.context is not None:
            removed, parts.context = parts.context, None
        else:
            return
        excess -= json_size(removed)
        if excess <= 0:
            excess = json_size(parts.card()) - CARD_BUDGET


def _drop_last(content: list[dict[str, Any]]) -> Any:
    """The last fact of a fact set, or the last element: what was removed."""
    last = content[-1]
    if last["type"] == "FactSet" and len(last["facts"]) > 1:
        return last["facts"].pop()
    return content.pop()


_INPUT_TYPES = {"text": "Input.Text", "date": "Input.Date", "time": "Input.Time"}


def _inputs(form: Form) -> list[dict[str, Any]]:
    """A form (bot/forms.py) as inputs on the card; Teams sends their values with the submit,
    under the input's id, and refuses blank required ones in the client."""
    out: list[dict[str, Any]] = []
    if form.intro:
        out.append({"type": "TextBlock", "text": inert(form.intro), "wrap": True})
    for field in form.inputs:
        element: dict[str, Any] = {
            "type": _INPUT_TYPES[field.kind],
            "id": field.name,
            "label": field.label,
            "isRequired": field.required,
        }
        if field.kind == "text":
            element["isMultiline"] = field.multiline
        if field.placeholder:
            element["placeholder"] = field.placeholder
        if field.initial:
            element["value"] = field.initial
        if field.required:
            element["errorMessage"] = field.error or field.label
        out.append(element)
    if form.select:
        select = form.select
        choice: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            "id": select.name,
            "label": select.label,
            "style": "compact",
            "isRequired": select.required,
            "choices": [{"title": o.label, "value": o.value} for o in select.options],
        }
        if select.multiple:  # Teams answers with the chosen values joined by commas
            choice["isMultiSelect"] = True
        if select.initial:
            choice["value"] = ",".join(select.initial)
        if select.required:
            choice["errorMessage"] = select.error or select.label
        out.append(choice)
    if form.files:  # cards have no file input: say how files reach the bot instead
        out.append(
            {"type": "TextBlock", "text": form.files.fallback, "wrap": True, "isSubtle": True}
        )
    return out


def attachment(message: Message) -> Attachment:
    return Attachment(content_type=CARD_CONTENT_TYPE, content=card(message))


def summary(message: Message) -> str:
    """The notification text (activity feed, toast) next to the card: plain, and short."""
    return shorten(message.text, SUMMARY_LIMIT, marker(message), _text_size)


def plain_text(message: Message) -> str:
    """A message with nothing but its text, sent as a Markdown chat message (platform.py)."""
    return shorten(inert(message.text), TEXT_BUDGET, marker(message), _text_size)


def _item(item: str) -> dict[str, Any]:
    """A list item as a TextBlock of its own: a line break inside one TextBlock is no line
    break in Teams (single `\\n` collapses), so a list joined into one text runs together."""
    return {"type": "TextBlock", "text": BULLET + inert(item), "wrap": True, "spacing": "Small"}


def _open_url(link: Link) -> dict[str, Any]:
    return {
        "type": "Action.OpenUrl",
        "title": shorten(link.label, BUTTON_TITLE_LIMIT, "…"),
        "url": link.url,
    }


def _image(image: Image, size: str) -> dict[str, Any]:
    """Clicking the image opens it whole in the browser."""
    return {
        "type": "Image",
        "url": image.url,
        "altText": image.alt,
        "size": size,
        "selectAction": {"type": "Action.OpenUrl", "url": image.url},
    }


def _images(images: list[Image]) -> dict[str, Any] | None:
    """One image across the card's width; several as an image set, each large."""
    if not images:
        return None
    if len(images) == 1:
        return _image(images[0], "Stretch")
    return {
        "type": "ImageSet",
        "imageSize": "Large",
        "images": [_image(image, "Large") for image in images],
    }


def _rich_runs(section: Section) -> dict[str, Any]:
    """A word diff: removed words struck through in red, added ones highlighted in green
    (RichTextBlock, Adaptive Cards 1.2+; TextBlock Markdown has no strikethrough)."""
    inlines: list[dict[str, Any]] = []
    for run in section.runs:
        inline: dict[str, Any] = {"type": "TextRun", "text": run.text}
        if run.change == "removed":
            inline.update(strikethrough=True, color="Attention")
        elif run.change == "added":
            inline.update(highlight=True, color="Good", weight="Bolder")
        inlines.append(inline)
    return {"type": "RichTextBlock", "inlines": inlines}


def _fact_set(facts: list[Fact]) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [{"title": inert(f.label), "value": inert(f.value)} for f in facts],
    }


def _action(button: Button) -> dict[str, Any]:
    """Action.Submit: Teams sends `data` back as the activity's value; app.py reads it."""
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": shorten(button.label, BUTTON_TITLE_LIMIT, "…"),
        "data": {"action": button.action, "value": button.value},
    }
    if button.style:
        action["style"] = _STYLE[button.style]
    return action
