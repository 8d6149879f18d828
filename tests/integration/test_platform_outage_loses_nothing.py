"""Slack down for longer than any retry budget loses nothing: every card arrives once after
recovery. What is older than its time to live expires, and then the social media managers
are told once and can send it again from `/desk outbox`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.messages import Message
from bot.outbox import service as outbox
from bot.settings import Settings
from storage.models import OutboxMessage
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import block_texts, buttons, eventually, eventually_async, people_on_slack, say

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin
CARLA, BEN, ANNA = "U0CARLA", "U0BEN", "U01ANNA"


def _cards_to_ben(fake: FakeSlackApi, text: str) -> list[Posted]:
    return [m for m in fake.dms_to(BEN) if text in m.text + block_texts(m.blocks)]


async def _submit_while_down(
    bot: RunningBot, fake: FakeSlackApi, outage: int, texts: list[str]
) -> None:
    """Carla is known (she submitted once while Slack was up); then Slack goes down and
    she submits `texts`: the cards to Ben wait in the outbox."""
    await bot.slack.command(CARLA, "/submit", "Beitrag vor dem Ausfall")
    await eventually(lambda: _cards_to_ben(fake, "Beitrag vor dem Ausfall"))

    async def delivered() -> bool:  # Carla's answers too, not only Ben's card
        return not await _rows(bot, "pending")

    await eventually_async(delivered)
    fake.outage = outage
    for text in texts:
        await bot.slack.command(CARLA, "/submit", text)

    async def waiting() -> bool:
        async with bot.runtime.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.key.startswith("approval:"), OutboxMessage.status == "pending")
            )
        return count == len(texts)

    await eventually_async(waiting)


async def _minutes(bot: RunningBot, minutes: int, step: int = 1) -> None:
    """Let time pass on the frozen clock, one dispatcher round per step."""
    for _ in range(0, minutes, step):
        bot.advance(timedelta(minutes=step))
        await bot.runtime.dispatcher.deliver_due()


async def _rows(bot: RunningBot, status: str) -> list[OutboxMessage]:
    async with bot.runtime.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.status == status)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )


@pytest.mark.parametrize("outage", [503, 0], ids=["5xx", "no-answer"])
async def test_a_30_minute_outage_loses_nothing(
    settings: Settings, fake_slack: FakeSlackApi, outage: int
) -> None:
    people_on_slack(fake_slack)
    texts = [f"Beitrag {n} während des Ausfalls" for n in range(1, 4)]
    async with serve(settings, fake_slack, start=START) as bot:
        await _submit_while_down(bot, fake_slack, outage, texts)
        await _minutes(bot, 30, step=2)
        assert all(not _cards_to_ben(fake_slack, text) for text in texts)
        tried = max(row.attempts for row in await _rows(bot, "pending"))
        assert tried > 8  # the old budget: every card would have been `failed` by now

        fake_slack.outage = None
        await _minutes(bot, 6)
        await eventually(lambda: all(_cards_to_ben(fake_slack, text) for text in texts))
        await _minutes(bot, 6)  # nothing is sent a second time afterwards

        received = [len(_cards_to_ben(fake_slack, text)) for text in texts]
        sent = sum(1 for n in received if n)
        lost = received.count(0)
        duplicated = sum(n - 1 for n in received if n > 1)
        label = outage or "no answer"
        print(f"30-minute outage ({label}): sent {sent}, lost {lost}, duplicated {duplicated}")
        print(f"  most attempts for one message: {tried}")
        assert (sent, lost, duplicated) == (len(texts), 0, 0)
        assert await _rows(bot, "expired") == []


async def test_expired_messages_are_summarised_once_and_can_be_sent_again(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    settings = settings.model_copy(update={"outbox_ttl_seconds": 3600.0})
    texts = [f"Beitrag {n} für die Ablage" for n in range(1, 4)]
    async with serve(settings, fake_slack, start=START) as bot:
        await _submit_while_down(bot, fake_slack, 503, texts)
        await _minutes(bot, 70, step=10)
        expired = await _rows(bot, "expired")
        assert len(expired) == 6  # Ben's three cards and Carla's three status messages
        assert all("503" in (row.last_error or "") for row in expired)

        fake_slack.outage = None
        await _minutes(bot, 1)
        await eventually(lambda: [m for m in fake_slack.dms_to(ANNA) if "zugestellt" in m.text])
        await _minutes(bot, 10)
        summaries = [m for m in fake_slack.dms_to(ANNA) if "zugestellt" in m.text]
        assert len(summaries) == 1
        summary = block_texts(summaries[0].blocks)
        assert "6 Nachrichten konnten nicht zugestellt werden" in summaries[0].text
        assert "3 Nachrichten an Ben Weber konnten nicht zugestellt werden" in summary
        assert "/desk outbox" in summary
        assert all(not _cards_to_ben(fake_slack, text) for text in texts)

        refused = await say(bot, fake_slack, CARLA, "/desk", "outbox")
        assert "nur für das Social-Media-Team" in refused

        before = len(fake_slack.responses)
        await bot.slack.command(ANNA, "/desk", "outbox")
        await eventually(lambda: len(fake_slack.responses) > before)
        listing = fake_slack.responses[before]
        shown = block_texts(listing["blocks"])
        assert "Ausgang: 6 Nachrichten stecken fest" in shown
        assert shown.count("an Ben Weber · abgelaufen") == 3
        resend = buttons(listing["blocks"])
        assert resend["outbox.resend"] in {str(row.id) for row in expired}

        first = next(row for row in expired if (row.key or "").startswith("approval:"))
        await bot.slack.click(ANNA, "outbox.resend", str(first.id))
        await eventually(
            lambda: any(
                f"#{first.id} wird jetzt erneut gesendet" in str(r.get("text"))
                for r in fake_slack.responses
            )
        )
        await _minutes(bot, 1)
        arrived = [len(_cards_to_ben(fake_slack, text)) for text in texts]
        assert arrived == [1, 0, 0]


async def test_a_message_for_a_platform_that_is_off_is_not_kept_waiting(
    settings: Settings, fake_slack: FakeSlackApi
) -> None:
    people_on_slack(fake_slack)
    async with serve(settings, fake_slack, start=START) as bot:
        async with bot.runtime.sessions.begin() as session:
            outbox.post_to_channel(
                session, "whatsapp", "Redaktion", Message(text="Agenda"), now=START
            )
        await _minutes(bot, 2)
        assert await _rows(bot, "unreachable") == []  # a restart may still switch it on
        await _minutes(bot, 5)
        (row,) = await _rows(bot, "unreachable")
        assert row.last_error == "platform whatsapp is not configured on this server"
        await _minutes(bot, 1)
        (summary,) = await eventually(
            lambda: [m for m in fake_slack.dms_to(ANNA) if "zugestellt" in m.text]
        )
        assert "1 Nachricht an Kanal Redaktion (whatsapp) konnte nicht zugestellt werden" in (
            block_texts(summary.blocks)
        )
