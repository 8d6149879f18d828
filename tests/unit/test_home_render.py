"""The Home tab within Block Kit's limits: 100 blocks, texts cut visibly, lists counted."""

from __future__ import annotations

from adapters.slack.home import VIEW_BLOCKS_LIMIT, home_view
from bot.home.page import Entry, HomePage, Part
from bot.messages import Button
from tests.support import block_texts, buttons


def _page(waiting: int, text: str = "Beitrag") -> HomePage:
    decide = (
        Button(label="Freigeben", action="approval.approve", value="7", style="primary"),
        Button(label="Änderungen anfordern", action="approval.changes", value="7"),
    )
    return HomePage(
        locale="de",
        title="Dein Schreibtisch, " + "Ben " * 60,
        banner="🚨 Krise #1 läuft: <!channel> " + "x" * 4000,
        parts=(
            Part(
                title=f"Wartet auf deine Freigabe ({waiting})",
                entries=tuple(Entry(f"#{n} {text}", decide) for n in range(waiting)),
                total=waiting,
                empty="Nichts wartet auf dich.",
            ),
            Part(title="Deine Einreichungen", entries=(), total=0, empty="Nichts eingereicht."),
            Part(
                title="Nächste Redaktionssitzung",
                entries=(Entry("Thema <script>alert(1)</script>"),),
                total=1,
                empty="Kein Thema.",
                note="Deine Themen (1)",
            ),
        ),
        buttons=(Button(label="Board öffnen", action="home.board", value=""),),
        context="Stand: 30.11.2026, 15:00",
    )


def test_150_waiting_approvals_are_cut_with_a_count_and_the_rest_stays() -> None:
    view = home_view(_page(150, "sehr langer Text " * 400))
    blocks = view["blocks"]
    assert view["type"] == "home"
    assert len(blocks) <= VIEW_BLOCKS_LIMIT
    shown = block_texts(blocks)
    approve_rows = shown.count("Freigeben")
    assert approve_rows > 20
    assert f"… und {150 - approve_rows} weitere" in shown
    assert "Nichts eingereicht." in shown and "Thema &lt;script&gt;" in shown
    assert "<script>" not in shown and "<!channel>" not in shown
    assert "gekürzt" in shown  # the long texts say they were cut
    for block in blocks:
        text = block.get("text")
        if text and text["type"] == "mrkdwn":
            assert len(text["text"]) <= 3000
    assert len(blocks[0]["text"]["text"]) <= 150  # the header
    assert set(buttons(blocks)) == {"approval.approve", "approval.changes", "home.board"}


def test_a_short_list_is_shown_whole_without_a_count() -> None:
    shown = block_texts(home_view(_page(3))["blocks"])
    assert shown.count("Freigeben") == 3 and "weitere" not in shown
