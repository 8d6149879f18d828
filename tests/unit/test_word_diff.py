"""A revision's word diff (bot/approvals/views.py) and how each platform marks it."""

from __future__ import annotations

from adapters.slack.render import blocks
from adapters.teams.render import card
from bot.approvals.views import word_diff
from bot.messages import Message, Run, Section


def test_changed_words_are_removed_and_added_runs() -> None:
    runs = word_diff(
        "Sommerfest am Freitag mit Grillbuffet", "Sommerfest am Samstag mit Grillbuffet"
    )
    assert [(r.text, r.change) for r in runs] == [
        ("Sommerfest am ", None),
        ("Freitag", "removed"),
        (" ", None),
        ("Samstag", "added"),
        (" mit Grillbuffet", None),
    ]
    assert word_diff("gleich", "gleich") == []


def test_long_unchanged_stretches_are_shortened() -> None:
    words = " ".join(f"w{n}" for n in range(60))
    runs = word_diff(words + " alt", words + " neu")
    assert "…" in runs[0].text and "w0" not in runs[0].text and "w59" in runs[0].text
    assert [r.change for r in runs[1:]] == ["removed", None, "added"]


def _diff_message() -> Message:
    runs = [Run(text="am "), Run(text="<Freitag>", change="removed"), Run(text=" ")]
    runs.append(Run(text="Samstag\nund Sonntag", change="added"))
    return Message(text="Version 2", sections=[Section(text="Geändert:", runs=runs)], tone="good")


def test_slack_strikes_removed_words_and_bolds_added_ones_line_by_line() -> None:
    shown = [b["text"]["text"] for b in blocks(_diff_message()) if "text" in b]
    assert "am ~&lt;Freitag&gt;~ *Samstag*\n*und Sonntag*" in shown


def test_teams_marks_runs_in_a_rich_text_block_under_a_coloured_headline() -> None:
    body = card(_diff_message())["body"]
    assert body[0]["type"] == "Container" and body[0]["style"] == "good"
    rich = next(e for e in body if e["type"] == "RichTextBlock")
    removed = next(r for r in rich["inlines"] if r.get("strikethrough"))
    added = next(r for r in rich["inlines"] if r.get("highlight"))
    assert (removed["text"], added["text"]) == ("<Freitag>", "Samstag\nund Sonntag")
