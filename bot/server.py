"""The composition root: one aiohttp app with the engine, the outbox and every adapter.

This is the only module under bot/ that knows adapters exist; the engine never does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack import app as slack_adapter
from bot.clock import Clock, SystemClock
from bot.engine import Engine
from bot.orgconfig import OrgConfig, load_config
from bot.outbox.dispatcher import Dispatcher
from bot.people.service import sync_organisation
from bot.platform import ChatPlatform
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.timers.runner import TimerRunner
from storage.db import SessionMaker, create_engine, create_sessionmaker

log = logging.getLogger(__name__)
RUNTIME: web.AppKey[Runtime] = web.AppKey("runtime")


@dataclass
class Runtime:
    settings: Settings
    org: OrgConfig
    db: AsyncEngine
    sessions: SessionMaker
    clock: Clock
    engine: Engine
    dispatcher: Dispatcher
    scheduler: Scheduler
    platforms: dict[str, ChatPlatform]
    adapters: dict[str, str] = field(default_factory=dict)


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    clock = clock or SystemClock()
    org = load_config(settings.config)
    db = create_engine(settings.database_url)
    sessions = create_sessionmaker(db)
    platforms: dict[str, ChatPlatform] = {}
    dispatcher = Dispatcher(
        sessions,
        platforms,
        clock,
        retry_base=settings.outbox_retry_base_seconds,
        max_attempts=settings.outbox_max_attempts,
    )
    engine = Engine(
        sessionmaker=sessions,
        org=org,
        platforms=platforms,
        clock=clock,
        on_commit=dispatcher.notify,
    )
    timers = TimerRunner(sessions, org, clock, on_commit=dispatcher.notify)
    scheduler = Scheduler(db, timers, tick_seconds=settings.scheduler_tick_seconds)
    runtime = Runtime(settings, org, db, sessions, clock, engine, dispatcher, scheduler, platforms)
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    _mount_slack(app, runtime)
    app.cleanup_ctx.append(_lifecycle)
    return app


def _mount_slack(app: web.Application, runtime: Runtime) -> None:
    s = runtime.settings
    if not (s.slack_bot_token and s.slack_signing_secret):
        runtime.adapters["slack"] = "off: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set"
        return
    runtime.platforms["slack"] = slack_adapter.mount(
        app,
        runtime.engine,
        token=s.slack_bot_token,
        signing_secret=s.slack_signing_secret,
        api_url=s.slack_api_url,
    )
    runtime.adapters["slack"] = "on: POST /slack/events"


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    async with runtime.sessions.begin() as session:
        await sync_organisation(session, runtime.org)
    for name, status in sorted(runtime.adapters.items()):
        log.info("adapter %s %s", name, status)
    task = asyncio.create_task(runtime.dispatcher.run(), name="outbox-dispatcher")
    if runtime.settings.scheduler_enabled:
        runtime.scheduler.start()
    yield
    await runtime.scheduler.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await runtime.db.dispose()


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    async with runtime.db.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return web.json_response({"status": "ok", "adapters": runtime.adapters})
