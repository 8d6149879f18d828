"""Approvers are reminded at 50 % and 90 % of a stage's SLA; when it passes, the request
escalates and the original approvers see it; `on_timeout: approve` makes silence consent.
Time is a FrozenClock; the leader's scheduler round is `run_due()`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.timers.runner import TimerRunner
from storage.models import ApprovalRequest, ContentItem, Timer
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import (
    ANNA,
    BEN,
    CARLA,
    FELIX,
    START,
    ClockedBot,
    click,
    config_path,
    desk,
    dm,
    dms,
    say,
    text_of,
)
from tests.support import buttons, eventually

assert desk and config_path  # fixtures, used by name


def reminders(fake: FakeSlackApi, user: str) -> list[str]:
    return [text_of(m) for m in dms(fake, user, "Erinnerung")]


async def test_reminders_then_escalation_which_the_approver_sees(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Rückblick auf die Messe")
    ben_card = await dm(fake_slack, BEN, "Rückblick")
    assert "26.11.2026, 14:00" in text_of(ben_card)  # due in 4 h, shown in Berlin time

    assert await desk.tick(START + timedelta(hours=1, minutes=59)) == 0
    assert reminders(fake_slack, BEN) == []
    await desk.tick(START + timedelta(hours=2))
    first = await dm(fake_slack, BEN, "Erinnerung")
    assert "noch 2 Std. bis zur Frist" in first.text
    assert set(buttons(first.blocks)) >= {"approval.approve"}  # decide right from the reminder
    await desk.tick(START + timedelta(hours=3, minutes=36))
    await eventually(lambda: len(reminders(fake_slack, BEN)) == 2)
    assert "noch 24 Min." in reminders(fake_slack, BEN)[1]

    await desk.tick(START + timedelta(hours=4))
    anna_card = await dm(fake_slack, ANNA, "Rückblick")
    assert "An dich eskaliert" in text_of(anna_card)
    await eventually(lambda: ben_card.updates)
    assert "Frist abgelaufen – eskaliert an Anna Schmidt" in text_of(ben_card)
    assert "approval.approve" in buttons(ben_card.blocks)  # Ben may still decide

    # Another round, and another replica after a restart: nothing fires twice.
    assert await desk.tick(START + timedelta(hours=5)) == 0
    rt = desk.runtime
    assert await TimerRunner(rt.sessions, rt.org, rt.clock).run_due() == 0
    assert len(reminders(fake_slack, BEN)) == 2
    assert len(dms(fake_slack, ANNA, "Rückblick")) == 1

    # The escalation target decides the stage alone; the next stage opens.
    await click(desk, fake_slack, ANNA, anna_card, "approval.approve")
    await dm(fake_slack, ANNA, "Rückblick", n=2)
    await eventually(lambda: len(ben_card.updates) >= 2)
    assert "Freigegeben von Anna Schmidt" in text_of(ben_card)


async def test_a_decision_cancels_the_reminders(desk: ClockedBot, fake_slack: FakeSlackApi) -> None:
    await say(desk, fake_slack, CARLA, "/submit", "Interview mit der Geschäftsführung")
    ben_card = await dm(fake_slack, BEN, "Interview")
    desk.clock.set(START + timedelta(hours=1))
    await click(desk, fake_slack, BEN, ben_card, "approval.approve")
    await dm(fake_slack, ANNA, "Interview")

    await desk.tick(START + timedelta(hours=5))  # stage 2's own timers fire; Ben's do not
    assert reminders(fake_slack, BEN) == []
    assert "An dich eskaliert" not in text_of(dms(fake_slack, ANNA, "Interview")[0])
    async with desk.runtime.sessions() as session:
        first = await session.scalar(select(ApprovalRequest).order_by(ApprovalRequest.id))
        assert first is not None
        timers = (
            await session.scalars(
                select(Timer).where(Timer.key.startswith(f"approval:{first.id}:"))
            )
        ).all()
        assert len(timers) == 3 and all(t.cancelled_at and not t.fired_at for t in timers)


async def test_silence_is_consent_where_the_path_says_so(
    desk: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    await say(desk, fake_slack, FELIX, "/submit", "Release Notes 4.2")  # produkt → schnell
    anna_card = await dm(fake_slack, ANNA, "Release Notes")

    await desk.tick(START + timedelta(hours=1))
    await dm(fake_slack, ANNA, "Erinnerung")
    await desk.tick(START + timedelta(hours=2))
    told = await dm(fake_slack, FELIX, "ist freigegeben")
    assert "Release Notes 4.2" in told.text
    await eventually(lambda: anna_card.updates)
    assert "Automatisch freigegeben" in text_of(anna_card)
    assert buttons(anna_card.blocks) == {}

    async with desk.runtime.sessions() as session:
        request = await session.scalar(select(ApprovalRequest))
        item = await session.scalar(select(ContentItem))
        assert request is not None and request.resolution == "timeout"
        assert item is not None and item.status == "approved"
    history = await say(desk, fake_slack, FELIX, "/desk", "history 1")
    assert "automatisch freigegeben (Frist abgelaufen)" in history

    # A late click (on the reminder's buttons) is told what happened.
    reminder = await dm(fake_slack, ANNA, "Erinnerung")
    await click(desk, fake_slack, ANNA, reminder, "approval.approve")
    late = await eventually(
        lambda: [r for r in fake_slack.responses if r["_url"].startswith("click")]
    )
    assert "automatisch freigegeben" in late[0]["text"]
