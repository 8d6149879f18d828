"""A button value or `#number` no row can have (beyond a 64-bit id, zero, not ASCII digits)
is an item that does not exist: the person is told so, never "something went wrong, try again"
(the database would overflow on such an id; trying again cannot help)."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.support import eventually, people_on_slack, say

BEN = "U0BEN"
HUGE = "99999999999999999999"  # > 2**63 - 1
TRY_AGAIN = "versuch es gleich noch einmal"


async def answer_to_click(bot: RunningBot, fake: FakeSlackApi, action: str, value: str) -> str:
    before = len(fake.responses)
    resp = await bot.slack.click(BEN, action, value)
    assert resp.status == 200
    answers = await eventually(lambda: fake.responses[before:])
    return str(answers[0].get("text", ""))


@pytest.mark.parametrize(
    ("action", "value", "told"),
    [
        ("approval.approve", HUGE, "Diese Freigabeanfrage gibt es nicht (mehr)."),
        ("approval.reject", HUGE, "Diese Freigabeanfrage gibt es nicht (mehr)."),
        ("approval.approve", "0", "Diese Freigabeanfrage gibt es nicht (mehr)."),
        ("approval.approve", "١٢", "Diese Freigabeanfrage gibt es nicht (mehr)."),
        ("content_request.accept", HUGE, "Diese Anfrage kenne ich nicht."),
        ("intake.submit", HUGE, "Diesen Entwurf kenne ich nicht"),
        ("crisis.ack", HUGE, "Diese Krise kenne ich nicht."),
        ("crisis.resume_item", f"1:{HUGE}", "Diese Krise kenne ich nicht."),
    ],
)
async def test_a_click_on_an_impossible_id_says_it_does_not_exist(
    bot: RunningBot, fake_slack: FakeSlackApi, action: str, value: str, told: str
) -> None:
    people_on_slack(fake_slack)
    said = await answer_to_click(bot, fake_slack, action, value)
    assert told in said
    assert TRY_AGAIN not in said


@pytest.mark.parametrize("text", [f"history {HUGE}", f"history #{HUGE}"])
async def test_history_of_an_impossible_number_says_there_is_no_such_item(
    bot: RunningBot, fake_slack: FakeSlackApi, text: str
) -> None:
    people_on_slack(fake_slack)
    said = await say(bot, fake_slack, BEN, "/desk", text)
    assert f"Einen Inhalt #{HUGE} gibt es nicht." in said


async def test_revising_an_impossible_number_says_there_is_no_such_item(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    said = await say(bot, fake_slack, BEN, "/revise", f"{HUGE} neuer Text")
    assert f"Einen Inhalt #{HUGE} gibt es nicht." in said
