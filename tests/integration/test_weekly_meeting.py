"""The weekly editorial meeting in Slack: reminders with each person's open items, topics,
the agenda in the meeting channel, and the social media manager changing the schedule.

Time is a FrozenClock; the scheduler's round is driven by `run_due()` instead of waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from storage.models import MeetingOverride, MeetingReminderSent, MeetingSettings, Timer
from tests.conftest import RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import block_texts, eventually, say

ANNA, BEN, CARLA, FELIX = "U01ANNA", "U0BEN", "U0CARLA", "U0FELIX"
CHANNEL = "C0REDAKTION"
# Monday 30 Nov 2026, 09:00 in Berlin; the meeting is on Tuesdays at 10:00 Berlin (09:00 UTC).
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
MEETING = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


ClockedBot = RunningBot  # frozen clock, rounds run by the test


@pytest.fixture
async def meeting_bot(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[ClockedBot]:
    """The real server with a frozen clock; the test runs the scheduler's rounds itself."""
    for user, email in (
        (ANNA, "anna@beispiel.de"),
        (BEN, "ben@beispiel.de"),
        (CARLA, "carla@beispiel.de"),
        (FELIX, "felix@beispiel.de"),
    ):
        fake_slack.add_user(user, email)
    async with serve(settings, fake_slack, start=MONDAY) as running:
        yield running


def reminders(fake: FakeSlackApi, user: str) -> list[Posted]:
    """The meeting reminders in a person's DMs (approval cards and chasers are not counted)."""
    return [m for m in fake.dms_to(user) if m.text.startswith("Erinnerung: Redaktionssitzung")]


def channel_posts(fake: FakeSlackApi, channel: str = CHANNEL) -> list[Posted]:
    return [m for m in fake.messages.values() if m.channel == channel]


async def test_contributors_are_reminded_and_the_agenda_is_posted(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    await bot.slack.command(CARLA, "/submit", "Messeauftritt in Köln")
    await eventually(lambda: fake.responses)  # Carla's confirmation
    await eventually(lambda: fake.dms_to(BEN))  # Ben's approval card
    added = await say(bot, fake, CARLA, "/topic", "Budget für die Messe")
    assert "Budget für die Messe" in added and "01.12.2026, 10:00" in added

    assert await bot.tick(MONDAY) == 0  # the planner only schedules
    await bot.tick(MEETING - timedelta(hours=24))
    ben = await eventually(lambda: reminders(fake, BEN))
    carla = await eventually(lambda: reminders(fake, CARLA))
    felix = await eventually(lambda: fake.dms_to(FELIX))
    assert "Erinnerung: Redaktionssitzung Dienstag, 01.12.2026, 10:00 (in 24 Std.)" in ben[0].text
    assert "#1 „Messeauftritt in Köln“ wartet auf deine Freigabe" in block_texts(ben[0].blocks)
    assert "Deine Einreichung #1 „Messeauftritt in Köln“ ist noch in der Freigabe" in (
        block_texts(carla[0].blocks)
    )
    assert "Nichts – danke!" in block_texts(felix[0].blocks)
    assert "/desk topic TEXT" in block_texts(felix[0].blocks)  # Slack keeps /topic for itself
    assert reminders(fake, ANNA) == []  # not in a department, not a contributor
    assert channel_posts(fake) == []  # the agenda comes with the last reminder

    await bot.tick(MEETING - timedelta(hours=1))
    agenda = (await eventually(lambda: channel_posts(fake)))[0]
    shown = block_texts(agenda.blocks)
    assert "Tagesordnung Redaktionssitzung 01.12.2026, 10:00" in agenda.text
    assert "Marketing:\n• Budget für die Messe (Carla Neumann)" in shown
    assert (
        "#1 „Messeauftritt in Köln“ – Fachliche Freigabe, seit 24 Std., wartet auf Ben Weber"
        in (shown)
    )
    assert "⚠ überfällig" in shown  # the stage's 4h SLA has long passed
    await eventually(lambda: len(fake.dms_to(FELIX)) == 2)
    assert "(in 1 Std.)" in fake.dms_to(FELIX)[1].text

    # Another round, another server start: nobody hears it twice.
    await bot.tick(MEETING - timedelta(minutes=30))
    await bot.runtime.dispatcher.deliver_due()
    assert [len(reminders(fake, u)) for u in (BEN, CARLA, FELIX)] == [2, 2, 2]
    assert len(channel_posts(fake)) == 1

    # A topic that comes in after the agenda was posted updates it in place.
    await say(bot, fake, FELIX, "/thema", "Neue Produktfotos")
    await eventually(lambda: agenda.updates)
    assert "Produktmanagement:\n• Neue Produktfotos (Felix Wolf)" in block_texts(agenda.blocks)


async def test_agenda_lists_planned_content_and_approval_lead_time(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    from bot.approvals import service as approvals
    from storage.models import ContentItem, Person

    bot, fake = meeting_bot, fake_slack
    async with bot.runtime.sessions.begin() as session:
        carla = await session.scalar(select(Person).where(Person.handle == "carla"))
        ben = await session.scalar(select(Person).where(Person.handle == "ben"))
        anna = await session.scalar(select(Person).where(Person.handle == "anna"))
        assert carla and ben and anna
        item, request, _ = await approvals.submit(
            session=session,
            org=bot.runtime.org,
            submitter=carla,
            text="Adventsgewinnspiel",
            now=MONDAY - timedelta(days=2),
        )
        await approvals.decide(
            session=session,
            org=bot.runtime.org,
            request_id=request.id,
            person=ben,
            outcome="approved",
            now=MONDAY - timedelta(days=1),
        )
        second = await session.scalar(select(func.max(approvals.ApprovalRequest.id)))
        assert second is not None
        await approvals.decide(
            session=session,
            org=bot.runtime.org,
            request_id=second,
            person=anna,
            outcome="approved",
            now=MONDAY - timedelta(hours=23),
        )
        fresh = await session.get_one(ContentItem, item.id)
        fresh.channels, fresh.publish_at = ["linkedin", "x"], MEETING + timedelta(days=2)

    agenda_text = await say(bot, fake, ANNA, "/meeting", "agenda")
    assert "Freigegeben und geplant, nächste 7 Tage" in agenda_text
    assert "LinkedIn:\n• 03.12.2026, 10:00 – #1 Adventsgewinnspiel" in agenda_text
    assert "X:\n• 03.12.2026, 10:00 – #1 Adventsgewinnspiel" in agenda_text
    # Stage 1 took 24 h (Ben), stage 2 took 1 h (Anna): the median of two is 12 h.
    assert "Median 12 Std. (2 Stufen entschieden)" in agenda_text
    assert "Am längsten gewartet wurde auf Ben Weber (24 Std.)" in agenda_text
    assert "Wartet auf Freigabe (älteste zuerst)\nNichts." in agenda_text


async def test_only_social_media_managers_change_the_meeting(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    shown = await say(bot, fake, CARLA, "/meeting", "")
    assert "Nächste Redaktionssitzung: Dienstag, 01.12.2026, 10:00" in shown
    assert "dienstags um 10:00 (Europe/Berlin)" in shown

    refused = await say(bot, fake, CARLA, "/meeting", "set mittwoch 14:00")
    assert "nur Social-Media-Manager" in refused
    async with bot.runtime.sessions() as session:
        assert await session.get(MeetingSettings, 1) is None

    done = await say(bot, fake, ANNA, "/meeting", "set wednesday 14:00")
    assert "Die Redaktionssitzung ist jetzt mittwochs um 14:00 (Europe/Berlin)." in done
    assert "Nächster Termin: Mittwoch, 02.12.2026, 14:00." in done
    shown = await say(bot, fake, BEN, "/meeting", "")
    assert "Nächste Redaktionssitzung: Mittwoch, 02.12.2026, 14:00" in shown
    announced = await eventually(lambda: channel_posts(fake))
    assert "Neuer Regeltermin der Redaktionssitzung: mittwochs um 14:00" in announced[0].text

    # The old Tuesday timers are gone; Wednesday's fire at 13:00 Berlin the day before.
    await bot.tick(MEETING - timedelta(hours=24))
    await bot.runtime.dispatcher.deliver_due()
    assert fake.dms_to(FELIX) == []
    await bot.tick(datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    reminder = (await eventually(lambda: fake.dms_to(FELIX)))[0]
    assert "Mittwoch, 02.12.2026, 14:00" in reminder.text


async def test_a_skipped_meeting_sends_nothing_and_a_moved_one_reminds_at_its_new_time(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    await bot.tick(MONDAY)  # timers exist for 1 and 8 December
    skipped = await say(bot, fake, ANNA, "/meeting", "skip 2026-12-01")
    assert "Die Redaktionssitzung am 01.12.2026 fällt aus" in skipped
    assert "Nächste Redaktionssitzung: Dienstag, 08.12.2026, 10:00" in (
        await say(bot, fake, CARLA, "/meeting", "")
    )
    again = await say(bot, fake, ANNA, "/meeting", "skip 2026-12-01")
    assert "fällt schon aus" in again

    await bot.tick(MEETING - timedelta(hours=1))
    await bot.runtime.dispatcher.deliver_due()
    assert fake.dms_to(FELIX) == []
    assert all("Tagesordnung" not in p.text for p in channel_posts(fake))

    moved = await say(bot, fake, ANNA, "/meeting", "move 2026-12-09 14:00")
    assert (
        "Die Redaktionssitzung vom 08.12.2026 ist verschoben auf Mittwoch, 09.12.2026, 14:00"
        in (moved)
    )
    await bot.tick(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))  # the regular 24h mark: nothing
    await bot.runtime.dispatcher.deliver_due()
    assert fake.dms_to(FELIX) == []
    await bot.tick(datetime(2026, 12, 8, 13, 0, tzinfo=UTC))  # 24h before 14:00 Berlin
    reminder = (await eventually(lambda: fake.dms_to(FELIX)))[0]
    assert "Mittwoch, 09.12.2026, 14:00 (in 24 Std.)" in reminder.text


async def test_bad_meeting_changes_are_explained_and_change_nothing(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    cases = {
        "skip 2026-12-02": "Am 2026-12-02 ist keine Redaktionssitzung",
        "skip 2026-11-24": "hat schon stattgefunden",
        "skip morgen": "`/meeting skip JJJJ-MM-TT`",
        "set funday 10:00": "`/meeting set WOCHENTAG HH:MM`",
        "set tuesday 25:00": "`/meeting set WOCHENTAG HH:MM`",
        "move 2026-12-01 9 Uhr": "`/meeting move JJJJ-MM-TT HH:MM`",
        "move 2026-11-20 10:00": "Der neue Termin liegt in der Vergangenheit",
        "frobnicate": "`/meeting frobnicate` kenne ich nicht",
    }
    for text, expected in cases.items():
        answer = await say(bot, fake, ANNA, "/meeting", text)
        assert expected in answer, (text, answer)
    assert "So bringst du ein Thema ein" in await say(bot, fake, CARLA, "/topic", "")
    too_long = await say(bot, fake, CARLA, "/topic", "x" * 501)
    assert "zu lang (501 Zeichen" in too_long
    async with bot.runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(MeetingOverride)) == 0
        assert await session.get(MeetingSettings, 1) is None


async def test_a_server_that_was_down_sends_the_missed_reminder_only_while_the_meeting_is_ahead(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    await bot.tick(MONDAY)
    # Down through both reminder times; back 30 minutes before the meeting: the 24h reminder
    # is superseded by the 1h one, which goes out once, with the agenda.
    await bot.tick(MEETING - timedelta(minutes=30))
    sent = await eventually(lambda: fake.dms_to(FELIX))
    await eventually(lambda: channel_posts(fake))
    await bot.runtime.dispatcher.deliver_due()
    assert len(fake.dms_to(FELIX)) == 1 and "(in 30 Min.)" in sent[0].text

    # Next week the server is down until after the meeting: both reminders are dropped.
    await bot.tick(MEETING + timedelta(days=7, minutes=5))
    await bot.runtime.dispatcher.deliver_due()
    assert len(fake.dms_to(FELIX)) == 1 and len(channel_posts(fake)) == 1
    async with bot.runtime.sessions() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(Timer)
            .where(
                Timer.key.startswith("meeting:2026-12-08:"),
                Timer.fired_at.is_(None),
                Timer.cancelled_at.is_(None),
            )
        )
        sent = await session.scalar(select(func.count()).select_from(MeetingReminderSent))
    assert pending == 0 and sent == 3  # ben, carla, felix once


@pytest.mark.parametrize(
    ("occurrence", "utc_hour"),
    [
        (datetime(2026, 10, 20, tzinfo=UTC), 8),  # summer time
        (datetime(2026, 10, 27, tzinfo=UTC), 9),  # after the switch of 25 October
        (datetime(2027, 3, 23, tzinfo=UTC), 9),
        (datetime(2027, 3, 30, tzinfo=UTC), 8),  # after the switch of 28 March
    ],
)
async def test_the_meeting_stays_at_ten_local_across_daylight_saving_switches(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi, occurrence: datetime, utc_hour: int
) -> None:
    bot, fake = meeting_bot, fake_slack
    start = occurrence.replace(hour=utc_hour)
    await bot.tick(start - timedelta(days=3))
    async with bot.runtime.sessions() as session:
        due = dict(
            (
                await session.execute(
                    select(Timer.key, Timer.due_at).where(
                        Timer.key.startswith(f"meeting:{start.date().isoformat()}:")
                    )
                )
            ).all()
        )
    day = start.date().isoformat()
    assert due == {
        f"meeting:{day}:86400": start - timedelta(hours=24),
        f"meeting:{day}:3600": start - timedelta(hours=1),
    }
    await bot.tick(start - timedelta(hours=1))
    reminder = (await eventually(lambda: fake.dms_to(FELIX)))[-1]
    assert f"{start:%d.%m.%Y}, 10:00 (in 1 Std.)" in reminder.text


async def test_agenda_and_reminders_show_open_requests_and_an_open_crisis(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    from storage.models import ContentRequest, Crisis, Person

    bot, fake = meeting_bot, fake_slack
    async with bot.runtime.sessions.begin() as session:
        ids = dict((await session.execute(select(Person.handle, Person.id))).all())
        session.add(
            Crisis(
                description="Shitstorm wegen Werbespot",
                status="open",
                declared_by_id=ids["anna"],
                declared_at=MONDAY - timedelta(hours=2),
            )
        )
        for what, due in (("Fotos vom Stand", MONDAY - timedelta(hours=1)), ("Zitat", MEETING)):
            session.add(
                ContentRequest(
                    requester_id=ids["anna"],
                    assignee_id=ids["felix"],
                    what=what,
                    due_at=due,
                    status="open",
                    created_at=MONDAY - timedelta(days=1),
                    updated_at=MONDAY - timedelta(days=1),
                )
            )
    await bot.tick(MONDAY)  # planned in time
    await bot.tick(MEETING - timedelta(hours=1))
    agenda = block_texts((await eventually(lambda: channel_posts(fake)))[0].blocks)
    assert "⚠ Offene Krise\n• #1 Shitstorm wegen Werbespot (seit 26 Std.)" in agenda
    assert "Offene Inhaltsanfragen (nach Frist)\n• #1 „Fotos vom Stand“ – Felix Wolf, fällig " in (
        agenda
    )
    assert (
        "30.11.2026, 08:00 ⚠ überfällig\n• #2 „Zitat“ – Felix Wolf, fällig 01.12.2026, 10:00"
        in (agenda)
    )
    reminder = block_texts((await eventually(lambda: reminders(fake, FELIX)))[0].blocks)
    assert "Anfrage #1 „Fotos vom Stand“ an dich, fällig 30.11.2026, 08:00 ⚠ überfällig" in reminder


async def test_a_fresh_start_invents_no_missed_reminders_but_a_move_reminds_at_once(
    meeting_bot: ClockedBot, fake_slack: FakeSlackApi
) -> None:
    bot, fake = meeting_bot, fake_slack
    await bot.tick(MEETING - timedelta(hours=2))  # first start ever, 2 h before the meeting
    await bot.runtime.dispatcher.deliver_due()
    assert reminders(fake, FELIX) == []  # the 24h reminder was never planned
    await bot.tick(MEETING - timedelta(hours=1))
    assert len(await eventually(lambda: reminders(fake, FELIX))) == 1  # the 1h one was

    # Next week's meeting is moved to tomorrow morning: its 24h reminder goes out right away.
    moved = await say(bot, fake, ANNA, "/meeting", "move 2026-12-08 2026-12-02 08:00")
    assert "verschoben auf Mittwoch, 02.12.2026, 08:00" in moved
    await bot.tick(MEETING - timedelta(minutes=59))
    later = await eventually(lambda: reminders(fake, FELIX)[1:])
    assert "Mittwoch, 02.12.2026, 08:00 (in 22 Std.)" in later[0].text
