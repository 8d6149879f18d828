"""Four eyes also with stand-ins; a revision started from the *Überarbeiten* button with the
text filled in; *Zurückziehen* while nothing is decided; what each person sees meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.approval_support import (
    ANNA,
    BEN,
    CARLA,
    EVA,
    ClockedBot,
    approvals_org,
    click,
    click_and_comment,
    desk,
    dm,
    dms,
    say,
    text_of,
)
from tests.integration.teams_support import installed
from tests.support import buttons, eventually

assert desk  # a fixture, used by name


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    import yaml

    path = tmp_path / "approvals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def config_path(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The approvals organisation; parametrized indirectly with handles, the standard path's
    second stage gets them as its fallback."""
    raw = approvals_org()
    fallback = getattr(request, "param", None)
    if fallback:
        raw["approval_paths"]["standard"]["stages"][1]["fallback"] = fallback
    return _write(tmp_path, raw)


async def _ben_stands_in_for_anna_and_approves_stage_one(
    desk: ClockedBot, fake_slack: FakeSlackApi, text: str
) -> None:
    answer = await say(desk, fake_slack, ANNA, "/desk", "delegate @ben")
    assert "Deine Freigaben gehen an Ben Weber" in answer
    await say(desk, fake_slack, CARLA, "/submit", text)
    await click(desk, fake_slack, BEN, await dm(fake_slack, BEN, text), "approval.approve")


async def test_who_decided_one_stage_decides_no_other_even_as_stand_in(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await _ben_stands_in_for_anna_and_approves_stage_one(desk, fake_slack, "Messe-Recap")

    # Stage 2 would go to Ben as Anna's stand-in: he decided stage 1, so Anna keeps it.
    anna_card = await dm(fake_slack, ANNA, "Messe-Recap")
    shown = text_of(anna_card)
    assert "Social Media (2/2)" in shown
    assert "Vier-Augen-Prinzip: Ben Weber hat schon „Fachliche Freigabe“ entschieden" in shown
    assert "approval.approve" in buttons(anna_card.blocks)
    assert len(dms(fake_slack, BEN, "Messe-Recap")) == 1  # only his stage-1 card

    # Ben cannot take it over later either: the delegation leaves this request with Anna.
    answer = await say(desk, fake_slack, ANNA, "/desk", "delegate @ben")
    assert "offene" not in answer
    await click(desk, fake_slack, ANNA, anna_card, "approval.approve")
    outcome = await dm(fake_slack, CARLA, "is approved")
    assert "Messe-Recap" in outcome.text


@pytest.mark.parametrize("config_path", [["eva"]], indirect=True)
async def test_the_stage_goes_to_its_fallback_and_the_card_says_why(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await _ben_stands_in_for_anna_and_approves_stage_one(desk, fake_slack, "Jobpost")
    eva_card = await dm(fake_slack, EVA, "Jobpost")
    assert "Vier-Augen-Prinzip: Ben Weber hat schon „Fachliche Freigabe“ entschieden" in (
        text_of(eva_card)
    )
    assert "deshalb liegt diese Stufe bei dir" in text_of(eva_card)
    assert "approval.approve" in buttons(eva_card.blocks)
    assert len(dms(fake_slack, BEN, "Jobpost")) == 1
    assert dms(fake_slack, ANNA, "Jobpost") == []


async def test_revise_from_the_button_with_the_text_filled_in(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Sommerfest am Freitag mit Grillbuffet")
    ben_card = await dm(fake_slack, BEN, "Sommerfest")
    await click_and_comment(
        desk, fake_slack, BEN, ben_card, "approval.changes", "Bitte Samstag, nicht Freitag"
    )
    await eventually(lambda: ben_card.updates)
    assert ben_card.blocks[0]["text"]["text"].startswith("*✏️ Änderungen erbeten von Ben Weber")
    told = await dm(fake_slack, CARLA, "asks for changes")
    assert set(buttons(told.blocks)) == {"approval.revise", "approval.withdraw"}

    before = len(fake_slack.views)
    await click(desk, fake_slack, CARLA, told, "approval.revise")
    modal = (await eventually(lambda: fake_slack.views[before:]))[0]
    assert modal["title"]["text"] == "Revise"  # Carla reads English
    assert "Ben Weber asks: Bitte Samstag, nicht Freitag" in modal["blocks"][0]["text"]["text"]
    text_input = modal["blocks"][1]["element"]
    assert text_input["initial_value"] == "Sommerfest am Freitag mit Grillbuffet"

    status, _ = await desk.slack.submit_view(
        CARLA, modal, {"text": "Sommerfest am Samstag mit Grillbuffet"}
    )
    assert status == 200
    again = await dm(fake_slack, BEN, "Sommerfest", n=2)
    assert "Sommerfest am ~Freitag~ *Samstag* mit Grillbuffet" in text_of(again)
    status_message = await dm(fake_slack, CARLA, "Sommerfest")
    await eventually(lambda: "is now with Ben Weber" in status_message.text)


async def test_withdraw_while_nothing_is_decided(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Weihnachtsgrüße")
    ben_card = await dm(fake_slack, BEN, "Weihnachtsgrüße")
    status = await dm(fake_slack, CARLA, "is now with Ben Weber")
    # Ben cannot withdraw what Carla submitted.
    await desk.slack.click(BEN, "approval.withdraw", buttons(status.blocks)["approval.withdraw"])
    await eventually(
        lambda: any("nur, wer eingereicht hat" in str(r) for r in fake_slack.responses)
    )

    await click(desk, fake_slack, CARLA, status, "approval.withdraw")
    await eventually(lambda: ben_card.updates)
    assert ben_card.blocks[0]["text"]["text"].startswith("*↩️ Zurückgezogen von Carla Neumann")
    assert buttons(ben_card.blocks) == {}
    await eventually(lambda: "withdrawn" in status.text)
    assert buttons(status.blocks) == {}

    await desk.slack.click(BEN, "approval.approve", "1")  # an old copy of the card
    await eventually(lambda: any("zurückgezogen" in str(r) for r in fake_slack.responses[-1:]))
    again = await say(desk, fake_slack, CARLA, "/revise", "1 Neuer Text")
    assert "status: withdrawn" in again


T_CARLA, T_BEN = "29:carla", "29:ben"


async def test_in_teams_the_revision_form_is_filled_in_and_the_diff_struck_through(
    desk: ClockedBot, fake_teams: FakeTeamsConnector, fake_slack: FakeSlackApi
) -> None:
    teams = TeamsClient(desk.url, fake_teams.url)
    await installed(fake_teams, teams, T_CARLA, T_BEN)
    await teams.say(T_CARLA, "submit Pressemitteilung Quartalszahlen morgen")
    card = await eventually(
        lambda: next((s for s in fake_teams.to(T_BEN) if "Quartalszahlen" in s.text), None)
    )
    assert card.card is not None
    reject = next(a for a in card.card["actions"] if a["data"]["action"] == "approval.reject")
    assert reject["style"] == "destructive"
    await teams.click(T_BEN, "approval.changes", card.buttons["approval.changes"], reply_to=card.id)
    form = await eventually(
        lambda: next((s for s in fake_teams.to(T_BEN) if "Was soll geändert" in s.text), None)
    )
    submit = form.buttons["approval.changes.submit"]
    await teams.click(T_BEN, "approval.changes.submit", submit, comment="Erst übermorgen")
    told = await eventually(
        lambda: next((s for s in fake_teams.to(T_CARLA) if "asks for changes" in s.text), None)
    )
    await teams.click(T_CARLA, "approval.revise", told.buttons["approval.revise"], reply_to=told.id)
    revise = await eventually(
        lambda: next((s for s in fake_teams.to(T_CARLA) if "Ben Weber asks:" in s.text), None)
    )
    assert revise.card is not None
    field = next(e for e in revise.card["body"] if e.get("type") == "Input.Text")
    assert field["value"] == "Pressemitteilung Quartalszahlen morgen"
    await teams.click(
        T_CARLA,
        "approval.revise.submit",
        revise.buttons["approval.revise.submit"],
        text="Pressemitteilung Quartalszahlen übermorgen",
    )
    second = await eventually(lambda: [s for s in fake_teams.to(T_BEN) if "Version 2" in s.text])
    assert second[0].card is not None
    rich = next(e for e in second[0].card["body"] if e["type"] == "RichTextBlock")
    struck = [r["text"] for r in rich["inlines"] if r.get("strikethrough")]
    added = [r["text"] for r in rich["inlines"] if r.get("highlight")]
    assert (struck, added) == (["morgen"], ["übermorgen"])


async def test_in_teams_withdrawing_after_changes_were_asked_updates_every_card(
    desk: ClockedBot, fake_teams: FakeTeamsConnector, fake_slack: FakeSlackApi
) -> None:
    teams = TeamsClient(desk.url, fake_teams.url)
    await installed(fake_teams, teams, T_CARLA, T_BEN)
    await teams.say(T_CARLA, "submit Adventsaktion")
    card = await eventually(
        lambda: next((s for s in fake_teams.to(T_BEN) if "Adventsaktion" in s.text), None)
    )
    await teams.click(T_BEN, "approval.changes", card.buttons["approval.changes"], reply_to=card.id)
    form = await eventually(
        lambda: next((s for s in fake_teams.to(T_BEN) if "Was soll geändert" in s.text), None)
    )
    submit = form.buttons["approval.changes.submit"]
    await teams.click(T_BEN, "approval.changes.submit", submit, comment="Lieber nicht")
    status = next(s for s in fake_teams.to(T_CARLA) if "Content #1 · version 1" in s.text)
    await eventually(lambda: "changes requested by Ben Weber" in status.text)
    assert set(status.buttons) == {"approval.revise", "approval.withdraw"}

    await teams.click(T_CARLA, "approval.withdraw", status.buttons["approval.withdraw"])
    await eventually(lambda: "Zurückgezogen von Carla Neumann" in card.text)
    assert card.card is not None and card.card["body"][0]["style"] == "warning"
    assert card.buttons == {}
    await eventually(lambda: "“Adventsaktion”: withdrawn" in status.text)
    assert status.buttons == {}
