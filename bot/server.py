"""The composition root: one aiohttp app with the engine, the outbox and every adapter.

This is the only module under bot/ that knows adapters exist; the engine never does.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack import app as slack_adapter
from adapters.teams import ROUTE as TEAMS_ROUTE
from adapters.web import board as board_web
from adapters.web import ical
from bot import memory, ops
from bot.board import keys as board_keys
from bot.board import links as board_links
from bot.clock import Clock, SystemClock
from bot.engine import Engine
from bot.inbox.workers import InboxWorkers
from bot.intake.files import sniff
from bot.org.reload import OrgReloader
from bot.orgconfig import OrgConfig, load_config, platform_warnings
from bot.outbox.dispatcher import DeliveryOptions, Dispatcher
from bot.people.leavers import hand_over
from bot.people.service import sync_organisation
from bot.platform import ChatPlatform
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.timers.runner import TimerRunner
from storage import blobs
from storage.db import SessionMaker, create_engine, create_sessionmaker, is_sqlite

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
    workers: InboxWorkers
    dispatcher: Dispatcher
    scheduler: Scheduler
    platforms: dict[str, ChatPlatform]
    adapters: dict[str, str] = field(default_factory=dict)
    reloader: OrgReloader | None = None

    def use_org(self, org: OrgConfig) -> None:
        """Switch every holder of the organisation together, with no await in between, so
        no event, timer or delivery sees half of the old and half of the new one."""
        self.org = org
        self.engine.org = org
        self.dispatcher._org = org  # the dispatcher and the timers keep theirs privately
        self.scheduler.runner._org = org


def create_app(
    settings: Settings, *, clock: Clock | None = None, host: str | None = None
) -> web.Application:
    """`host` is the address the server will bind (default settings.host): Teams needs it."""
    clock = clock or SystemClock()
    org = load_config(settings.config)
    blobs.configure(settings.data_dir, settings.public_url)
    db = create_engine(
        settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_pool_size
    )
    sessions = create_sessionmaker(db)
    platforms: dict[str, ChatPlatform] = {}
    dispatcher = Dispatcher(
        sessions, platforms, clock, options=DeliveryOptions.from_settings(settings), org=org
    )
    engine = Engine(
        sessionmaker=sessions,
        org=org,
        platforms=platforms,
        clock=clock,
        on_commit=dispatcher.notify,
    )
    workers = InboxWorkers(
        engine, workers=settings.workers or (1 if is_sqlite(settings.database_url) else 4)
    )
    engine.on_recorded = workers.notify
    timers = TimerRunner(sessions, org, clock, on_commit=dispatcher.notify)
    scheduler = Scheduler(db, timers, tick_seconds=settings.scheduler_tick_seconds)
    runtime = Runtime(
        settings, org, db, sessions, clock, engine, workers, dispatcher, scheduler, platforms
    )
    runtime.reloader = OrgReloader(
        settings.config,
        sessions=sessions,
        clock=clock,
        current=lambda: runtime.org,
        use=runtime.use_org,
        on_commit=dispatcher.notify,
    )
    app = web.Application()
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", healthz)
    ops.mount(app, db=db, clock=clock)  # GET /metrics, GET /readyz
    app.router.add_get("/files/{sha256}/{name}", serve_file)
    ical.mount(app, sessions=sessions, org=org, clock=clock)  # GET /ical/{token}.ics
    _mount_slack(app, runtime)
    _mount_teams(app, runtime, host if host is not None else settings.host)
    _mount_board(app, runtime, host if host is not None else settings.host)
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


def _mount_teams(app: web.Application, runtime: Runtime, host: str) -> None:
    """With an app id every activity needs a Bot Framework token; without one, the endpoint
    runs unauthenticated for local use only: on a loopback address, or when told explicitly."""
    s = runtime.settings
    if s.microsoft_app_id:
        status = f"on: POST {TEAMS_ROUTE} (Bot Framework token required)"
    elif is_loopback(host):
        status = f"on: POST {TEAMS_ROUTE} (unauthenticated, loopback only)"
        log.warning("Teams adapter runs WITHOUT authentication: MICROSOFT_APP_ID is not set")
    elif s.teams_allow_unauthenticated:
        status = (
            f"on: POST {TEAMS_ROUTE} (unauthenticated on {host}: "
            "SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED=1)"
        )
        log.warning(
            "Teams adapter runs WITHOUT authentication on %s, anyone who can reach it can act "
            "as anyone (SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED=1)",
            host,
        )
    else:
        runtime.adapters["teams"] = (
            f"off: MICROSOFT_APP_ID is not set and {host} is not a loopback address; refusing "
            "to run unauthenticated (set MICROSOFT_APP_ID, bind 127.0.0.1, or set "
            "SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED=1)"
        )
        log.warning("adapter teams %s", runtime.adapters["teams"])
        return
    from adapters.teams import app as teams_adapter  # the Bot Framework, only when on

    runtime.platforms["teams"] = teams_adapter.mount(
        app,
        runtime.engine,
        app_id=s.microsoft_app_id,
        app_password=s.microsoft_app_password,
        tenant_id=s.microsoft_app_tenant_id,
    )
    runtime.adapters["teams"] = status


def _mount_board(app: web.Application, runtime: Runtime, host: str) -> None:
    """The board signs its sessions with SOCIALDESK_SECRET_KEY; only on loopback may it make
    up a key of its own (`socialdesk serve` refuses a public address without one)."""
    s = runtime.settings
    key = board_keys.secret_key(s.secret_key, s.data_dir, loopback=is_loopback(host))
    if key is None:
        board_links.configure(None)
        runtime.adapters["board"] = (
            f"off: SOCIALDESK_SECRET_KEY is not set and {host} is not a loopback address"
        )
        log.warning("adapter board %s", runtime.adapters["board"])
        return
    board_links.configure(s.public_url or f"http://{host}:{s.port}")
    board_web.mount(
        app,
        sessions=runtime.sessions,
        org=lambda: runtime.org,
        clock=runtime.clock,
        public_url=s.public_url,
        key=key,
    )
    runtime.adapters["board"] = "on: GET /board/ (sign in with /desk board)"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    memory.keep_heap_trimmed()
    async with runtime.sessions.begin() as session:
        await sync_organisation(session, runtime.org)
        await hand_over(session, runtime.org, now=runtime.clock.now())  # left while we were down
    for name, status in sorted(runtime.adapters.items()):
        log.info("adapter %s %s", name, status)
    off = {n: s.removeprefix("off: ") for n, s in runtime.adapters.items() if s.startswith("off")}
    for warning in platform_warnings(runtime.org, off):
        log.warning("%s: %s", runtime.settings.config, warning)
    task = asyncio.create_task(runtime.dispatcher.run(), name="outbox-dispatcher")
    watch = _watch_org(runtime)
    runtime.workers.start()
    if runtime.settings.scheduler_enabled:
        runtime.scheduler.start()
    # What exists now (modules, the organisation, the app: ~200,000 objects) lives as long as
    # the server. Left to the cyclic collector, each of its full passes walks all of it again,
    # a 100 ms pause in the middle of someone's click; frozen, the passes see only new objects.
    gc.freeze()
    yield
    gc.unfreeze()
    watch()
    await runtime.workers.stop()
    await runtime.engine.inflight.drain()
    await runtime.scheduler.stop()
    await runtime.dispatcher.stop()
    try:
        await asyncio.wait_for(task, 10)
    except TimeoutError:
        log.warning("outbox dispatcher did not stop in time")
    await runtime.db.dispose()


def _watch_org(runtime: Runtime) -> Callable[[], None]:
    """Poll the organisation file and reload on SIGHUP; returns what stops both."""
    reloader = runtime.reloader
    assert reloader is not None
    poll = asyncio.create_task(
        reloader.watch(runtime.settings.org_poll_seconds), name="organisation-watch"
    )
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[object]] = set()

    def on_hangup() -> None:
        task = loop.create_task(reloader.reload(), name="organisation-reload")
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    hangup = True
    try:
        loop.add_signal_handler(signal.SIGHUP, on_hangup)
    except (NotImplementedError, RuntimeError, AttributeError):  # not the main thread, Windows
        hangup = False

    def stop() -> None:
        poll.cancel()
        if hangup:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGHUP)

    return stop


async def serve_file(request: web.Request) -> web.StreamResponse:
    """A stored file by its SHA-256 (the link is the capability; see storage/blobs.py)."""
    try:
        path = blobs.store().path_for(request.match_info["sha256"])
    except ValueError:
        raise web.HTTPNotFound() from None
    if not path.is_file():
        raise web.HTTPNotFound()
    with path.open("rb") as head:
        media_type = sniff(head.read(16)) or "application/octet-stream"
    return web.FileResponse(
        path, headers={"Content-Type": media_type, "X-Content-Type-Options": "nosniff"}
    )


async def healthz(request: web.Request) -> web.Response:
    """Alive, nothing more: the database is /readyz's business (bot/ops.py)."""
    runtime = request.app[RUNTIME]
    return web.json_response({"status": "ok", "adapters": runtime.adapters})
