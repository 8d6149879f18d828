"""Neutral messages as Adaptive Cards (schema 1.5), the way Teams shows them."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Attachment

from bot.forms import Form
from bot.messages import Button, Fact, Message

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
_STYLE = {"primary": "positive", "danger": "destructive"}


def card(message: Message) -> dict[str, Any]:
    """The card body: headline, sections, facts, image, buttons, and a subtle context line."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.text,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    for section in message.sections:
        if section.text:
            body.append({"type": "TextBlock", "text": section.text, "wrap": True})
        if section.fields:
            body.append(_fact_set(section.fields))
    if message.fields:
        body.append(_fact_set(message.fields))
    if message.image:
        body.append(
            {
                "type": "Image",
                "url": message.image.url,
                "altText": message.image.alt,
                "size": "Large",
            }
        )
    if message.context:
        body.append(
            {
                "type": "TextBlock",
                "text": message.context,
                "isSubtle": True,
                "size": "Small",
                "wrap": True,
                "spacing": "Medium",
            }
        )
    actions = [_action(b) for b in message.buttons]
    if message.form is not None:
        body.extend(_inputs(message.form))
        actions.append(
            {
                "type": "Action.Submit",
                "title": message.form.submit_label,
                "style": "positive",
                "data": {"action": message.form.action, "value": message.form.value},
            }
        )
    out: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions:
        out["actions"] = actions
    return out


def _inputs(form: Form) -> list[dict[str, Any]]:
    """A form (bot/forms.py) as inputs on the card; Teams sends their values with the submit,
    under the input's id, and refuses blank required ones in the client."""
    out: list[dict[str, Any]] = []
    if form.intro:
        out.append({"type": "TextBlock", "text": form.intro, "wrap": True})
    for field in form.inputs:
        element: dict[str, Any] = {
            "type": "Input.Text",
            "id": field.name,
            "label": field.label,
            "isMultiline": field.multiline,
            "isRequired": field.required,
        }
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
    """The notification text (activity feed, toast) next to the card."""
    return message.text


def _fact_set(facts: list[Fact]) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [{"title": f.label, "value": f.value} for f in facts],
    }


def _action(button: Button) -> dict[str, Any]:
    """Action.Submit: Teams sends `data` back as the activity's value; app.py reads it."""
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {"action": button.action, "value": button.value},
    }
    if button.style:
        action["style"] = _STYLE[button.style]
    return action
