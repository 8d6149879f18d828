"""Teams auth: with an app id every activity needs a Bot Framework token; without one the
endpoint runs only on loopback (or when explicitly allowed), and says so."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.server import RUNTIME, create_app
from bot.settings import Settings
from storage.models import ContentItem, InboxEvent
from tests.fakes.teams_connector import FakeTeamsConnector, TeamsClient

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "11111111-2222-3333-4444-555555555555"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_token(issuer: str = "https://evil.example") -> str:
    """A JWT nobody at Microsoft signed: right shape, wrong issuer, junk signature."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "forged"}
    claims = {"iss": issuer, "aud": APP_ID, "exp": now + 600, "nbf": now - 10}
    return f"{_b64(header)}.{_b64(claims)}.{_b64({'sig': 'nope'})}"


@contextlib.asynccontextmanager
async def serve(settings: Settings, host: str) -> AsyncIterator[tuple[str, web.Application]]:
    app = create_app(settings, host=host)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        await runner.cleanup()


@pytest.fixture
async def secured(settings: Settings) -> AsyncIterator[tuple[str, web.Application]]:
    settings = settings.model_copy(update={"microsoft_app_id": APP_ID})
    settings.microsoft_app_password = "not-a-real-secret"
    async with serve(settings, "127.0.0.1") as served:
        yield served


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        f"Bearer {forged_token()}",
    ],
    ids=["missing", "empty", "no-token", "basic", "garbage", "forged"],
)
async def test_without_a_valid_token_nothing_happens(
    secured: tuple[str, web.Application],
    fake_teams: FakeTeamsConnector,
    authorization: str | None,
) -> None:
    url, app = secured
    fake_teams.add_member("29:carla", "Carla Neumann", "carla@beispiel.de")
    teams = TeamsClient(url, fake_teams.url)
    headers = {"Authorization": authorization} if authorization is not None else None
    resp = await teams.post(
        teams.activity("29:carla", text="submit Darf nicht durch"), headers=headers
    )
    assert resp.status == 401
    runtime = app[RUNTIME]
    assert (
        runtime.adapters["teams"].startswith("on:")
        and "token required" in runtime.adapters["teams"]
    )
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContentItem)) == 0
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 0
    assert fake_teams.requests == []  # not even a member look-up


async def test_refuses_to_run_unauthenticated_on_a_public_address(
    settings: Settings, fake_teams: FakeTeamsConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with serve(settings, "0.0.0.0") as (url, app):
        status = app[RUNTIME].adapters["teams"]
        assert status.startswith("off:") and "loopback" in status
        assert "teams" not in app[RUNTIME].platforms
        teams = TeamsClient(url, fake_teams.url)
        resp = await teams.say("29:carla", "submit Hallo")
        assert resp.status in (404, 405)
        async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as health:
            body = await health.json()
        assert body["adapters"]["teams"] == status
    assert any("refusing to run unauthenticated" in r.getMessage() for r in caplog.records)


async def test_unauthenticated_on_a_public_address_only_when_allowed(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    allowed = settings.model_copy(update={"teams_allow_unauthenticated": True})
    async with serve(allowed, "0.0.0.0") as (_url, app):
        status = app[RUNTIME].adapters["teams"]
        assert status.startswith("on:") and "unauthenticated" in status
    assert any("WITHOUT authentication" in r.getMessage() for r in caplog.records)


async def test_loopback_runs_unauthenticated_and_says_so(
    settings: Settings, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.WARNING)
    async with serve(settings, "127.0.0.1") as (_url, app):
        assert app[RUNTIME].adapters["teams"] == (
            "on: POST /api/messages (unauthenticated, loopback only)"
        )
    assert any("WITHOUT authentication" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("host", "loaded"), [("0.0.0.0", False), ("127.0.0.1", True)])
def test_the_bot_framework_is_loaded_only_where_teams_is_on(
    tmp_path: Path, host: str, loaded: bool
) -> None:
    """A Slack-only replica (Teams off: no app id, a public address) never imports botbuilder,
    about 24 MB of its memory; where Teams is on, it does. In a process of its own: this one
    has imported botbuilder long ago."""
    script = (
        "import sys\n"
        "from bot.server import RUNTIME, create_app\n"
        "from bot.settings import Settings\n"
        f"app = create_app(Settings(_env_file=None), host={host!r})\n"
        "print(app[RUNTIME].adapters['teams'].split(':')[0], 'botbuilder' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path}/socialdesk.db",
        "SOCIALDESK_DATA_DIR": str(tmp_path),
        "SOCIALDESK_CONFIG": str(ROOT / "socialdesk.example.yaml"),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
    }
    for name in ("MICROSOFT_APP_ID", "SOCIALDESK_TEAMS_ALLOW_UNAUTHENTICATED"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == (["on", "True"] if loaded else ["off", "False"])
