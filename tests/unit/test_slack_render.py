"""Neutral messages as Block Kit: what an approver sees in Slack."""

from __future__ import annotations

from adapters.slack.render import BLOCKS_LIMIT, TEXT_LIMIT, action_name, blocks, fallback_text
from bot.messages import Button, Fact, Message, Section

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
