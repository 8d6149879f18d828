"""Neutral messages as Block Kit."""

from __future__ import annotations

from typing import Any

from bot.messages import Message

TEXT_LIMIT = 3000  # Block Kit's limit for one text object
FIELDS_LIMIT = 10


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
        out.append({"type": "actions", "elements": [_button(b) for b in message.buttons]})
    if message.context:
        out.append({"type": "context", "elements": [_mrkdwn(escape(message.context))]})
    return out


def _fields(facts: list[Any]) -> list[dict[str, str]]:
    return [_mrkdwn(f"*{escape(f.label)}*\n{escape(f.value)}") for f in facts]


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
