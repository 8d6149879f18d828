"""Mentions reach the engine neutrally: `@<user id>` in the text, the id in Command.mentions."""

from __future__ import annotations

from botbuilder.schema import Activity

from adapters.slack.app import neutral_mentions as slack_mentions
from adapters.teams.app import neutral_mentions as teams_mentions


def test_slack_mentions_become_user_ids() -> None:
    text, mentions = slack_mentions("/desk delegate <@U0FELIX|felix> until 2026-12-01 <@U0X>")
    assert text == "/desk delegate @U0FELIX until 2026-12-01 @U0X"
    assert mentions == {"U0FELIX": "felix", "U0X": ""}


def test_teams_mentions_become_user_ids_and_the_bot_disappears() -> None:
    activity = Activity.deserialize(
        {
            "type": "message",
            "text": "<at>socialdesk</at> delegate <at>Ben Weber</at> until 2026-12-01",
            "recipient": {"id": "28:bot"},
            "entities": [
                {"type": "mention", "mentioned": {"id": "28:bot"}, "text": "<at>socialdesk</at>"},
                {
                    "type": "mention",
                    "mentioned": {"id": "29:ben", "name": "Ben Weber"},
                    "text": "<at>Ben Weber</at>",
                },
            ],
        }
    )
    assert teams_mentions(activity) == (
        "delegate @29:ben until 2026-12-01",
        {"29:ben": "Ben Weber"},
    )
