"""Neutral messages as Block Kit, within Block Kit's limits.

Every limit is enforced here, where the payload is built: a text too long for its block is cut
at a word boundary with a visible marker naming the way to the full text (adapters/limits.py),
and a message with more blocks than Slack takes shows the first ones and the marker. People's
text is escaped on every surface, the notification text included: the bot writes no Slack
markup (mentions, links) of its own, so everything it sends is escaped.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from adapters.limits import marker, shorten
from bot.forms import Form, Select, TextInput
from bot.messages import Button, Fact, Link, Message, Section

log = logging.getLogger(__name__)

TEXT_LIMIT = 3000  # one section's or context element's text
FIELD_LIMIT = 2000  # one section field
FIELDS_LIMIT = 10  # fields per section
BLOCKS_LIMIT = 50  # blocks per message
FALLBACK_LIMIT = 4000  # the notification text (Slack cuts at 40,000; it recommends 4,000)
ACTIONS_LIMIT = 25  # elements of one actions block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
IMAGE_URL_LIMIT = 3000
ALT_TEXT_LIMIT = 2000
IMAGE_TITLE_LIMIT = 2000
IMAGES_LIMIT = 10  # images shown; more files are still listed, each with its Open button
LINK_URL_LIMIT = 3000
BULLET = "• "
LABEL_LIMIT = 300  # a field's label, so its value keeps most of the field
DUPLICATE_MARK = "|"
FORM_OPEN = "socialdesk.form.open"
LINK_OPEN = "socialdesk.link.open"


def escape(text: str) -> str:
    """Slack's three control characters; user text must not turn into mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def units(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _escaped_units(text: str) -> int:
    return units(escape(text))


def _text(raw: str, limit: int, mark: str) -> str:
    """People's text escaped, cut so that the escaped text fits `limit`."""
    return escape(shorten(raw, limit, mark, _escaped_units))


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def blocks(message: Message) -> list[dict[str, Any]]:
    """Headline, sections and fields first; image, buttons, form and context after them. Past
    Slack's block limit the content gives way (the marker says so), never the buttons."""
    mark = marker(message)
    headline = "*" + _text(message.text, TEXT_LIMIT - 2, mark) + "*"
    content: list[dict[str, Any]] = [{"type": "section", "text": _mrkdwn(headline)}]
    for section in message.sections:
        content.extend(_section_blocks(section, mark))
    content.extend(_field_blocks(message.fields, mark))
    tail: list[dict[str, Any]] = []
    tail.extend(_image_blocks(message, mark))
    elements = _buttons(message.buttons)
    if elements:
        tail.append({"type": "actions", "elements": elements})
    if message.form is not None:
        tail.extend(_form_button(message.form))
    if message.context:
        tail.append(
            {"type": "context", "elements": [_mrkdwn(_text(message.context, TEXT_LIMIT, mark))]}
        )
    if len(content) + len(tail) > BLOCKS_LIMIT:
        content = content[: BLOCKS_LIMIT - len(tail) - 1]
        content.append({"type": "section", "text": _mrkdwn(escape(mark.strip()))})
    return content + tail


def _section_blocks(section: Section, mark: str) -> list[dict[str, Any]]:
    """A section's text, then its fields ten to a block, then its items a bullet a line (in
    the text's block while they fit, then as many blocks as their length needs); its link is
    a button beside the first block."""
    out = _field_blocks(section.fields, mark)
    lines = [BULLET + _text(item, TEXT_LIMIT - units(BULLET), mark) for item in section.items]
    if section.text:
        text = _text(section.text, TEXT_LIMIT, mark)
        if out:
            out[0]["text"] = _mrkdwn(text)
        else:
            lines.insert(0, text)
    out += [{"type": "section", "text": _mrkdwn(chunk)} for chunk in _packed(lines)]
    if section.runs:  # a word diff, in a block of its own
        out.append({"type": "section", "text": _mrkdwn(_runs(section, mark))})
    if section.link is not None and len(section.link.url) <= LINK_URL_LIMIT:
        if not out:
            out = [{"type": "section", "text": _mrkdwn(escape(section.link.label))}]
        out[0]["accessory"] = _link_button(section.link)
    return out


def _packed(lines: list[str]) -> list[str]:
    """Lines (each within a section's limit) joined into as few texts as the limit allows."""
    chunks: list[str] = []
    for line in lines:
        if chunks and units(chunks[-1]) + 1 + units(line) <= TEXT_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


_RUN_MARK = {"removed": "~", "added": "*"}


def _runs(section: Section, mark: str) -> str:
    """A word diff in mrkdwn: removed words struck through, added ones bold (the marks go
    around the words, not their spaces, or Slack shows them as typed); cut at the limit."""
    out = ""
    for run in section.runs:
        sign = _RUN_MARK.get(run.change or "", "")
        text = "\n".join(_marked(line, sign) for line in escape(run.text).split("\n"))
        if units(out) + units(text) > TEXT_LIMIT - units(mark):
            return out + escape(mark)
        out += text
    return out


def _marked(text: str, sign: str) -> str:
    """`~word~` or `*word*` around the words of one line (mrkdwn marks end at a line)."""
    if not sign or not text.strip():
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{sign}{text.strip()}{sign}{trail}"


def _link_button(link: Link) -> dict[str, Any]:
    """A button that opens `url` in the browser; Slack still reports the click (app.py acks
    LINK_OPEN and does nothing else)."""
    return {
        "type": "button",
        "text": _plain(link.label, BUTTON_TEXT_LIMIT),
        "action_id": LINK_OPEN,
        "url": link.url,
    }


def _image_blocks(message: Message, mark: str) -> list[dict[str, Any]]:
    """Each image at full width, one block each. Slack fetches an image from its own servers
    and refuses the whole message when it cannot: an address only this machine or network
    reaches (`make run`'s loopback URL) shows no image here, the file's Open button stays."""
    out: list[dict[str, Any]] = []
    for image in message.pictures()[:IMAGES_LIMIT]:
        if len(image.url) > IMAGE_URL_LIMIT or not fetchable_by_slack(image.url):
            continue
        alt = shorten(image.alt, ALT_TEXT_LIMIT, mark, units)
        title = shorten(image.alt, IMAGE_TITLE_LIMIT, "…", units)
        block: dict[str, Any] = {"type": "image", "image_url": image.url, "alt_text": alt}
        if title:
            block["title"] = {"type": "plain_text", "text": title}
        out.append(block)
    return out


def fetchable_by_slack(url: str) -> bool:
    """False for addresses Slack's servers cannot reach: localhost, loopback, private and
    link-local networks."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


def _field_blocks(facts: list[Fact], mark: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "fields": [_field(f, mark) for f in facts[start : start + FIELDS_LIMIT]],
        }
        for start in range(0, len(facts), FIELDS_LIMIT)
    ]


def _field(fact: Fact, mark: str) -> dict[str, str]:
    label = "*" + _text(fact.label, LABEL_LIMIT, mark) + "*\n"
    return _mrkdwn(label + _text(fact.value, FIELD_LIMIT - units(label), mark))


def _form_button(form: Form) -> list[dict[str, Any]]:
    """A form shown without a fresh trigger_id (a typed DM, a delayed reply): a button that
    opens it, the form riding in the button's value."""
    value = form.model_dump_json(exclude_defaults=True)
    if len(value) > BUTTON_VALUE_LIMIT:
        return []
    button = {
        "type": "button",
        "text": _plain(form.title, BUTTON_TEXT_LIMIT),
        "action_id": FORM_OPEN,
        "value": value,
        "style": "primary",
    }
    return [{"type": "actions", "elements": [button]}]


def _buttons(buttons: list[Button]) -> list[dict[str, Any]]:
    """Slack wants action_ids unique per block: a repeated action gets `|2`, `|3`, … which
    `action_name` strips again on the way in. A value Slack cannot carry drops its button (the
    bot's values are ids, far below the limit), and one block holds Slack's 25 at most."""
    seen: dict[str, int] = {}
    elements = []
    for button in buttons:
        if len(button.value) > BUTTON_VALUE_LIMIT:
            log.warning("button %s dropped: its value is too long for Slack", button.action)
            continue
        seen[button.action] = seen.get(button.action, 0) + 1
        element = _button(button)
        if seen[button.action] > 1:
            element["action_id"] = f"{button.action}{DUPLICATE_MARK}{seen[button.action]}"
        elements.append(element)
    return elements[:ACTIONS_LIMIT]


def action_name(action_id: str) -> str:
    return action_id.split(DUPLICATE_MARK, 1)[0]


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, BUTTON_TEXT_LIMIT),
        "action_id": button.action,
        "value": button.value,
    }
    if button.style:
        element["style"] = button.style
    return element


def fallback_text(message: Message) -> str:
    """The notification text; Slack shows it where blocks cannot be shown. Slack parses it
    like any message text, so people's `<!channel>` or `<https://evil|click me>` in it would
    notify everyone or hide a link: escaped like the blocks."""
    return _text(message.text, FALLBACK_LIMIT, marker(message))


# --- forms as modals ---------------------------------------------------------------------

MODAL_TITLE_LIMIT = 24
INITIAL_VALUE_LIMIT = 3000  # a plain_text_input's initial_value
MODAL_CALLBACK = "socialdesk.form"


def _plain(text: str, limit: int) -> dict[str, Any]:
    """Plain text is shown as typed (no mentions, no links); only its length needs care."""
    return {"type": "plain_text", "text": shorten(text, limit, "…", units)}


def modal_view(form: Form, channel: str | None = None) -> dict[str, Any]:
    """A form as a Slack modal; what the engine needs back rides in private_metadata."""
    view_blocks: list[dict[str, Any]] = []
    if form.intro:
        intro = shorten(form.intro, TEXT_LIMIT, "…", _escaped_units)
        view_blocks.append({"type": "section", "text": _mrkdwn(escape(intro))})
    for field in form.inputs:
        element = _input_element(field)
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
                "element": _select_element(select),
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


def _select_element(select: Select) -> dict[str, Any]:
    """A static select, or with `multiple` a multi_static_select, its chosen options set."""
    options = [{"text": _plain(o.label, 75), "value": o.value} for o in select.options]
    element: dict[str, Any] = {
        "type": "multi_static_select" if select.multiple else "static_select",
        "action_id": select.name,
        "options": options,
    }
    chosen = [o for o in options if o["value"] in select.initial]
    if chosen and select.multiple:
        element["initial_options"] = chosen
    elif chosen:
        element["initial_option"] = chosen[0]
    return element


def _input_element(field: TextInput) -> dict[str, Any]:
    if field.kind == "date":
        picker: dict[str, Any] = {"type": "datepicker", "action_id": field.name}
        if field.initial:
            picker["initial_date"] = field.initial
        return picker
    if field.kind == "time":
        picker = {"type": "timepicker", "action_id": field.name}
        if field.initial:
            picker["initial_time"] = field.initial
        return picker
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": field.name,
        "multiline": field.multiline,
    }
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, 150)
    if field.initial and len(field.initial) <= INITIAL_VALUE_LIMIT:
        element["initial_value"] = field.initial
    elif field.initial:  # Slack refuses the whole modal: better an empty field
        log.warning("input %s opens empty: its text is too long for Slack", field.name)
    return element


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The modal's inputs by name: typed text, the chosen option's value, or the chosen
    options' values joined by commas."""
    out: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        for state in actions.values():
            if state.get("type") == "file_input":
                continue
            if state.get("type") == "static_select":
                option = state.get("selected_option") or {}
                out[block_id] = str(option.get("value") or "")
            elif state.get("type") == "multi_static_select":
                chosen = state.get("selected_options") or []
                out[block_id] = ",".join(str(o.get("value") or "") for o in chosen)
            elif state.get("type") == "datepicker":
                out[block_id] = str(state.get("selected_date") or "")
            elif state.get("type") == "timepicker":
                out[block_id] = str(state.get("selected_time") or "")
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
