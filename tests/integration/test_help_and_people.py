"""People are recognised by their e-mail, strangers are told what to do, and everyone gets help
in their own language."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import PlatformIdentity
from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.support import block_texts, eventually, example_org_with, set_person


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The example organisation, with Felix preferring English."""
    return example_org_with(tmp_path, lambda raw: set_person(raw, "felix", locale="en"))


async def test_help_lists_commands_in_german(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    await bot.slack.command("U0CARLA", "/desk", "help")
    answer = await eventually(lambda: fake_slack.responses)
    text = block_texts(answer[0]["blocks"])
    assert "Das kann socialdesk:" in text
    assert "`/submit TEXT` – Inhalt zur Freigabe einreichen" in text


async def test_help_in_english_for_a_person_who_prefers_it(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user("U0FELIX", "felix@beispiel.de")
    await bot.slack.command("U0FELIX", "/desk", "help")
    answer = await eventually(lambda: fake_slack.responses)
    assert "`/submit TEXT` – submit content for approval" in block_texts(answer[0]["blocks"])


async def test_a_typo_gets_the_closest_command_not_the_whole_help(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    await bot.slack.command("U0CARLA", "/desk", "statsu")
    answer = await eventually(lambda: fake_slack.responses)
    text = block_texts(answer[0]["blocks"])
    assert "Den Befehl „statsu“ kenne ich nicht. Meintest du *stats*?" in text
    assert "`/desk stats` – Durchlaufzeiten der Freigaben" in text  # how it goes
    assert "`/desk hilfe` zeigt alle Befehle." in text
    assert "/submit TEXT" not in text  # not the whole help


async def test_a_typo_in_english(bot: RunningBot, fake_slack: FakeSlackApi) -> None:
    fake_slack.add_user("U0FELIX", "felix@beispiel.de")
    await bot.slack.command("U0FELIX", "/desk", "sumbit Messe")
    answer = await eventually(lambda: fake_slack.responses)
    assert "I don't know the command “sumbit”. Did you mean *submit*?" in block_texts(
        answer[0]["blocks"]
    )


async def test_a_command_like_no_other_points_to_help(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    await bot.slack.command("U0CARLA", "/desk", "freigeben 12")
    answer = await eventually(lambda: fake_slack.responses)
    text = answer[0]["text"] + block_texts(answer[0].get("blocks") or [])
    assert "Den Befehl „freigeben“ kenne ich nicht. `/desk hilfe` zeigt alle Befehle." in text
    assert "Meintest du" not in text and "/submit TEXT" not in text


async def test_stranger_is_told_to_ask_the_social_media_team(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await bot.slack.command("U0STRANGER", "/submit", "Hallo")
    answer = await eventually(lambda: fake_slack.responses)
    assert "Ich kenne dich noch nicht" in answer[0]["text"]


async def test_slack_id_is_looked_up_by_email_and_kept(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    """Ben has no slack_id in the file: the first DM to him finds him by e-mail, once."""
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    fake_slack.add_user("U0BEN", "ben@beispiel.de")
    for text in ("Erster Beitrag", "Zweiter Beitrag"):
        await bot.slack.command("U0CARLA", "/submit", text)
    await eventually(lambda: len(fake_slack.dms_to("U0BEN")) == 2)
    lookups = [c.params["email"] for c in fake_slack.calls_to("users.lookupByEmail")]
    assert lookups == ["ben@beispiel.de"]
    async with bot.runtime.sessions() as session:
        ids = (
            await session.scalars(
                select(PlatformIdentity.user_id)
                .where(PlatformIdentity.platform == "slack")  # the file also names Teams ids
                .order_by(PlatformIdentity.id)
            )
        ).all()
    assert set(ids) == {"U01ANNA", "U0CARLA", "U0BEN"}
