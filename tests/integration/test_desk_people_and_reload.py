"""`/desk reload` and `/desk people` for the social media managers, and what happens to the
work of someone who left. The file watch is slowed down here so that only `/desk reload`
applies the changes these tests make."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.conftest import RunningBot, make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import ANNA, BEN, CARLA, FELIX, click, dm, text_of
from tests.integration.test_organisation_reload import GINA, config_path, rewrite, write
from tests.support import buttons, eventually, people_on_slack, say

assert config_path  # a fixture, used by name


@pytest.fixture
def settings(
    database_url: str, fake_slack: FakeSlackApi, config_path: Path, tmp_path: Path
) -> Settings:
    return make_settings(
        database_url, fake_slack, tmp_path, config=config_path, SOCIALDESK_ORG_POLL=3600
    )


async def test_desk_reload_answers_with_what_changed(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    answer = await say(bot, fake_slack, CARLA, "/desk", "reload")
    assert "Das können nur die Social-Media-Manager." in answer

    def change(raw: dict[str, Any]) -> None:
        raw["people"].append(GINA)
        raw["people"] = [p for p in raw["people"] if p["handle"] != "eva"] + [
            {**next(p for p in raw["people"] if p["handle"] == "eva"), "active": False}
        ]

    rewrite(config_path, change)
    answer = await say(bot, fake_slack, ANNA, "/desk", "reload")
    assert "Organisation neu geladen." in answer
    assert "Neu: 1 gina" in answer and "Ausgeschieden: 1 eva" in answer
    await eventually(lambda: bot.runtime.org.person("gina") is not None)

    write(config_path, "organization: [kaputt")
    answer = await say(bot, fake_slack, ANNA, "/desk", "reload")
    assert f"Die Organisationsdatei {config_path} hat Fehler" in answer
    assert "not valid YAML" in answer
    assert bot.runtime.org.person("gina") is not None


async def test_desk_people_shows_who_is_known_and_where(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    await say(bot, fake_slack, CARLA, "/desk", "help")  # Carla is reached on Slack now
    answer = await say(bot, fake_slack, ANNA, "/desk", "people")
    assert "6 Personen bei socialdesk" in answer
    assert "*Marketing* (`marketing`)" in answer
    assert "Ben Weber (`ben`) · Geschäftsführung · Teams" in answer
    assert "Carla Neumann (`carla`) · Slack, Teams" in answer
    assert "Anna Schmidt (`anna`) · Social-Media-Team · Slack, Teams" in answer

    answer = await say(bot, fake_slack, ANNA, "/desk", f"people <@{CARLA}|carla>")
    assert "Carla Neumann (`carla`)" in answer and "Marketing" in answer
    assert "Slack (zuletzt" in answer

    answer = await say(bot, fake_slack, CARLA, "/desk", "people")
    assert "Das können nur die Social-Media-Manager." in answer


async def test_a_leaver_s_waiting_approval_moves_on_and_the_card_says_why(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    await say(bot, fake_slack, CARLA, "/submit", "Sommerfest-Fotos")
    ben_card = await dm(fake_slack, BEN, "Sommerfest")
    assert "approval.approve" in buttons(ben_card.blocks)

    def ben_leaves(raw: dict[str, Any]) -> None:
        next(p for p in raw["people"] if p["handle"] == "ben")["active"] = False

    rewrite(config_path, ben_leaves)
    answer = await say(bot, fake_slack, ANNA, "/desk", "reload")
    assert "Ausgeschieden: 1 ben" in answer

    # Ben's fallback (role:management) was only Ben: the social media managers decide.
    anna_card = await dm(fake_slack, ANNA, "Sommerfest")
    assert "Du entscheidest, weil Ben Weber nicht mehr dabei ist" in text_of(anna_card)
    assert "approval.approve" in buttons(anna_card.blocks)
    await eventually(lambda: "approval.approve" not in buttons(ben_card.blocks))
    assert "Das entscheidet jetzt Anna Schmidt." in text_of(ben_card)
    await click(bot, fake_slack, ANNA, anna_card, "approval.approve")
    await eventually(lambda: anna_card.updates)
    assert "Freigegeben von Anna Schmidt" in text_of(anna_card)


async def test_a_content_request_to_someone_who_left_goes_to_their_lead(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    await say(bot, fake_slack, ANNA, "/request", "@carla Foto vom Stand bis Freitag 15 Uhr")
    await dm(fake_slack, CARLA, "Foto vom Stand")

    def carla_leaves(raw: dict[str, Any]) -> None:
        next(p for p in raw["people"] if p["handle"] == "carla")["active"] = False

    rewrite(config_path, carla_leaves)
    assert "Ausgeschieden: 1 carla" in await say(bot, fake_slack, ANNA, "/desk", "reload")
    told = await dm(fake_slack, BEN, "Foto vom Stand")
    assert "ging an Carla Neumann, die oder der nicht mehr dabei ist" in text_of(told)


async def test_a_new_department_lead_takes_over_the_waiting_approvals(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    fake_slack.add_user("U0DAVID", "david@beispiel.de")
    await say(bot, fake_slack, CARLA, "/submit", "Sommerfest-Fotos")
    ben_card = await dm(fake_slack, BEN, "Sommerfest")

    def david_leads_marketing(raw: dict[str, Any]) -> None:
        raw["departments"][0]["lead"] = "david"

    rewrite(config_path, david_leads_marketing)
    answer = await say(bot, fake_slack, ANNA, "/desk", "reload")
    assert "Geändert: 2 ben, david" in answer  # Carla stays in Marketing: unchanged

    david_card = await dm(fake_slack, "U0DAVID", "Sommerfest")
    assert "Du entscheidest, weil Ben Weber diese Stufe nicht mehr freigibt" in text_of(david_card)
    assert "approval.approve" in buttons(david_card.blocks)
    await eventually(lambda: "approval.approve" not in buttons(ben_card.blocks))
    assert "Das entscheidet jetzt David Krause." in text_of(ben_card)


async def test_a_stand_in_who_left_gives_the_approvals_back_and_the_delegation_ends(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    fake_slack.add_user(FELIX, "felix@beispiel.de")
    await say(bot, fake_slack, BEN, "/desk", f"delegate <@{FELIX}|felix> until 2026-12-31")
    await say(bot, fake_slack, CARLA, "/submit", "Sommerfest-Fotos")
    felix_card = await dm(fake_slack, FELIX, "Sommerfest")
    assert "Du entscheidest als Vertretung für Ben Weber" in text_of(felix_card)

    def felix_leaves(raw: dict[str, Any]) -> None:
        next(p for p in raw["people"] if p["handle"] == "felix")["active"] = False

    rewrite(config_path, felix_leaves)
    assert "Ausgeschieden: 1 felix" in await say(bot, fake_slack, ANNA, "/desk", "reload")
    ben_card = await dm(fake_slack, BEN, "Sommerfest", n=2)  # his own card, with buttons
    assert "approval.approve" in buttons(ben_card.blocks)
    await eventually(lambda: "approval.approve" not in buttons(felix_card.blocks))

    await say(bot, fake_slack, CARLA, "/submit", "Weihnachtsfeier")  # the delegation ended
    await dm(fake_slack, BEN, "Weihnachtsfeier")
    assert not [m for m in fake_slack.dms_to(FELIX) if "Weihnachtsfeier" in m.text]
