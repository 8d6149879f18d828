"""A text per channel (#14 item 1, #13 item 9): the submitter writes a LinkedIn text and an X
text beside the main text; X is checked on the X text, approvers see both, the revise form
comes back with both, and X's hand-off gives the X text to copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.models import ContentVersion
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.intake_files import png
from tests.integration.test_plan_and_post import desk
from tests.support import block_texts, buttons, eventually, file_share

assert desk  # a fixture, used by name

ANNA, BEN, CARLA = "U01ANNA", "U0BEN", "U0CARLA"
TUESDAY_10 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# Fits LinkedIn (3,000), far too long for X (280, strict: it would block the submission).
MAIN = "Sommerfest 2026\n" + "Wir feiern am Freitag im Hof, mit Musik und Kuchen. " * 8
LINKEDIN = "Sommerfest 2026: ein Abend für unser ganzes Team und alle, die es werden wollen."
X_TEXT = "Freitag: Sommerfest im Hof 🎉 #sommerfest"


def shown(message: Posted) -> str:
    return message.text + "\n" + block_texts(message.blocks)


def dms(fake: FakeSlackApi, user: str, containing: str) -> list[Posted]:
    return [m for m in fake.dms_to(user) if containing in shown(m)]


async def dm(fake: FakeSlackApi, user: str, containing: str, n: int = 1) -> Posted:
    await eventually(lambda: len(dms(fake, user, containing)) >= n)
    return dms(fake, user, containing)[n - 1]


async def opened(fake: FakeSlackApi, before: int) -> dict[str, Any]:
    view: dict[str, Any] = await eventually(
        lambda: fake.views[before] if len(fake.views) > before else None
    )
    return view


async def submit_form(bot: RunningBot, fake: FakeSlackApi, values: dict[str, str]) -> None:
    before = len(fake.views)
    await bot.slack.command(CARLA, "/submit", "")
    view = await opened(fake, before)
    status, _ = await bot.slack.submit_view(CARLA, view, values)
    assert status == 200


def initial_values(view: dict[str, Any]) -> dict[str, str]:
    """What each text input of a modal shows when it opens, by input name."""
    return {
        b["block_id"]: b["element"].get("initial_value", "")
        for b in view["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "plain_text_input"
    }


async def click(bot: RunningBot, user: str, card: Posted, action: str) -> None:
    resp = await bot.slack.click(user, action, buttons(card.blocks)[action])
    assert resp.status == 200


async def test_each_channel_gets_its_own_text_from_submission_to_hand_off(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = desk, fake_slack
    # The form offers a text per channel of the registry.
    before = len(fake.views)
    await bot.slack.command(CARLA, "/submit", "")
    form = json.dumps(await opened(fake, before), ensure_ascii=False)
    assert "Text für LinkedIn" in form and "Text für X" in form and "Text für Instagram" in form

    # Without an X text the main text is too long for X, which is strict: not submitted.
    await submit_form(bot, fake, {"text": MAIN, "channels": "linkedin,x"})
    blocked = await eventually(lambda: [r for r in fake.ephemerals if "Noch nicht" in str(r)])
    assert "X: " in json.dumps(blocked, ensure_ascii=False)
    assert dms(fake, BEN, "Freigabe angefragt") == []

    # With one, X is checked on the X text: nothing stands in the way.
    await submit_form(
        bot,
        fake,
        {
            "text": MAIN,
            "channels": "linkedin,x",
            "text.linkedin": LINKEDIN,
            "text.x": X_TEXT,
            "publish_at": "dienstag 10:00",
        },
    )
    card = await dm(fake, BEN, "Freigabe angefragt")
    seen = shown(card)
    assert "Text für LinkedIn:" in seen and LINKEDIN in seen
    assert "Text für X:" in seen and X_TEXT in seen
    assert "Zeichen, erlaubt sind" not in seen  # no length finding: X's own text fits
    assert "Passt zu allen gewählten Kanälen" in seen

    # Ben asks for changes; the revise form comes back with every text as it was.
    before = len(fake.views)
    await click(bot, BEN, card, "approval.changes")
    status, _ = await bot.slack.submit_view(
        BEN, await opened(fake, before), {"comment": "Bitte bei X ohne Emoji."}
    )
    assert status == 200
    told = await dm(fake, CARLA, "Bitte bei X ohne Emoji", 1)
    before = len(fake.views)
    await click(bot, CARLA, told, "approval.revise")
    revise = await opened(fake, before)
    prefilled = initial_values(revise)
    assert prefilled["text"] == MAIN.strip()
    assert prefilled["text.linkedin"] == LINKEDIN and prefilled["text.x"] == X_TEXT
    assert "text.instagram" not in prefilled  # only the item's channels
    new_x = "Freitag: Sommerfest im Hof #sommerfest"
    status, _ = await bot.slack.submit_view(
        CARLA, revise, {"text": MAIN, "text.linkedin": LINKEDIN, "text.x": new_x}
    )
    assert status == 200
    await eventually(lambda: len(fake.dms_to(BEN)) >= 2)  # the first card says "erbeten" now
    second = fake.dms_to(BEN)[1]
    again = shown(second)
    assert "Text für X – geändert" in again and "~🎉~" in again  # the X text's own diff
    assert "Text für LinkedIn – geändert" not in again
    async with bot.runtime.sessions() as session:
        versions = (await session.scalars(select(ContentVersion).order_by("id"))).all()
        item_id = versions[0].item_id  # the blocked draft above has kept its own number
        assert [v.channel_texts for v in versions] == [
            {"linkedin": LINKEDIN, "x": X_TEXT},
            {"linkedin": LINKEDIN, "x": new_x},
        ]

    # A card that had to be cut points to the history: it gives every channel's text whole.
    before = len(fake.responses)
    await bot.slack.command(CARLA, "/desk", f"history {item_id}")
    x_title = f"Text für X von #{item_id}, Version 2 (Teil 1/1)"
    await eventually(lambda: x_title in json.dumps(fake.responses[before:], ensure_ascii=False))
    answers = json.dumps(fake.responses[before:], ensure_ascii=False)
    assert new_x in answers
    assert f"Text für LinkedIn von #{item_id}, Version 2" in answers

    # Approved; Anna plans X, and at the time she gets the X text to copy.
    await click(bot, BEN, second, "approval.approve")
    await click(bot, ANNA, await dm(fake, ANNA, "Freigabe angefragt"), "approval.approve")
    await dm(fake, ANNA, "bitte einplanen")
    for n, channel in enumerate(("x", "linkedin"), start=1):
        before = len(fake.views)
        resp = await bot.slack.click(ANNA, "publishing.plan", f"{item_id}:{channel}")
        assert resp.status == 200
        plan = await opened(fake, before)
        status, _ = await bot.slack.submit_view(ANNA, plan, {"date": "01.12.2026", "time": "10:00"})
        assert status == 200
        await eventually(lambda n=n: sum("Eingeplant" in str(r) for r in fake.ephemerals) == n)
    await bot.tick(TUESDAY_10)
    x_handoff = shown(await dm(fake, ANNA, "Jetzt posten: X"))
    assert new_x in x_handoff and "Wir feiern am Freitag" not in x_handoff
    linkedin_handoff = shown(await dm(fake, ANNA, "Jetzt posten: LinkedIn"))
    assert LINKEDIN in linkedin_handoff and new_x not in linkedin_handoff


async def test_a_text_for_a_channel_not_chosen_keeps_the_draft(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """Nothing typed is dropped unseen: the draft waits and its card says why."""
    await submit_form(
        desk, fake_slack, {"text": "Sommerfest", "channels": "linkedin", "text.x": X_TEXT}
    )
    answer = await eventually(
        lambda: [r for r in fake_slack.ephemerals if "nicht gewählt" in str(r)]
    )
    assert "Du hast einen Text für X geschrieben" in json.dumps(answer, ensure_ascii=False)
    draft = shown(await dm(fake_slack, CARLA, "Entwurf"))
    assert "Der Text für X wird nicht verwendet" in draft
    assert dms(fake_slack, BEN, "Freigabe angefragt") == []


async def test_in_teams_the_card_form_takes_a_text_per_channel(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    t_carla, t_ben = "29:carla", "29:ben"
    fake_teams.add_member(t_carla, "Carla Neumann", "carla@beispiel.de")
    fake_teams.add_member(t_ben, "Ben Weber", "ben@beispiel.de")
    await teams.install(t_ben, "Ben Weber")
    await teams.say(t_carla, "submit")
    form = await eventually(lambda: fake_teams.to(t_carla))
    assert form[0].card is not None
    labels = [e["label"] for e in form[0].card["body"] if e["type"] == "Input.Text"]
    assert "Text für X" in labels and "Text für LinkedIn" in labels

    await teams.click(
        t_carla,
        "intake.new.submit",
        "",
        reply_to=form[0].id,
        text=MAIN,
        channels="linkedin,x",
        **{"text.x": X_TEXT},
    )
    card = await eventually(
        lambda: next((s for s in fake_teams.to(t_ben) if "Freigabe angefragt" in s.text), None)
    )
    assert "Text für X:" in card.text and X_TEXT in card.text
    assert "Text für LinkedIn" not in card.text  # LinkedIn gets the main text
    assert "Passt zu allen gewählten Kanälen" in card.text


async def test_the_draft_card_takes_a_text_per_channel(
    desk: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """A visual sent as a file: under *Kanäle & Datum* the draft gets an X text, the card shows
    it and checks X on it, and the submission carries it."""
    info = fake_slack.add_file("F0001", "hof.png", png(1200, 1200))
    resp = await desk.slack.event(
        file_share(CARLA, [info], "1700000100.000001", MAIN), event_id="E1"
    )
    assert resp.status == 200
    draft = await dm(fake_slack, CARLA, "Entwurf")

    before = len(fake_slack.views)
    await click(desk, CARLA, draft, "intake.details")
    view = await opened(fake_slack, before)
    status, _ = await desk.slack.submit_view(
        CARLA, view, {"text": MAIN, "channels": "x", "text.x": X_TEXT, "text.linkedin": "nur so"}
    )
    assert status == 200
    await eventually(lambda: draft.updates)
    card = shown(draft)
    assert "Text für X:" in card and X_TEXT in card
    assert "Passt zu allen gewählten Kanälen" in card  # X is checked on its own text
    assert "Der Text für LinkedIn wird nicht verwendet" in card

    # Opened again, the form shows the texts as saved.
    before = len(fake_slack.views)
    await click(desk, CARLA, draft, "intake.details")
    again = initial_values(await opened(fake_slack, before))
    assert again["text.x"] == X_TEXT and again["text.linkedin"] == "nur so"

    await click(desk, CARLA, draft, "intake.submit")
    ben = shown(await dm(fake_slack, BEN, "Freigabe angefragt"))
    assert X_TEXT in ben and "nur so" not in ben  # LinkedIn was not chosen
