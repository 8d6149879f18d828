"""`/desk kalender [nächste woche] [KANAL]` and `/desk kalender abo [neu|aus]`."""

from __future__ import annotations

from bot.context import Context
from bot.people.service import reader_for
from bot.publishing import calendar, calendar_views, feeds
from bot.publishing.service import channel_for
from bot.registry import command
from storage import blobs

SUBSCRIBE = ("abo", "abonnieren", "subscribe", "subscription", "feed", "ical")
RENEW = ("neu", "new", "renew", "erneuern")
STOP = ("aus", "off", "stop", "beenden", "kündigen", "cancel")
NEXT_WEEK = (("nächste", "woche"), ("naechste", "woche"), ("next", "week"))


@command("kalender", usage_key="publishing.calendar.usage", aliases=("calendar",))
async def calendar_command(ctx: Context, args: str) -> None:
    words = args.casefold().split()
    if words and words[0] in SUBSCRIBE:
        await _subscription(ctx, words[1:])
        return
    next_week = False
    for pair in NEXT_WEEK:
        if tuple(words[:2]) == pair or tuple(words[-2:]) == pair:
            next_week = True
            words = words[2:] if tuple(words[:2]) == pair else words[:-2]
            break
    channel_id = None
    if words:
        channel = channel_for(ctx.org, " ".join(words))
        if channel is None:
            ctx.reply(
                ctx.t(
                    "publishing.calendar.unknown_channel",
                    text=" ".join(words),
                    channels=", ".join(c.name for c in ctx.org.channels),
                )
            )
            return
        channel_id = channel.id
    week = await calendar.week(
        ctx.session,
        ctx.org,
        now=ctx.now,
        locale=ctx.locale,
        weeks_ahead=1 if next_week else 0,
        channel=channel_id,
    )
    reader = reader_for(ctx.person, ctx.org)
    ctx.reply(calendar_views.week_message(reader, ctx.org, week, next_week=next_week))


async def _subscription(ctx: Context, words: list[str]) -> None:
    """The URL is shown once, when made: only its hash is stored."""
    sub = words[0] if words else ""
    if sub in STOP:
        revoked = await feeds.revoke(ctx.session, ctx.person, now=ctx.now)
        ctx.reply(ctx.t("publishing.feed.stopped" if revoked else "publishing.feed.none"))
        return
    public = blobs.public_url()
    if public is None:
        ctx.reply(ctx.t("publishing.feed.no_public_url"))
        return
    if sub not in RENEW:
        existing = await feeds.live_token(ctx.session, ctx.person)
        if existing is not None:
            ctx.reply(ctx.t("publishing.feed.exists", since=ctx.when(existing.created_at)))
            return
    token = await feeds.issue(ctx.session, ctx.person, now=ctx.now)
    key = "publishing.feed.renewed" if sub in RENEW else "publishing.feed.created"
    ctx.reply(ctx.t(key, url=feeds.feed_url(public, token)))
