"""Neutral messages as Block Kit: what an approver sees in Slack."""

from __future__ import annotations

from adapters.slack.render import TEXT_LIMIT, action_name, blocks
from bot.messages import Button, Fact, Message, Section


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


def test_long_text_is_cut_to_block_kit_limit() -> None:
    rendered = blocks(Message(text="t", sections=[Section(text="x" * 5000)]))
    assert len(rendered[1]["text"]["text"]) == TEXT_LIMIT
    assert rendered[1]["text"]["text"].endswith("…")


def test_more_than_ten_fields_are_split() -> None:
    facts = [Fact(label=str(n), value="v") for n in range(13)]
    rendered = blocks(Message(text="t", fields=facts))
    assert [len(b["fields"]) for b in rendered[1:]] == [10, 3]


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
