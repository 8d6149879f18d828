"""`python -m tests.bench.replica [--at ISO]`: one socialdesk replica in its own process.

The app is bot.server.create_app with settings from the environment, as `socialdesk serve`
reads them (SOCIALDESK_DATABASE_URL, SLACK_API_URL, SOCIALDESK_CONFIG, …; `bot_env` below
writes them), served by tests/bench/processes.py. Its clock is real time, started at `--at`
if given; the meeting bench drives the timers through one extra route:

    POST /_bench/due?at=ISO   move the clock to `at`, run the due timers, wake the dispatcher
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.server import RUNTIME, create_app
from bot.settings import Settings
from tests.bench.processes import ROOT, serve

if TYPE_CHECKING:
    from tests.fakes.slack_api import FakeSlackApi

SECRET = "bench-secret"
# The outbox paces each Web API method at SOCIALDESK_OUTBOX_RATE (50/s unless set: what a
# real workspace takes). The decisions scenario compares delivery end to end with a bare bolt
# app that never waits for a limit, and its fake Slack sets none: there the bot is told so.
# The burst keeps the default (it measures acknowledgements; the bare app delivers nothing),
# and the fan-out measures the pacing against a Slack that does limit.
UNPACED = 10_000
BOARD_KEY = "bench-board-key-0123456789"  # signs board sessions (tests/bench/board.py)


def bot_env(url: str, fake: FakeSlackApi, **extra: Any) -> dict[str, str]:
    """A replica's environment: this database, Slack pointed at the fake, no scheduler (the
    bench fires timers itself). `extra`: more settings by their variable name."""
    return {
        "SOCIALDESK_DATABASE_URL": url,
        "SOCIALDESK_CONFIG": str(ROOT / "socialdesk.example.yaml"),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "SOCIALDESK_SECRET_KEY": BOARD_KEY,
        "SOCIALDESK_SCHEDULER": "false",
        **{name: str(value) for name, value in extra.items()},
    }


class RunningClock:
    """Real time, moved to where the bench says: timers see the due date, the dispatcher's
    waits still pass."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, value: datetime) -> None:
        self._base, self._mono = value, time.monotonic()

    def now(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._mono)


def replica(start: datetime) -> web.Application:
    clock = RunningClock(start)
    app = create_app(Settings(_env_file=None), clock=clock)
    runtime = app[RUNTIME]

    async def due(request: web.Request) -> web.Response:
        if "at" in request.query:
            clock.set(datetime.fromisoformat(request.query["at"]))
        runtime.dispatcher.notify()
        fired = await runtime.scheduler.runner.run_due()
        runtime.dispatcher.notify()
        return web.json_response({"fired": fired})

    app.router.add_post("/_bench/due", due)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--at", type=datetime.fromisoformat, default=None)
    start = parser.parse_args().at
    serve(lambda: replica(start or datetime.now(UTC)))


if __name__ == "__main__":
    main()
