"""A Teams connector that takes a message in and does not answer holds up nobody: the send is
given up after SOCIALDESK_OUTBOX_SEND_TIMEOUT and tried again, and the person gets it once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.settings import Settings
from storage.models import OutboxMessage
from tests.conftest import RunningBot
from tests.fakes.teams_connector import FakeTeamsConnector, Sent, TeamsClient
from tests.support import eventually, eventually_async

T_CARLA = "29:carla"
SILENCE = 4.0  # how long the connector keeps the first send without an answer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"outbox_send_timeout_seconds": 0.5})


async def test_a_send_without_answer_is_tried_again(
    bot: RunningBot, teams: TeamsClient, fake_teams: FakeTeamsConnector
) -> None:
    fake_teams.add_member(T_CARLA, "Carla Neumann", "carla@beispiel.de")
    fake_teams.go_silent(SILENCE)
    await teams.say(T_CARLA, "submit Trotz Funkstille")

    def confirmations() -> list[Sent]:
        return [s for s in fake_teams.to(T_CARLA) if "Eingereicht: #1" in s.text]

    await eventually(confirmations)  # the answer to her message, the first send: retried
    # … while the first call still hangs: nobody waited for it.
    assert fake_teams.unanswered == 1

    async def retried() -> OutboxMessage | None:
        async with bot.runtime.sessions() as session:
            rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.attempts > 1))
            return next((r for r in rows if r.status == "sent"), None)

    row = await eventually_async(retried)
    assert row.attempts == 2
    assert "teams did not answer within 0.5 s" in (row.last_error or "")

    await eventually(lambda: fake_teams.unanswered == 0, within=SILENCE + 5)
    assert len(confirmations()) == 1  # the hung call's late 503 left nothing to send twice
