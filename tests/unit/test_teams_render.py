"""Neutral messages as Adaptive Cards, the activity text cleaning, and the Teams app package."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from adapters.teams import package
from adapters.teams.app import clean_text
from adapters.teams.platform import to_activity
from adapters.teams.render import PAYLOAD_LIMIT, card, json_size
from bot.forms import Form, Option, Select, TextInput
from bot.messages import Button, Fact, Image, Link, Message, Section


def test_a_full_message_becomes_an_adaptive_card() -> None:
    message = Message(
        text="Freigabe angefragt: Messe",
        sections=[Section(text="Der Text", fields=[Fact(label="Stufe", value="1/2")])],
        fields=[Fact(label="Von", value="Carla")],
        image=Image(url="https://example.com/a.png", alt="Messestand"),
        buttons=[
            Button(label="Freigeben", action="approval.approve", value="7", style="primary"),
            Button(label="Ablehnen", action="approval.reject", value="7", style="danger"),
        ],
        context="#1 · Version 1",
    )
    out = card(message)
    assert out["type"] == "AdaptiveCard" and out["version"] == "1.5"
    kinds = [e["type"] for e in out["body"]]
    assert kinds == ["TextBlock", "TextBlock", "FactSet", "FactSet", "Image", "TextBlock"]
    assert out["body"][0]["weight"] == "Bolder"
    assert out["body"][-1]["isSubtle"] is True and out["body"][-1]["size"] == "Small"
    assert out["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Freigeben",
            "data": {"action": "approval.approve", "value": "7"},
            "style": "positive",
        },
        {
            "type": "Action.Submit",
            "title": "Ablehnen",
            "data": {"action": "approval.reject", "value": "7"},
            "style": "destructive",
        },
    ]
    activity = to_activity(message)
    assert activity.summary == "Freigabe angefragt: Messe"
    assert activity.attachments[0].content_type == "application/vnd.microsoft.card.adaptive"


def test_a_plain_line_stays_a_chat_message() -> None:
    activity = to_activity(Message(text="Eingereicht."))
    assert activity.text == "Eingereicht." and not activity.attachments


def test_a_markdown_link_in_content_opens_nothing() -> None:
    """`[click](https://evil)` would be a live link on the card: shown as typed instead."""
    content = "Bitte prüfen: [click me](https://evil.example/login) danke"
    message = Message(
        text="Freigabe angefragt: [Messe](https://evil.example)",
        sections=[Section(text=content, fields=[Fact(label="[a](https://x)", value="[b](x)")])],
        context="#1",
    )
    out = card(message)
    texts = json.dumps(out, ensure_ascii=False)
    assert "](" not in texts
    shown = out["body"][1]["text"].replace("\u200b", "")
    assert shown == content  # what the reader sees is what was typed
    plain = to_activity(Message(text="[click me](https://evil.example)"))
    assert plain.text is not None and "](" not in plain.text


def test_a_40000_character_text_fits_the_card_with_the_way_to_the_full_text() -> None:
    text = " ".join(["Lörem ipsüm dolor sit amet 🚀"] * 1400)  # 40,600 characters
    message = Message(
        text="Freigabe angefragt: Messe",
        sections=[Section(text=text)],
        fields=[Fact(label="Von", value="Carla")],
        buttons=[Button(label="Freigeben", action="approval.approve", value="7")],
        context="#42 · Version 1",
        cut_note="gekürzt – ganzer Text: /desk history 42",
    )
    activity = to_activity(message)
    assert json_size(activity.serialize()) < PAYLOAD_LIMIT - 1500  # room for the envelope
    out = activity.attachments[0].content
    shown = out["body"][1]["text"]
    note = " … (gekürzt – ganzer Text: history 42)"  # Teams: commands without a slash
    assert shown.endswith(note)
    assert text.startswith(shown.removesuffix(note))
    assert len(shown) > 3000  # cut to what fits, not to a token stub
    assert out["body"][-1]["text"] == "#42 · Version 1" and out["actions"][0]["title"]


def test_a_form_becomes_inputs_and_a_submit_button() -> None:
    form = Form(
        title="Änderungen anfragen",
        submit_label="Senden",
        action="approval.changes",
        value="7",
        inputs=[TextInput(name="comment", label="Was fehlt?", multiline=True, error="Bitte")],
        select=Select(name="why", label="Grund", options=[Option(label="Ton", value="tone")]),
    )
    out = card(Message(text=form.title, form=form))
    text_input, choice = out["body"][-2:]
    assert text_input == {
        "type": "Input.Text",
        "id": "comment",
        "label": "Was fehlt?",
        "isMultiline": True,
        "isRequired": True,
        "errorMessage": "Bitte",
    }
    assert choice["type"] == "Input.ChoiceSet" and choice["choices"][0]["value"] == "tone"
    assert out["actions"][-1]["data"] == {"action": "approval.changes", "value": "7"}


def test_mentions_and_markup_are_stripped_from_typed_text() -> None:
    assert clean_text("<at>socialdesk</at> submit Hallo &amp; tschüss") == "submit Hallo & tschüss"
    assert clean_text("<p><at id='0'>Bot</at>&nbsp;help</p>") == "help"
    assert clean_text(None) == ""


def test_teams_package_has_manifest_icons_and_commands(tmp_path: Path) -> None:
    bot_id = "12345678-1234-1234-1234-123456789abc"
    out = package.build(tmp_path / "app.zip", bot_id)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "de.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == bot_id and manifest["bots"][0]["botId"] == bot_id
    titles = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert "submit" in titles and "help" in titles and len(titles) <= 10
    assert package.main(["--out", str(tmp_path / "x.zip"), "--bot-id", "not-a-guid"]) == 1


def test_items_are_a_text_block_each_so_teams_shows_a_list() -> None:
    """A single line break inside one TextBlock collapses in Teams: one block per item."""
    out = card(
        Message(text="Hilfe", sections=[Section(text="Befehle", items=["submit", "status"])])
    )
    assert [(e["type"], e["text"]) for e in out["body"]] == [
        ("TextBlock", "Hilfe"),
        ("TextBlock", "Befehle"),
        ("TextBlock", "• submit"),
        ("TextBlock", "• status"),
    ]
    assert all(e["wrap"] for e in out["body"])


def test_a_file_line_opens_in_the_browser() -> None:
    url = "http://127.0.0.1:3978/files/abc/messe.png"
    out = card(
        Message(
            text="Entwurf #1",
            sections=[Section(text="📎 messe.png", link=Link(label="Öffnen", url=url))],
        )
    )
    assert out["body"][1]["text"] == "📎 messe.png"
    assert out["body"][2] == {
        "type": "ActionSet",
        "actions": [{"type": "Action.OpenUrl", "title": "Öffnen", "url": url}],
    }


def test_one_image_spans_the_card_several_are_an_image_set() -> None:
    one = card(Message(text="t", images=[Image(url="https://x.de/a.png", alt="a.png")]))
    image = one["body"][1]
    assert (image["type"], image["size"], image["url"]) == (
        "Image",
        "Stretch",
        "https://x.de/a.png",
    )
    assert image["selectAction"] == {"type": "Action.OpenUrl", "url": "https://x.de/a.png"}

    urls = ["https://x.de/a.png", "https://x.de/b.png"]
    several = card(Message(text="t", images=[Image(url=u, alt=u) for u in urls]))
    image_set = several["body"][1]
    assert image_set["type"] == "ImageSet" and image_set["imageSize"] == "Large"
    assert [i["url"] for i in image_set["images"]] == urls


def test_a_message_with_only_images_is_a_card() -> None:
    activity = to_activity(Message(text="t", images=[Image(url="https://x.de/a.png", alt="a")]))
    assert activity.attachments and activity.attachments[0].content["body"][1]["type"] == "Image"
