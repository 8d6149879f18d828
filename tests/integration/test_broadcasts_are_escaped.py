"""People's text never notifies everyone or hides a link, wherever the bot shows it.

In Slack, `<!channel>`, `<!here>`, `<@U…>` and `<https://evil|click me>` are markup in a
message's `text` (the notification) as much as in its blocks; in Teams, `[click](https://evil)`
is a live link on a card. What the approver gets shows them as typed."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient
from tests.integration.crisis_support import crisis_bot
from tests.integration.teams_support import nth
from tests.integration.test_teams_submit_and_approve import (
    BEN,
    CARLA,
    everyone_installs,
    people_in_teams,
)
from tests.support import block_texts, dm, eventually, people_on_slack

__all__ = ["crisis_bot"]

HOSTILE = "<!channel> <!here> <!everyone> <https://evil.example|klick> & mehr"
ESCAPED = (
    "&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;https://evil.example|klick&gt; &amp; mehr"
)
CARLA_SLACK, BEN_SLACK, ANNA_SLACK = "U0CARLA", "U0BEN", "U01ANNA"


def assert_inert(text: str) -> None:
    """No Slack markup left: every `<` and `>` escaped, every `&` an entity."""
    assert "<" not in text and ">" not in text, text[:300]
    assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")


def everything_sent(posted: Posted) -> list[str]:
    return [posted.text, block_texts(posted.blocks)]


async def test_a_submission_with_broadcasts_reaches_the_approver_escaped(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    resp = await bot.slack.command(CARLA_SLACK, "/submit", HOSTILE)
    assert resp.status == 200

    ben_card = await dm(fake_slack, BEN_SLACK)
    assert ESCAPED in ben_card.text  # the notification: title from the first line
    assert ESCAPED in block_texts(ben_card.blocks)
    for text in everything_sent(ben_card):
        assert_inert(text)
    confirmation: dict[str, Any] = (await eventually(lambda: fake_slack.responses))[0]
    assert_inert(str(confirmation["text"]))
    assert ESCAPED in confirmation["text"]


async def test_a_crisis_named_with_a_broadcast_pages_nobody_else(
    crisis_bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    await crisis_bot.slack.command(ANNA_SLACK, "/crisis", "<!channel> Rückruf <https://evil|hier>")

    def room_posts() -> list[Posted]:
        return [p for c in fake_slack.channels for p in fake_slack.posts_in(c)]

    protocol = (await eventually(room_posts))[0]
    assert "&lt;!channel&gt; Rückruf &lt;https://evil|hier&gt;" in protocol.text
    for text in everything_sent(protocol):
        assert_inert(text)
    page = await dm(fake_slack, BEN_SLACK)
    assert "&lt;!channel&gt; Rückruf" in page.text
    for text in everything_sent(page):
        assert_inert(text)


async def test_a_markdown_link_in_content_is_inert_on_the_teams_card(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    people_in_teams(fake_teams)
    await everyone_installs(teams, fake_teams)
    await teams.say(CARLA, "submit Neue Aktion [jetzt klicken](https://evil.example/login) !")

    ben_card = await nth(fake_teams, BEN, 2)
    assert ben_card.card is not None
    texts = [e["text"] for e in ben_card.card["body"] if e["type"] == "TextBlock"]
    assert not any("](" in text for text in texts)
    shown = "\n".join(texts).replace("\u200b", "")
    assert "Neue Aktion [jetzt klicken](https://evil.example/login) !" in shown  # as typed
