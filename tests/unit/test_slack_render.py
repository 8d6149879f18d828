"""Neutral messages as Block Kit: what an approver sees in Slack."""

from __future__ import annotations

import json

from adapters.slack.render import (
    BLOCKS_LIMIT,
    LINK_OPEN,
    TEXT_LIMIT,
    action_name,
    blocks,
    fallback_text,
    fetchable_by_slack,
)
from bot.messages import Button, Fact, Image, Link, Message, Section

HINT = "gekürzt – ganzer Text: /desk history 42"


def test_card_with_fields_buttons_and_context() -> None:
    rendered = blocks(
        Message(
            text="Freigabe angefragt: <Messe> & mehr",
            sections=[Section(text="Hallo <!channel>")],
            fields=[Fact(label="Stufe", value="Recht (2/3)")],
            buttons=[
                Button(label="Freigeben", action="approval.approve", value="7", style="primary")
            ],
            context="Inhalt #3",
        )
    )
    assert [b["type"] for b in rendered] == ["section", "section", "section", "actions", "context"]
    assert rendered[0]["text"]["text"] == "*Freigabe angefragt: &lt;Messe&gt; &amp; mehr*"
    assert rendered[1]["text"]["text"] == "Hallo &lt;!channel&gt;"  # no @channel from user text
    assert rendered[2]["fields"][0]["text"] == "*Stufe*\nRecht (2/3)"
    button = rendered[3]["elements"][0]
    assert (button["action_id"], button["value"], button["style"]) == (
        "approval.approve",
        "7",
        "primary",
    )


def test_long_text_is_cut_at_a_word_with_the_way_to_the_full_text() -> None:
    words = " ".join(f"Wort{n}" for n in range(2000))  # about 14,000 characters
    rendered = blocks(Message(text="t", sections=[Section(text=words)], cut_note=HINT))
    shown = rendered[1]["text"]["text"]
    assert len(shown) <= TEXT_LIMIT
    assert shown.endswith(" … (gekürzt – ganzer Text: /desk history 42)")
    kept = shown.removesuffix(" … (gekürzt – ganzer Text: /desk history 42)")
    assert words.startswith(kept + " ")  # whole words only


def test_without_a_note_the_cut_says_shortened_in_the_readers_language() -> None:
    message = Message(text="t", sections=[Section(text="x" * 5000)], locale="en")
    assert blocks(message)[1]["text"]["text"].endswith("x … (shortened)")
    assert blocks(message.model_copy(update={"locale": None}))[1]["text"]["text"].endswith(
        "x … (gekürzt)"
    )


def test_escaping_never_pushes_a_text_over_the_limit() -> None:
    rendered = blocks(Message(text="t", sections=[Section(text="<&> " * 2000)]))
    shown = rendered[1]["text"]["text"]
    assert len(shown) <= TEXT_LIMIT and shown.startswith("&lt;&amp;&gt; ")
    assert "<" not in shown and not shown.removesuffix(" … (gekürzt)").endswith("&am")


def test_the_notification_text_is_escaped_like_the_blocks() -> None:
    message = Message(text="Freigabe: <!channel> <!here> <@U123> <https://evil|click me> & mehr")
    assert fallback_text(message) == (
        "Freigabe: &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; "
        "&lt;https://evil|click me&gt; &amp; mehr"
    )


def test_too_many_sections_keep_the_buttons_and_say_what_is_missing() -> None:
    message = Message(
        text="t",
        sections=[Section(text=f"Abschnitt {n}") for n in range(80)],
        buttons=[Button(label="Freigeben", action="approval.approve", value="7")],
        context="#42",
        cut_note=HINT,
    )
    rendered = blocks(message)
    assert len(rendered) == BLOCKS_LIMIT
    assert [b["type"] for b in rendered[-3:]] == ["section", "actions", "context"]
    assert rendered[-3]["text"]["text"] == "… (gekürzt – ganzer Text: /desk history 42)"
    assert rendered[1]["text"]["text"] == "Abschnitt 0"


def test_more_than_ten_fields_are_split() -> None:
    facts = [Fact(label=str(n), value="v") for n in range(13)]
    rendered = blocks(Message(text="t", fields=facts))
    assert [len(b["fields"]) for b in rendered[1:]] == [10, 3]
    in_section = blocks(Message(text="t", sections=[Section(text="Text", fields=facts)]))
    assert [len(b["fields"]) for b in in_section[1:]] == [10, 3]
    assert in_section[1]["text"]["text"] == "Text"


def test_repeated_actions_get_unique_ids_that_map_back() -> None:
    rendered = blocks(
        Message(
            text="t",
            buttons=[
                Button(label="A", action="crisis.resume", value="1"),
                Button(label="B", action="crisis.resume", value="2"),
            ],
        )
    )
    ids = [e["action_id"] for e in rendered[-1]["elements"]]
    assert len(set(ids)) == 2
    assert {action_name(i) for i in ids} == {"crisis.resume"}


def test_items_are_a_bullet_a_line_escaped() -> None:
    rendered = blocks(
        Message(text="Hilfe", sections=[Section(text="Befehle", items=["submit <TEXT>", "status"])])
    )
    shown = [b["text"]["text"] for b in rendered]
    assert shown == ["*Hilfe*", "Befehle\n• submit &lt;TEXT&gt;\n• status"]


def test_many_long_items_fill_several_blocks_none_over_the_limit() -> None:
    items = [f"Punkt {n} " + "x" * 900 for n in range(10)]
    rendered = blocks(Message(text="t", sections=[Section(items=items)]))
    texts = [b["text"]["text"] for b in rendered[1:]]
    assert len(texts) > 1 and all(len(t) <= TEXT_LIMIT for t in texts)
    assert [line for t in texts for line in t.split("\n")] == ["• " + item for item in items]


def test_a_file_line_has_an_open_button_not_a_raw_address() -> None:
    url = "https://desk.beispiel.de/files/abc/messe.png"
    rendered = blocks(
        Message(
            text="Entwurf #1",
            sections=[
                Section(text="📎 messe.png (PNG, 12 kB)", link=Link(label="Öffnen", url=url))
            ],
        )
    )
    line = rendered[1]
    assert line["text"]["text"] == "📎 messe.png (PNG, 12 kB)"
    assert line["accessory"]["url"] == url and line["accessory"]["text"]["text"] == "Öffnen"
    assert line["accessory"]["action_id"] == LINK_OPEN
    assert url not in json.dumps(line["text"])


def test_images_are_shown_large_one_block_each_after_the_content() -> None:
    urls = [f"https://desk.beispiel.de/files/{n}/v{n}.png" for n in range(3)]
    message = Message(
        text="Freigabe angefragt",
        sections=[Section(text="Text")],
        images=[Image(url=u, alt=f"v{n}.png") for n, u in enumerate(urls)],
        buttons=[Button(label="Freigeben", action="approval.approve", value="7")],
    )
    rendered = blocks(message)
    assert [b["type"] for b in rendered] == [
        "section",
        "section",
        "image",
        "image",
        "image",
        "actions",
    ]
    assert [b["image_url"] for b in rendered if b["type"] == "image"] == urls
    assert rendered[2]["title"]["text"] == "v0.png"


def test_an_address_slack_cannot_fetch_shows_no_image_block() -> None:
    """Slack refuses the whole message when it cannot download an image block's URL."""
    for url in [
        "http://127.0.0.1:3978/files/a/x.png",
        "http://localhost:3978/files/a/x.png",
        "http://10.1.2.3/files/a/x.png",
        "http://192.168.0.5/x.png",
        "http://[::1]:3978/x.png",
    ]:
        assert not fetchable_by_slack(url), url
        assert blocks(Message(text="t", images=[Image(url=url, alt="x")])) == [
            {"type": "section", "text": {"type": "mrkdwn", "text": "*t*"}}
        ]
    assert fetchable_by_slack("https://desk.beispiel.de/files/a/x.png")
