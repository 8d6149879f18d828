"""A colleague submits a very long text: the approver still gets a card, within what the
platform takes, with a visible "gekürzt" and the way to the full text.

Teams refuses an activity over about 28 KB (the fake connector answers 413 like it), Slack
refuses blocks over its limits: a card that does not fit never reaches the approver at all."""

from __future__ import annotations

import html
from typing import Any

from adapters.slack.render import units
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import (
    MAX_ACTIVITY_BYTES,
    FakeTeamsConnector,
    Sent,
    TeamsClient,
)
from tests.integration.teams_support import nth
from tests.integration.test_teams_submit_and_approve import (
    APPROVE,
    BEN,
    CARLA,
    everyone_installs,
    people_in_teams,
)
from tests.support import block_texts, buttons, dm, eventually, people_on_slack
from tests.unit.test_render_limits import assert_within_block_kit

# 40,000 characters of ordinary German prose, umlauts included.
LONG = " ".join(["Unser neuer Messestand in Köln überzeugt mit Ideen für morgen."] * 640)[:40_000]


async def test_a_40000_character_submission_reaches_the_approver_in_teams(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    assert len(LONG) == 40_000

    await teams.say(CARLA, f"submit {LONG}")

    ben_card = await nth(fake_teams, BEN, 2)
    assert fake_teams.too_big == []
    assert ben_card.size <= MAX_ACTIVITY_BYTES
    assert ben_card.card is not None
    shown = ben_card.text
    assert "Freigabe angefragt: Unser neuer Messestand in Köln" in shown
    assert "Unser neuer Messestand in Köln überzeugt mit Ideen für morgen. " * 50 in shown
    assert "… (gekürzt – ganzer Text: history 1)" in shown  # as typed in Teams
    assert "Carla Neumann" in shown and "#1" in shown  # facts and context survive the cut

    await teams.click(BEN, APPROVE, ben_card.buttons[APPROVE], reply_to=ben_card.id)
    await eventually(lambda: ben_card.updates)  # the update fits as well
    assert "Freigegeben von Ben Weber" in ben_card.text
    assert fake_teams.too_big == []

    # The marker's promise: the whole text, uncut, in parts that fit.
    await teams.say(BEN, "history 1")
    parts = await eventually(
        lambda: len(full_text_parts(fake_teams)) == 3 and full_text_parts(fake_teams)
    )
    assert all(part.size <= MAX_ACTIVITY_BYTES and part.card for part in parts)
    assert " ".join(teams_sections(part) for part in parts) == LONG
    assert fake_teams.too_big == []


async def test_a_40000_character_submission_reaches_the_approver_in_slack(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    resp = await bot.slack.command(CARLA_SLACK, "/submit", LONG)
    assert resp.status == 200

    ben_card = await dm(fake_slack, BEN_SLACK)
    assert_within_block_kit(ben_card.blocks)
    assert units(ben_card.text) <= 40_000
    shown = block_texts(ben_card.blocks)
    assert "Unser neuer Messestand in Köln überzeugt mit Ideen für morgen. " * 20 in shown
    assert "… (gekürzt – ganzer Text: /desk history 1)" in shown
    assert "approval.approve" in buttons(ben_card.blocks)

    await bot.slack.command(BEN_SLACK, "/desk", "history 1")
    parts = await eventually(lambda: len(slack_parts(fake_slack)) == 3 and slack_parts(fake_slack))
    for part in parts:
        assert_within_block_kit(part["blocks"])
    assert " ".join(slack_sections(part) for part in parts) == LONG


def full_text_parts(fake: FakeTeamsConnector) -> list[Sent]:
    """The full-text messages Ben got, in part order (the outbox may send them in any)."""
    parts = [s for s in fake.to(BEN) if s.card and "Ganzer Text von #1" in s.text]
    return sorted(parts, key=lambda s: s.text.split("(Teil ", 1)[1])


def teams_sections(part: Sent) -> str:
    assert part.card is not None
    return " ".join(e["text"] for e in part.card["body"][1:] if e["type"] == "TextBlock")


def slack_parts(fake: FakeSlackApi) -> list[dict[str, Any]]:
    parts = [r for r in fake.responses if "Ganzer Text von #1" in r["text"]]
    return sorted(parts, key=lambda r: str(r["text"]).split("(Teil ", 1)[1])


def slack_sections(part: dict[str, Any]) -> str:
    return " ".join(html.unescape(b["text"]["text"]) for b in part["blocks"][1:])


CARLA_SLACK, BEN_SLACK = "U0CARLA", "U0BEN"
