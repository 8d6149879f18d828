"""SLA reminders and escalations on the durable timers: they survive restarts, fire once,
and are cancelled when the request is decided."""

from __future__ import annotations

import logging

from bot.approvals import service
from bot.timers.service import TimerContext, on_timer

log = logging.getLogger(__name__)


@on_timer(service.REMIND)
async def remind(ctx: TimerContext) -> None:
    try:
        await service.remind(
            session=ctx.session,
            org=ctx.org,
            request_id=int(ctx.timer.payload["request_id"]),
            percent=int(ctx.timer.payload.get("percent", 0)),
            now=ctx.now,
        )
    except service.RequestNotFound:
        log.warning("reminder for a request that is gone: %s", ctx.timer.key)


@on_timer(service.SLA)
async def sla_passed(ctx: TimerContext) -> None:
    try:
        await service.sla_passed(
            session=ctx.session,
            org=ctx.org,
            request_id=int(ctx.timer.payload["request_id"]),
            now=ctx.now,
        )
    except service.RequestNotFound:
        log.warning("deadline of a request that is gone: %s", ctx.timer.key)
