"""A form that cannot open at once (typed in a DM: Slack gives no trigger) arrives as a button
that opens it: the person's input is asked for, not lost."""

from __future__ import annotations

from tests.conftest import RunningBot
from tests.fakes.slack_api import FakeSlackApi
from tests.support import block_texts, eventually


async def test_submit_typed_in_a_dm_offers_the_form_as_a_button(
    bot: RunningBot, fake_slack: FakeSlackApi
) -> None:
    fake_slack.add_user("U0CARLA", "carla@beispiel.de")
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0CARLA",
        "user": "U0CARLA",
        "text": "submit",
        "ts": "1700000400.000001",
    }
    assert (await bot.slack.event(event, event_id="EvFORM")).status == 200
    offer = (await eventually(lambda: fake_slack.ephemerals))[0]
    assert fake_slack.views == []  # no trigger: nothing could open yet
    button = next(
        e
        for b in offer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "socialdesk.form.open"
    )
    assert button["text"]["text"] == "Inhalt einreichen"
    assert "Inhalt einreichen" in block_texts(offer["blocks"])

    resp = await bot.slack.click("U0CARLA", "socialdesk.form.open", button["value"])
    assert resp.status == 200
    modal = (await eventually(lambda: fake_slack.views))[0]
    assert modal["title"]["text"] == "Inhalt einreichen"
    assert {b["block_id"] for b in modal["blocks"] if b["type"] == "input"} == {
        "text",
        "channels",
        "publish_at",
        "text.linkedin",  # a text per channel, optional
        "text.instagram",
        "text.x",
        "files",
    }
