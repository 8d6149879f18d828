"""The Slack flow, in Teams: a colleague types `submit …`, approvers click Adaptive Cards that
reach them proactively, the cards are updated in place, the colleague hears the outcome."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from storage.models import ContentItem, Decision, PlatformIdentity
from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient, personal_chat
from tests.integration.teams_support import nth
from tests.support import eventually

CARLA, BEN, ANNA = "29:carla", "29:ben", "29:anna"
APPROVE, REJECT = "approval.approve", "approval.reject"


def people_in_teams(fake: FakeTeamsConnector) -> None:
    fake.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    fake.add_member(BEN, "Ben Weber", "ben@beispiel.de")
    fake.add_member(ANNA, "Anna Schmidt", "anna@beispiel.de")


async def everyone_installs(teams: TeamsClient, fake: FakeTeamsConnector) -> None:
    """Ben and Anna add the bot in Teams: welcomed, and reachable from now on."""
    for user, name in ((BEN, "Ben Weber"), (ANNA, "Anna Schmidt")):
        resp = await teams.install(user, name)
        assert resp.status in (200, 201)
        welcome = await nth(fake, user, 1)
        assert f"Hallo {name}, ich bin socialdesk" in welcome.text


async def test_two_stage_approval_in_teams(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)

    resp = await teams.say(CARLA, "<at>socialdesk</at> submit Neuer Beitrag zur Messe in Köln")
    assert resp.status in (200, 201)
    confirmation = await nth(fake_teams, CARLA, 1)
    assert "Eingereicht: #1 „Neuer Beitrag zur Messe in Köln“" in confirmation.text
    assert "Fachliche Freigabe → Social Media" in confirmation.text
    assert confirmation.card is not None and confirmation.card["version"] == "1.5"

    status = await nth(fake_teams, CARLA, 2)  # her status message, updated as it moves
    assert "liegt jetzt bei Ben Weber (Fachliche Freigabe)" in status.text
    assert "approval.withdraw" in status.buttons

    ben_card = await nth(fake_teams, BEN, 2)
    assert "Freigabe angefragt: Neuer Beitrag zur Messe in Köln" in ben_card.text
    assert "Carla Neumann" in ben_card.text and "Fachliche Freigabe (1/2)" in ben_card.text
    assert {APPROVE, REJECT} <= set(ben_card.buttons)
    assert len(fake_teams.to(ANNA)) == 1  # only the welcome: stage 2 waits for stage 1

    await teams.click(BEN, APPROVE, ben_card.buttons[APPROVE], reply_to=ben_card.id)
    await eventually(lambda: ben_card.updates)
    assert "Freigegeben von Ben Weber" in ben_card.text
    assert ben_card.buttons == {}  # updated in place: same activity, no buttons left
    assert ben_card.card is not None
    top = ben_card.card["body"][0]  # the headline in a green container
    assert top["type"] == "Container" and top["style"] == "good"
    assert top["items"][0]["text"].startswith("✅ Freigegeben von Ben Weber")
    await eventually(lambda: "liegt jetzt bei Anna Schmidt" in status.text)

    anna_card = await nth(fake_teams, ANNA, 2)
    assert "Social Media (2/2)" in anna_card.text
    await teams.click(ANNA, APPROVE, anna_card.buttons[APPROVE], reply_to=anna_card.id)

    outcome = await nth(fake_teams, CARLA, 3)
    assert "#1 „Neuer Beitrag zur Messe in Köln“ ist freigegeben" in outcome.text
    await eventually(lambda: "„Neuer Beitrag zur Messe in Köln“: freigegeben" in status.text)
    assert status.buttons == {}
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None and item.status == "approved"
        carla = await session.scalar(
            select(PlatformIdentity).where(PlatformIdentity.user_id == CARLA)
        )
        assert carla is not None and carla.conversation_ref is not None
        assert carla.conversation_ref["conversation"]["id"] == personal_chat(CARLA)


async def test_click_on_a_decided_card_changes_nothing(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    await teams.say(CARLA, "submit Rabattaktion 50 %")
    ben_card = await nth(fake_teams, BEN, 2)
    request_id = ben_card.buttons[REJECT]
    await teams.click(BEN, REJECT, request_id)
    # Rejecting needs a reason: Teams has no modals, so a card with an input asks for it.
    form = await nth(fake_teams, BEN, 3)
    assert form.card is not None
    comment = next(e for e in form.card["body"] if e["type"] == "Input.Text")
    assert comment["isRequired"] is True
    submit = form.card["actions"][-1]["data"]
    await teams.click(
        BEN, submit["action"], submit["value"], reply_to=form.id, **{comment["id"]: "Zu teuer"}
    )
    outcome = await nth(fake_teams, CARLA, 3)
    assert "wurde von Ben Weber abgelehnt" in outcome.text
    assert "Zu teuer" in outcome.text
    await eventually(lambda: ben_card.updates)
    assert "Abgelehnt von Ben Weber" in ben_card.text

    # Teams keeps showing an old copy of the card somewhere: Ben clicks Approve on it.
    await teams.click(BEN, APPROVE, request_id)
    answer = await nth(fake_teams, BEN, 4)
    assert "schon entschieden: abgelehnt von Ben Weber" in answer.text
    await asyncio.sleep(0.3)
    assert len(ben_card.updates) == 1
    assert len(fake_teams.to(ANNA)) == 1  # still only the welcome
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 1


async def test_only_the_stages_approvers_may_decide(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    await teams.say(CARLA, "submit Teaser für den Produktlaunch")
    ben_card = await nth(fake_teams, BEN, 2)
    await teams.click(ANNA, APPROVE, ben_card.buttons[APPROVE])
    refusal = await nth(fake_teams, ANNA, 2)
    assert "entscheiden nur: Ben Weber" in refusal.text
    assert ben_card.updates == []


async def test_repeated_activity_is_handled_once(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    activity = teams.activity(CARLA, text="submit Story: Blick hinter die Kulissen")
    first, second = await asyncio.gather(teams.post(activity), teams.post(activity))
    assert first.status in (200, 201) and second.status in (200, 201)
    await nth(fake_teams, CARLA, 2)  # the answer, and her status message
    await asyncio.sleep(0.3)
    assert len(fake_teams.to(CARLA)) == 2
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 1


async def test_submit_without_text_shows_the_form_on_a_card(
    teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    """Cards have no file input: the form says how files reach the bot, and works without."""
    fake_teams.add_member(CARLA, "Carla Neumann", "carla@beispiel.de")
    await teams.say(CARLA, "submit")
    form = await eventually(lambda: fake_teams.to(CARLA))
    assert form[0].card is not None
    inputs = [e["id"] for e in form[0].card["body"] if e["type"] == "Input.Text"]
    assert inputs == ["text", "publish_at", "text.linkedin", "text.instagram", "text.x"]
    picker = next(e for e in form[0].card["body"] if e["type"] == "Input.ChoiceSet")
    assert picker["id"] == "channels" and picker["isMultiSelect"] is True
    assert [c["title"] for c in picker["choices"]] == ["LinkedIn", "Instagram", "X"]
    assert "schickst du mir einfach als Datei" in form[0].text

    await teams.click(
        CARLA,
        "intake.new.submit",
        "",
        reply_to=form[0].id,
        text="Neues Video zur Karriereseite",
        channels="linkedin",
    )
    answer = await eventually(lambda: len(fake_teams.to(CARLA)) >= 2 and fake_teams.to(CARLA))
    assert "Eingereicht: #1" in answer[1].text
