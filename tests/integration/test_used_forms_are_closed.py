"""A reason form that was sent closes (#13.8): in Teams the card with the input becomes a
read-only card showing what was sent, so it cannot be sent a second time; in Slack the form
is a modal, gone once submitted, and nothing else is touched."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from storage.models import Decision
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.integration.teams_support import nth
from tests.integration.test_teams_submit_and_approve import (
    BEN,
    CARLA,
    everyone_installs,
    people_in_teams,
)
from tests.support import block_texts, buttons, dm, eventually, say


async def send_reason(teams: TeamsClient, fake: FakeTeamsConnector, action: str, text: str) -> Sent:
    """Carla submits, Ben clicks `action` and types `text` into the form card: the form."""
    await teams.say(CARLA, "submit Rabattaktion 50 %")
    card = await nth(fake, BEN, 2)
    await teams.click(BEN, action, card.buttons[action], reply_to=card.id)
    form = await nth(fake, BEN, 3)
    assert form.card is not None
    comment = next(e for e in form.card["body"] if e["type"] == "Input.Text")
    submit = form.card["actions"][-1]["data"]
    await teams.click(
        BEN, submit["action"], submit["value"], reply_to=form.id, **{comment["id"]: text}
    )
    return form


@pytest.mark.parametrize(
    ("action", "title", "question"),
    [
        ("approval.reject", "Ablehnen", "Warum lehnst du ab?"),
        ("approval.changes", "Änderungen anfordern", "Was soll geändert werden?"),
    ],
)
async def test_a_sent_form_card_shows_what_was_sent_and_cannot_be_sent_again(
    bot: RunningBot,
    teams: TeamsClient,
    fake_teams: FakeTeamsConnector,
    action: str,
    title: str,
    question: str,
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    form = await send_reason(teams, fake_teams, action, "Zu teuer, bitte ohne Rabatt")
    await eventually(lambda: form.updates)
    closed = form.card
    assert closed is not None
    assert not [e for e in closed["body"] if e["type"].startswith("Input.")]
    assert not closed.get("actions")  # nothing left to send
    shown = form.text
    assert title in shown and "Zu: Rabattaktion 50 %" in shown
    assert question in shown and "Zu teuer, bitte ohne Rabatt" in shown
    assert "Gesendet – dieses Formular ist erledigt." in shown
    assert len(fake_teams.to(BEN)) == 3  # replaced in place, no new message
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 1


async def test_a_reason_that_was_refused_leaves_the_form_open(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """A blank reason is asked for again: the form stays as it was, ready to be filled in."""
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    form = await send_reason(teams, fake_teams, "approval.reject", "   ")
    again = await nth(fake_teams, BEN, 4)
    assert "ohne Begründung geht es nicht" in again.text
    await asyncio.sleep(0.3)
    assert form.updates == []


async def test_in_slack_the_modal_is_the_form_and_nothing_else_changes(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    carla, ben = "U0CARLA", "U0BEN"
    fake_slack.add_user(carla, "carla@beispiel.de")
    fake_slack.add_user(ben, "ben@beispiel.de")
    await say(bot, fake_slack, carla, "/submit", "Rabattaktion 50 %")
    card = await dm(fake_slack, ben)
    opened = len(fake_slack.views)
    await bot.slack.click(ben, "approval.reject", buttons(card.blocks)["approval.reject"])
    view = await eventually(
        lambda: fake_slack.views[-1] if len(fake_slack.views) > opened else None
    )
    status, _ = await bot.slack.submit_view(ben, view, {"comment": "Zu teuer"})
    assert status == 200
    await eventually(lambda: "Abgelehnt von Ben Weber" in block_texts(card.blocks))
    await asyncio.sleep(0.3)
    assert not [r for r in fake_slack.responses if r.get("replace_original")]
