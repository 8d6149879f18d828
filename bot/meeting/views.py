"""What meeting messages look like, as neutral messages in the reader's language."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import i18n
from bot.meeting.agenda import AgendaContext
from bot.meeting.schedule import Occurrence, Schedule
from bot.messages import Fact, Message, Section
from bot.orgconfig import WEEKDAYS


def weekday_name(locale: str, weekday: int) -> str:
    return i18n.t(locale, f"meeting.weekday.{WEEKDAYS[weekday]}")


def regular_slot(locale: str, schedule: Schedule) -> str:
    return i18n.t(
        locale,
        "meeting.regular",
        weekday=weekday_name(locale, schedule.weekday).lower()
        if locale == "de"
        else weekday_name(locale, schedule.weekday),
        time=schedule.at.strftime("%H:%M"),
        tz=str(schedule.tz),
    )


def starts(locale: str, schedule: Schedule, occ: Occurrence) -> str:
    local = occ.start.astimezone(schedule.tz)
    return i18n.t(
        locale,
        "meeting.starts",
        weekday=weekday_name(locale, local.weekday()),
        when=i18n.format_datetime(occ.start, locale, schedule.tz),
    )


def in_about(locale: str, delta: timedelta) -> str:
    return i18n.format_age(max(delta, timedelta(0)), locale)


def next_meeting(
    locale: str, schedule: Schedule, occ: Occurrence | None, now: datetime, topics: int
) -> Message:
    facts = [
        Fact(label=i18n.t(locale, "meeting.field.regular"), value=regular_slot(locale, schedule))
    ]
    if occ is None:
        return Message(text=i18n.t(locale, "meeting.none_ahead"), fields=facts)
    if occ.moved:
        facts.append(
            Fact(
                label=i18n.t(locale, "meeting.field.moved_from"),
                value=i18n.format_datetime(occ.regular_start, locale, schedule.tz),
            )
        )
    facts.append(Fact(label=i18n.t(locale, "meeting.field.topics"), value=str(topics)))
    return Message(
        text=i18n.t(
            locale,
            "meeting.next",
            starts=starts(locale, schedule, occ),
            rel=in_about(locale, occ.start - now),
        ),
        fields=facts,
        context=i18n.t(locale, "meeting.topic.how"),
    )


def reminder(ctx: AgendaContext, schedule: Schedule, items: list[str]) -> Message:
    occ = ctx.occurrence
    heading = ctx.t("meeting.items.heading")
    listed = Section(text=heading, items=items) if items else None
    return Message(
        text=ctx.t(
            "meeting.reminder.title",
            starts=starts(ctx.locale, schedule, occ),
            rel=in_about(ctx.locale, occ.start - ctx.now),
        ),
        sections=[listed or Section(text=f"{heading}\n{ctx.t('meeting.items.none')}")],
        context=ctx.t("meeting.topic.how"),
    )
