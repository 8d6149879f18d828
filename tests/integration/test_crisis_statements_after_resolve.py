"""A crisis statement must not outlive its crisis unnoticed: whoever resolves the crisis is asked
what happens to statements still in approval, and a deadline that passes always tells someone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import ContentItem
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.crisis_support import (
    ANNA,
    BEN,
    DAVID,
    CrisisBot,
    crisis_bot,
    reply_to,
)
from tests.support import buttons, eventually

__all__ = ["crisis_bot"]


async def _statement_then_resolve(bot: CrisisBot, fake: FakeSlackApi) -> dict[str, str]:
    """Anna declares, submits a statement nobody approves, resolves; the buttons she gets."""
    await bot.slack.command(ANNA, "/crisis", "Rückruf Kinderwagen")
    await reply_to(fake, "cmd")
    await bot.slack.command(ANNA, "/crisis", "statement Wir nehmen das sehr ernst.")
    await reply_to(fake, "cmd", 2)
    await eventually(
        lambda: [m for m in fake.dms_to(BEN) if "approval.approve" in buttons(m.blocks)]
    )
    bot.advance(timedelta(minutes=5))
    await bot.slack.command(ANNA, "/crisis", "resolve Entwarnung")
    said = await reply_to(fake, "cmd", 3)
    assert "Krise #1 ist beendet" in said
    assert (
        "1 Statement ist noch in der Freigabe" in said and "#1 Wir nehmen das sehr ernst." in said
    )
    answer = [r for r in fake.responses if r["_url"].startswith("cmd")][2]
    return buttons(answer["blocks"])


async def _status(bot: CrisisBot) -> str:
    async with bot.runtime.sessions() as session:
        item = await session.scalar(select(ContentItem))
        assert item is not None
        return item.status


async def test_the_resolver_withdraws_an_open_statement(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    offered = await _statement_then_resolve(bot, fake)
    assert offered == {"crisis.statement_withdraw": "1:1", "crisis.statement_continue": "1:1"}
    ben_card = next(m for m in fake.dms_to(BEN) if "approval.approve" in buttons(m.blocks))

    await bot.slack.click(ANNA, "crisis.statement_withdraw", "1:1")
    said = await reply_to(fake, "click")
    assert "Statement #1 „Wir nehmen das sehr ernst.“ ist zurückgezogen" in said
    await eventually(lambda: buttons(ben_card.blocks) == {})
    assert await _status(bot) == "withdrawn"

    # Nothing reminds or chases it any more, and clicking again changes nothing.
    sent = {who: len(fake.dms_to(who)) for who in (ANNA, BEN, DAVID)}
    bot.advance(timedelta(hours=2))
    await bot.run_timers()
    await bot.slack.click(ANNA, "crisis.statement_continue", "1:1")
    assert "Über Statement #1 ist schon entschieden" in await reply_to(fake, "click", 2)
    await bot.slack.command(ANNA, "/crisis", "status 1")
    assert "#1 (zurückgezogen)" in await reply_to(fake, "cmd", 4)
    assert {who: len(fake.dms_to(who)) for who in (ANNA, BEN, DAVID)} == sent


async def test_a_statement_carried_on_is_chased_like_any_approval(
    crisis_bot: CrisisBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = crisis_bot, fake_slack
    await _statement_then_resolve(bot, fake)
    await bot.slack.click(ANNA, "crisis.statement_continue", "1:1")
    assert "läuft als normale Freigabe weiter" in await reply_to(fake, "click")
    assert await _status(bot) == "in_review"

    # Its 15 minutes pass; there is nobody to escalate to (the submitter is the social media
    # manager), so the social media managers are told instead of nobody.
    bot.advance(timedelta(minutes=15))
    await bot.run_timers()
    late = await eventually(lambda: [m for m in fake.dms_to(ANNA) if "Frist" in m.text])
    assert "#1 „Wir nehmen das sehr ernst.“: die Frist der Stufe Krisenfreigabe" in late[0].text
    assert "Es warten noch: " in late[0].text and "Ben Weber" in late[0].text
