"""Neutral messages as Block Kit."""

from __future__ import annotations

import json
from typing import Any

from bot.forms import Form
from bot.messages import Message

TEXT_LIMIT = 3000  # Block Kit's limit for one text object
FIELDS_LIMIT = 10
DUPLICATE_MARK = "|"
FORM_OPEN = "socialdesk.form.open"
BUTTON_VALUE_LIMIT = 2000


def escape(text: str) -> str:
    """Slack's three control characters; user text must not turn into mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mrkdwn(text: str) -> dict[str, str]:
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    return {"type": "mrkdwn", "text": text}


def blocks(message: Message) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "section", "text": _mrkdwn(f"*{escape(message.text)}*")}]
    for section in message.sections:
        block: dict[str, Any] = {"type": "section"}
        if section.text:
            block["text"] = _mrkdwn(escape(section.text))
        if section.fields:
            block["fields"] = _fields(section.fields)
        if len(block) > 1:
            out.append(block)
    if message.fields:
        for start in range(0, len(message.fields), FIELDS_LIMIT):
            chunk = message.fields[start : start + FIELDS_LIMIT]
            out.append({"type": "section", "fields": _fields(chunk)})
    if message.image:
        out.append({"type": "image", "image_url": message.image.url, "alt_text": message.image.alt})
    if message.buttons:
        out.append({"type": "actions", "elements": _buttons(message.buttons)})
    if message.form is not None:
        out.extend(_form_button(message.form))
    if message.context:
        out.append({"type": "context", "elements": [_mrkdwn(escape(message.context))]})
    return out


def _form_button(form: Form) -> list[dict[str, Any]]:
    """A form shown without a fresh trigger_id (a typed DM, a delayed reply): a button that
    opens it, the form riding in the button's value."""
    value = form.model_dump_json(exclude_defaults=True)
    if len(value) > BUTTON_VALUE_LIMIT:
        return []
    button = {
        "type": "button",
        "text": _plain(form.title, 75),
        "action_id": FORM_OPEN,
        "value": value,
        "style": "primary",
    }
    return [{"type": "actions", "elements": [button]}]


def _fields(facts: list[Any]) -> list[dict[str, str]]:
    return [_mrkdwn(f"*{escape(f.label)}*\n{escape(f.value)}") for f in facts]


def _buttons(buttons: list[Any]) -> list[dict[str, Any]]:
    """Slack wants action_ids unique per block: a repeated action gets `|2`, `|3`, … which
    `action_name` strips again on the way in."""
    seen: dict[str, int] = {}
    elements = []
    for button in buttons:
        seen[button.action] = seen.get(button.action, 0) + 1
        element = _button(button)
        if seen[button.action] > 1:
            element["action_id"] = f"{button.action}{DUPLICATE_MARK}{seen[button.action]}"
        elements.append(element)
    return elements


def action_name(action_id: str) -> str:
    return action_id.split(DUPLICATE_MARK, 1)[0]


def _button(button: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": button.label[:75]},
        "action_id": button.action,
        "value": button.value,
    }
    if button.style:
        element["style"] = button.style
    return element


def fallback_text(message: Message) -> str:
    """The notification text; Slack shows it where blocks cannot be shown."""
    return message.text


# --- forms as modals ---------------------------------------------------------------------

MODAL_TITLE_LIMIT = 24
MODAL_CALLBACK = "socialdesk.form"


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def modal_view(form: Form, channel: str | None = None) -> dict[str, Any]:
    """A form as a Slack modal; what the engine needs back rides in private_metadata."""
    view_blocks: list[dict[str, Any]] = []
    if form.intro:
        view_blocks.append({"type": "section", "text": _mrkdwn(escape(form.intro))})
    for field in form.inputs:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": field.multiline,
        }
        if field.placeholder:
            element["placeholder"] = _plain(field.placeholder, 150)
        if field.initial:
            element["initial_value"] = field.initial
        view_blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": _plain(field.label, 2000),
                "optional": not field.required,
                "element": element,
            }
        )
    if form.select:
        select = form.select
        view_blocks.append(
            {
                "type": "input",
                "block_id": select.name,
                "label": _plain(select.label, 2000),
                "optional": not select.required,
                "element": {
                    "type": "static_select",
                    "action_id": select.name,
                    "options": [
                        {"text": _plain(o.label, 75), "value": o.value} for o in select.options
                    ],
                },
            }
        )
    if form.files:
        view_blocks.append(
            {
                "type": "input",
                "block_id": form.files.name,
                "label": _plain(form.files.label, 2000),
                "optional": True,
                "element": {"type": "file_input", "action_id": form.files.name, "max_files": 10},
            }
        )
    metadata = {
        "action": form.action,
        "value": form.value,
        "channel": channel,
        "required": form.missing({}),
    }
    return {
        "type": "modal",
        "callback_id": MODAL_CALLBACK,
        "title": _plain(form.title, MODAL_TITLE_LIMIT),
        "submit": _plain(form.submit_label, MODAL_TITLE_LIMIT),
        "private_metadata": json.dumps(metadata),
        "blocks": view_blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The modal's inputs by name: typed text, or the chosen option's value."""
    out: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for state in actions.values():
            if state.get("type") == "file_input":
                continue
            if state.get("type") == "static_select":
                option = state.get("selected_option") or {}
                out[block_id] = str(option.get("value") or "")
            else:
                out[block_id] = str(state.get("value") or "")
    return out


def submitted_files(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The `files[]` entries of every file input in a submitted modal."""
    return [
        file
        for actions in (view.get("state") or {}).get("values", {}).values()
        for state in actions.values()
        if state.get("type") == "file_input"
        for file in state.get("files") or []
    ]
