"""The neutral form (bot/forms.py) and its Slack modal."""

from __future__ import annotations

import json

from adapters.slack.render import MODAL_CALLBACK, modal_view, submitted_values
from bot.forms import Form, Option, Select, TextInput
from bot.messages import Message


def form() -> Form:
    return Form(
        title="Änderungen anfordern, bitte mit Begründung",
        submit_label="Zurückschicken",
        action="approval.changes.submit",
        value="7",
        intro="Zu: Sommerfest",
        inputs=[
            TextInput(name="comment", label="Was?", multiline=True, error="Bitte Kommentar"),
            TextInput(name="note", label="Notiz", required=False),
        ],
        select=Select(
            name="channel", label="Kanal", options=[Option(label="X", value="x")], error="Kanal!"
        ),
    )


def test_missing_names_every_blank_required_input() -> None:
    assert form().missing({"comment": " ", "note": ""}) == {
        "comment": "Bitte Kommentar",
        "channel": "Kanal!",
    }
    assert form().missing({"comment": "ok", "channel": "x"}) == {}


def test_a_form_travels_in_a_message_through_the_outbox_json() -> None:
    message = Message(text="t", form=form())
    again = Message.model_validate(json.loads(message.model_dump_json(exclude_defaults=True)))
    assert again.form == form()


def test_modal_carries_what_the_engine_needs_back() -> None:
    view = modal_view(form(), channel="D0BEN")
    assert view["callback_id"] == MODAL_CALLBACK
    assert len(view["title"]["text"]) <= 24
    meta = json.loads(view["private_metadata"])
    assert meta == {
        "action": "approval.changes.submit",
        "value": "7",
        "channel": "D0BEN",
        "required": {"comment": "Bitte Kommentar", "channel": "Kanal!"},
    }
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["block_id"], b["optional"]) for b in inputs] == [
        ("comment", False),
        ("note", True),
        ("channel", False),
    ]
    state = {
        "values": {
            "comment": {"comment": {"type": "plain_text_input", "value": "Bitte kürzen"}},
            "note": {"note": {"type": "plain_text_input", "value": None}},
            "channel": {"channel": {"type": "static_select", "selected_option": {"value": "x"}}},
        }
    }
    assert submitted_values({"state": state}) == {
        "comment": "Bitte kürzen",
        "note": "",
        "channel": "x",
    }


def _channels(initial: list[str]) -> Form:
    return Form(
        title="Kanäle",
        submit_label="Speichern",
        action="intake.details.saved",
        select=Select(
            name="channels",
            label="Kanäle",
            options=[Option(label="LinkedIn", value="linkedin"), Option(label="X", value="x")],
            required=False,
            multiple=True,
            initial=initial,
        ),
    )


def test_a_multiple_choice_is_a_multi_select_with_the_chosen_options_set() -> None:
    element = modal_view(_channels(["x"]))["blocks"][0]["element"]
    assert element["type"] == "multi_static_select"
    assert [o["text"]["text"] for o in element["options"]] == ["LinkedIn", "X"]
    assert element["initial_options"] == [{"text": element["options"][1]["text"], "value": "x"}]
    state = {
        "values": {
            "channels": {
                "channels": {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "linkedin"}, {"value": "x"}],
                }
            }
        }
    }
    assert submitted_values({"state": state}) == {"channels": "linkedin,x"}


def test_in_teams_a_multiple_choice_is_a_multi_select_choice_set() -> None:
    from adapters.teams.render import card

    body = card(Message(text="t", form=_channels(["linkedin", "x"])))["body"]
    choice = next(e for e in body if e["type"] == "Input.ChoiceSet")
    assert choice["isMultiSelect"] is True and choice["value"] == "linkedin,x"
    assert [c["title"] for c in choice["choices"]] == ["LinkedIn", "X"]
