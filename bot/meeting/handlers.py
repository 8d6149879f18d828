"""`/meeting`, `/topic`, and the reminder timer with the planner that keeps it scheduled."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import audit, i18n
from bot.context import Context
from bot.meeting import notify, sections, service, views
from bot.meeting.agenda import build_agenda
from bot.meeting.schedule import occurrence, parse_date, parse_time, parse_weekday
from bot.messages import Message
from bot.orgconfig import OrgConfig
from bot.outbox import service as outbox
from bot.people.service import locale_of
from bot.registry import command
from bot.timers.service import TimerContext, on_timer, planner
from storage.models import Person

log = logging.getLogger(__name__)
assert sections  # imported for its agenda sections


@command("meeting", usage_key="meeting.usage.meeting", aliases=("sitzung",))
async def meeting(ctx: Context, args: str) -> None:
    words = args.split()
    sub = words[0].lower() if words else ""
    if ctx.org.meeting is None:
        ctx.reply(ctx.t("meeting.not_configured"))
    elif sub == "":
        await _show(ctx)
    elif sub in ("agenda", "tagesordnung"):
        await _agenda(ctx)
    elif sub in ("set", "skip", "move", "setzen", "ausfallen", "verschieben"):
        if not service.may_manage(ctx.person):
            ctx.reply(ctx.t("meeting.refused"))
            return
        try:
            await _change(ctx, sub, words[1:])
        except service.MeetingError as exc:
            ctx.reply(ctx.t(exc.key, **exc.params) + "\n" + ctx.t("meeting.usage.manage"))
    else:
        ctx.reply(ctx.t("meeting.unknown_sub", sub=sub) + "\n" + ctx.t("meeting.usage.manage"))


async def _show(ctx: Context) -> None:
    found = await service.next_meeting(session=ctx.session, org=ctx.org, now=ctx.now)
    assert found is not None
    schedule, occ = found
    topics = len(await service.topics_for(session=ctx.session, occ_id=occ.id)) if occ else 0
    ctx.reply(views.next_meeting(ctx.locale, schedule, occ, ctx.now, topics))


async def _agenda(ctx: Context) -> None:
    found = await service.next_meeting(session=ctx.session, org=ctx.org, now=ctx.now)
    assert found is not None
    schedule, occ = found
    if occ is None:
        ctx.reply(ctx.t("meeting.none_ahead"))
        return
    agenda_ctx = notify.agenda_context(
        session=ctx.session,
        org=ctx.org,
        schedule=schedule,
        occ=occ,
        now=ctx.now,
        locale=ctx.locale,
    )
    ctx.reply(await build_agenda(agenda_ctx))


async def _change(ctx: Context, sub: str, words: list[str]) -> None:
    if sub in ("set", "setzen"):
        await _set(ctx, words)
    elif sub in ("skip", "ausfallen"):
        await _skip(ctx, words)
    else:
        await _move(ctx, words)


def _announce(ctx: Context, key: str, **params: object) -> None:
    """Tell the meeting channel, in the organisation's language, who changed what."""
    text = i18n.t(ctx.org.organization.locale, key, name=ctx.person.name, **params)
    notify.announce(session=ctx.session, org=ctx.org, message=Message(text=text), now=ctx.now)


async def _set(ctx: Context, words: list[str]) -> None:
    weekday = parse_weekday(words[0]) if len(words) == 2 else None
    at = parse_time(words[1]) if len(words) == 2 else None
    if weekday is None or at is None:
        raise service.MeetingError("meeting.error.set_usage")
    schedule = await service.set_schedule(
        session=ctx.session, org=ctx.org, person=ctx.person, weekday=weekday, at=at, now=ctx.now
    )
    found = await service.next_meeting(session=ctx.session, org=ctx.org, now=ctx.now)
    upcoming = found[1] if found else None
    done = ctx.t("meeting.set.done", slot=views.regular_slot(ctx.locale, schedule))
    if upcoming is not None:
        done += " " + ctx.t("meeting.set.next", starts=views.starts(ctx.locale, schedule, upcoming))
    ctx.reply(done)
    org_locale = ctx.org.organization.locale
    _announce(ctx, "meeting.set.announce", slot=views.regular_slot(org_locale, schedule))


async def _skip(ctx: Context, words: list[str]) -> None:
    day = parse_date(words[0]) if len(words) == 1 else None
    if day is None:
        raise service.MeetingError("meeting.error.skip_usage")
    await service.skip(session=ctx.session, org=ctx.org, person=ctx.person, day=day, now=ctx.now)
    ctx.reply(ctx.t("meeting.skip.done", date=_local_date(ctx.locale, day)))
    _announce(ctx, "meeting.skip.announce", date=_local_date(ctx.org.organization.locale, day))


async def _move(ctx: Context, words: list[str]) -> None:
    """`move NEW-DATE HH:MM` moves the nearest meeting, `move OLD NEW HH:MM` the one on OLD."""
    source: date | None = None
    if len(words) == 3:
        source = parse_date(words[0])
        if source is None:
            raise service.MeetingError("meeting.error.move_usage")
        words = words[1:]
    day = parse_date(words[0]) if len(words) == 2 else None
    at = parse_time(words[1]) if len(words) == 2 else None
    if day is None or at is None:
        raise service.MeetingError("meeting.error.move_usage")
    occ = await service.move(
        session=ctx.session,
        org=ctx.org,
        person=ctx.person,
        day=day,
        at=at,
        now=ctx.now,
        source=source,
    )
    schedule = await service.load_schedule(session=ctx.session, org=ctx.org)
    assert schedule is not None
    moved_to = date.fromisoformat(occ.id)
    ctx.reply(
        ctx.t(
            "meeting.move.done",
            date=_local_date(ctx.locale, moved_to),
            starts=views.starts(ctx.locale, schedule, occ),
        )
    )
    org_locale = ctx.org.organization.locale
    _announce(
        ctx,
        "meeting.move.announce",
        date=_local_date(org_locale, moved_to),
        starts=views.starts(org_locale, schedule, occ),
    )
    for person in await _without_a_channel(ctx):
        locale = locale_of(person, ctx.org)
        text = i18n.t(
            locale,
            "meeting.move.announce",
            name=ctx.person.name,
            date=_local_date(locale, moved_to),
            starts=views.starts(locale, schedule, occ),
        )
        outbox.post_to_person(ctx.session, person, Message(text=text), now=ctx.now)


async def _without_a_channel(ctx: Context) -> list[Person]:
    """Contributors who see no meeting channel: none is configured (or on) for a platform
    they use, e.g. Teams people while only `slack_channel` is set. They hear it by DM."""
    configured = {platform for platform, _ in notify._channels(ctx.org)}
    seen = configured if ctx.platforms is None else configured & ctx.platforms
    out = []
    for person in await service.contributors(session=ctx.session, org=ctx.org):
        # Where they talked to the bot (as the dispatcher reaches them); nowhere yet: they are
        # found by e-mail, like everyone who reads the channel.
        used = {i.platform for i in person.identities if i.last_seen_at or i.conversation_ref}
        if person.id != ctx.person.id and used and not used & seen:
            out.append(person)
    return out


def _local_date(locale: str, day: date) -> str:
    return day.strftime("%d.%m.%Y" if locale == "de" else "%d %b %Y")


@command("topic", usage_key="meeting.usage.topic", aliases=("thema",))
async def topic(ctx: Context, args: str) -> None:
    text = args.strip()
    if not text:
        ctx.reply(ctx.t("meeting.topic.explain"))
        return
    try:
        row, occ = await service.add_topic(
            session=ctx.session, org=ctx.org, person=ctx.person, text=text, now=ctx.now
        )
    except service.MeetingError as exc:
        ctx.reply(ctx.t(exc.key, **exc.params))
        return
    audit.record(
        ctx.session,
        action="meeting.topic_added",
        subject=f"meeting:{occ.id}",
        now=ctx.now,
        actor_id=ctx.person.id,
        topic_id=row.id,
    )
    schedule = await service.load_schedule(session=ctx.session, org=ctx.org)
    assert schedule is not None
    ctx.reply(
        ctx.t("meeting.topic.added", text=text, starts=views.starts(ctx.locale, schedule, occ))
    )
    await notify.refresh_agenda(
        session=ctx.session, org=ctx.org, schedule=schedule, occ=occ, now=ctx.now
    )


# --- the scheduler's part -------------------------------------------------------------------


@planner
async def plan_reminders(session: AsyncSession, org: OrgConfig, now: datetime) -> None:
    await service.sync_timers(session=session, org=org, now=now)


@on_timer(service.TIMER_KIND)
async def remind(ctx: TimerContext) -> None:
    """One offset before one occurrence: DMs to the contributors, and at the last offset the
    agenda. A reminder found late (the server was down) still goes out while the meeting is
    ahead; once it has begun, or if the occurrence was skipped, it is dropped."""
    occ_id = str(ctx.timer.payload["occurrence"])
    offset = timedelta(seconds=int(ctx.timer.payload["offset"]))
    schedule = await service.load_schedule(session=ctx.session, org=ctx.org)
    if schedule is None or offset not in schedule.reminders:
        log.info("meeting reminder %s dropped: no longer configured", ctx.timer.key)
        return
    overrides = await service.load_overrides(session=ctx.session)
    occ = occurrence(schedule, date.fromisoformat(occ_id), overrides)
    if occ is None:
        log.info("meeting reminder %s dropped: no meeting on %s", ctx.timer.key, occ_id)
        return
    if ctx.now >= occ.start:
        log.info("meeting reminder %s dropped: the meeting has begun", ctx.timer.key)
        return
    superseded = any(o < offset and ctx.now >= occ.reminder_at(o) for o in schedule.reminders)
    if (
        not superseded
        and (
            await notify.send_reminders(
                session=ctx.session,
                org=ctx.org,
                schedule=schedule,
                occ=occ,
                offset=offset,
                now=ctx.now,
            )
        ).more
    ):
        ctx.again = True  # more contributors: this batch goes out first
        return
    if offset == schedule.last_offset:
        await notify.post_agenda(
            session=ctx.session, org=ctx.org, schedule=schedule, occ=occ, now=ctx.now
        )
