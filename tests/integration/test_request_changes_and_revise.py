"""An approver asks for changes (with a comment, typed in a Slack modal), the submitter sends
`/revise`, the new version goes back to the stage that asked, with a diff for the approver."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import ContentVersion, Decision
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.intake_files import png
from tests.integration.approval_support import (
    ANNA,
    BEN,
    CARLA,
    ClockedBot,
    click,
    click_and_comment,
    config_path,
    desk,
    dm,
    dms,
    say,
    text_of,
)
from tests.support import buttons, eventually, file_share

assert desk and config_path  # fixtures, used by name
T_CARLA, T_BEN = "29:carla", "29:ben"


async def test_changes_need_a_comment_and_the_revision_returns_with_a_diff(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Sommerfest am Freitag\nMit Grillbuffet")
    ben_card = await dm(fake_slack, BEN, "Sommerfest")
    assert set(buttons(ben_card.blocks)) == {
        "approval.approve",
        "approval.changes",
        "approval.reject",
    }

    # A blank comment is refused in the modal itself: nothing is decided, nothing is lost.
    status, body = await click_and_comment(
        desk, fake_slack, BEN, ben_card, "approval.changes", "   "
    )
    assert status == 200
    errors = json.loads(body)
    assert errors["response_action"] == "errors"
    assert "Bitte schreib einen Kommentar" in errors["errors"]["comment"]
    modal = fake_slack.views[0]
    assert modal["title"]["text"] == "Änderungen anfordern"
    assert modal["blocks"][-1]["element"]["multiline"] is True
    async with desk.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 0

    status, body = await desk.slack.submit_view(
        BEN, modal, {"comment": "Bitte ohne Grillbuffet, das ist noch nicht bestätigt."}
    )
    assert status == 200 and body == ""
    told = await dm(fake_slack, CARLA, "asks for changes")  # Carla reads English
    assert "Ben Weber asks for changes to #1" in told.text
    assert "noch nicht bestätigt" in text_of(told)
    assert "/revise 1" in text_of(told)
    await eventually(lambda: ben_card.updates)
    assert "Änderungen angefordert von Ben Weber" in text_of(ben_card)
    assert buttons(ben_card.blocks) == {}

    answer = await say(desk, fake_slack, CARLA, "/revise", "1 Sommerfest am Freitag\nMit Kuchen")
    assert "Version 2 of #1 is submitted and is back with Fachliche Freigabe: Ben Weber" in answer

    second = await dm(fake_slack, BEN, "Sommerfest", n=2)
    shown = text_of(second)
    assert "Geändert seit Version 1" in shown
    # A word diff: the removed word struck through, the added one bold.
    assert "Mit ~Grillbuffet~ *Kuchen*" in shown
    assert "Version 2" in shown
    await click(desk, fake_slack, BEN, second, "approval.approve")

    anna_card = await dm(fake_slack, ANNA, "Sommerfest")
    assert "Social Media (2/2)" in text_of(anna_card)
    assert "Geändert seit" not in text_of(anna_card)  # Anna never saw version 1
    async with desk.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentVersion)) == 2


async def test_changes_asked_at_the_second_stage_return_to_the_second_stage(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Neue Stellenanzeige")
    await click(
        desk, fake_slack, BEN, await dm(fake_slack, BEN, "Stellenanzeige"), "approval.approve"
    )
    anna_card = await dm(fake_slack, ANNA, "Stellenanzeige")
    await click_and_comment(
        desk, fake_slack, ANNA, anna_card, "approval.changes", "Bitte mit Link zur Karriereseite"
    )
    await dm(fake_slack, CARLA, "asks for changes")

    await say(desk, fake_slack, CARLA, "/revise", "1 Neue Stellenanzeige: beispiel.de/karriere")
    again = await dm(fake_slack, ANNA, "Stellenanzeige", n=2)
    assert "~Stellenanzeige~ *Stellenanzeige: beispiel.de/karriere*" in text_of(again)
    assert "Social Media (2/2)" in text_of(again)
    assert len(dms(fake_slack, BEN, "Stellenanzeige")) == 1  # the lead is not asked again


async def test_revise_says_what_is_wrong_and_changes_nothing(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Adventskalender Türchen 1")
    await dm(fake_slack, BEN, "Adventskalender")

    assert "To send a revision" in await say(desk, fake_slack, CARLA, "/revise", "")
    assert "To send a revision" in await say(desk, fake_slack, CARLA, "/revise", "1")
    assert "Nobody asked for changes to #1 (status: in review)" in await say(
        desk, fake_slack, CARLA, "/revise", "1 Türchen 2"
    )
    assert "hast nicht du eingereicht" in await say(desk, fake_slack, BEN, "/revise", "1 Neu")
    assert "There is no content #99" in await say(desk, fake_slack, CARLA, "/revise", "99 x")
    async with desk.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentVersion)) == 1


async def test_in_teams_the_comment_is_an_input_on_the_card(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    for user, name, email in (
        (T_CARLA, "Carla Neumann", "carla@beispiel.de"),
        (T_BEN, "Ben Weber", "ben@beispiel.de"),
    ):
        fake_teams.add_member(user, name, email)
    await teams.install(T_BEN, "Ben Weber")
    await eventually(lambda: fake_teams.to(T_BEN))
    await teams.say(T_CARLA, "submit Pressemitteilung Quartalszahlen")
    card = await eventually(
        lambda: next((s for s in fake_teams.to(T_BEN) if "Quartalszahlen" in s.text), None)
    )
    await teams.click(T_BEN, "approval.changes", card.buttons["approval.changes"], reply_to=card.id)
    form = await eventually(
        lambda: next(
            (s for s in fake_teams.to(T_BEN) if "Was soll geändert werden?" in s.text), None
        )
    )
    assert form.card is not None
    assert any(
        b.get("type") == "Input.Text" and b.get("id") == "comment" for b in form.card["body"]
    )
    submit = form.buttons["approval.changes.submit"]

    before = len(fake_teams.to(T_BEN))
    await teams.click(T_BEN, "approval.changes.submit", submit, comment="  ")
    await eventually(lambda: len(fake_teams.to(T_BEN)) >= before + 2)  # refused, form again
    assert any("Bitte schreib einen Kommentar" in s.text for s in fake_teams.to(T_BEN)[before:])
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Decision)) == 0

    await teams.click(T_BEN, "approval.changes.submit", submit, comment="Zahlen erst ab 8 Uhr")
    told = await eventually(
        lambda: next((s for s in fake_teams.to(T_CARLA) if "asks for changes" in s.text), None)
    )
    assert "Zahlen erst ab 8 Uhr" in told.text


async def _send_file(
    desk: ClockedBot, fake: FakeSlackApi, user: str, n: int, text: str = "", **extra: str
) -> None:
    info = fake.add_file(f"FREV{n}", f"motiv-{n}.png", png(1080, 1080), "image/png")
    event = file_share(user, [info], f"1700000300.{n:06d}", text, **extra)
    assert (await desk.slack.event(event, event_id=f"EvREV{n}")).status == 200


async def _changes_requested(desk: ClockedBot, fake_slack: FakeSlackApi) -> Posted:
    await say(desk, fake_slack, CARLA, "/submit", "Herbstkampagne: Motiv")
    ben_card = await dm(fake_slack, BEN, "Herbstkampagne")
    await click_and_comment(desk, fake_slack, BEN, ben_card, "approval.changes", "Anderes Motiv")
    return await dm(fake_slack, CARLA, "asks for changes")


async def test_a_file_sent_as_reply_is_the_next_version(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    told = await _changes_requested(desk, fake_slack)
    await _send_file(desk, fake_slack, CARLA, 1, thread_ts=told.ts)

    answer = await eventually(lambda: fake_slack.ephemerals)
    assert "Version 2 of #1 is submitted" in answer[0]["text"]
    second = await dm(fake_slack, BEN, "Herbstkampagne", n=2)
    assert "motiv-1.png" in text_of(second)
    async with desk.runtime.sessions() as session:
        version = await session.scalar(select(ContentVersion).where(ContentVersion.number == 2))
        assert version is not None and version.text == "Herbstkampagne: Motiv"
        assert [a.filename for a in version.attachments] == ["motiv-1.png"]


async def test_a_file_captioned_with_the_item_is_its_next_version(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await _changes_requested(desk, fake_slack)
    await _send_file(desk, fake_slack, CARLA, 2, text="#1 Herbstkampagne: neues Motiv")
    second = await dm(fake_slack, BEN, "neues Motiv")
    assert "motiv-2.png" in text_of(second)


async def test_a_file_for_an_item_not_waiting_changes_nothing(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Herbstkampagne: Motiv")
    await dm(fake_slack, BEN, "Herbstkampagne")
    await _send_file(desk, fake_slack, CARLA, 3, text="#1 neues Motiv")
    answer = await eventually(lambda: fake_slack.ephemerals)
    assert "Nobody asked for changes to #1" in answer[0]["text"]
    async with desk.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentVersion)) == 1
