"""Fixtures of the Agents Playground e2e tests: skipped where the Playground is not installed,
except under CI=true, where that is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings, get_settings
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.e2e.playground import Playground, missing_tools, running_playground
from tests.integration.file_hosts import FileHost

try:
    from playwright.async_api import Browser, async_playwright
except ImportError:  # the `browser` fixture skips (or fails, under CI=true) and says why
    async_playwright = None  # type: ignore[assignment]


def skip_or_fail(problem: str, what: str) -> None:
    """A missing tool skips the test with the reason, except under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} cannot run: {problem}", pytrace=False)
    pytest.skip(f"{what} skipped: {problem}")


@pytest.fixture(scope="module", autouse=True)
def _tools() -> None:
    problem = missing_tools()
    if problem:
        skip_or_fail(problem, "Agents Playground e2e")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Teams only, as on a newcomer's machine: no Slack to steal the approvers' cards."""
    return settings.model_copy(update={"slack_bot_token": None, "slack_signing_secret": None})


@pytest.fixture
async def playground(bot: RunningBot, tmp_path: Path) -> AsyncIterator[Playground]:
    async with running_playground(bot, tmp_path) as started:
        yield started


@pytest.fixture
async def file_hosts(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FileHost, FileHost]]:
    """Microsoft's attachment service, stood in for by a file server on 127.0.0.1 (allowed by
    SOCIALDESK_TEAMS_FILE_HOSTS), and a host on 127.0.0.2 the bot must never ask."""
    visual = f.png(1080, 1080)
    files = {"original": visual, "teamfoto.png": visual, "plan.pdf": b"%PDF-1.4\n%%EOF\n"}
    service = FileHost("127.0.0.1", files=files)
    foreign = FileHost("127.0.0.2", files={"original": f.png(10, 10)})
    await service.start()
    await foreign.start()
    monkeypatch.setenv("SOCIALDESK_TEAMS_FILE_HOSTS", service.url)
    get_settings.cache_clear()
    try:
        yield service, foreign
    finally:
        get_settings.cache_clear()
        await service.stop()
        await foreign.stop()


def _chromium() -> str:
    """Debian's chromium (make test installs it with apt-get where it can)."""
    if async_playwright is None:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]')", "Browser walk")
    path = shutil.which("chromium")
    if path is None:
        skip_or_fail("no chromium on PATH (apt-get install chromium)", "Browser walk")
    assert path is not None
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Playwright driving Debian's chromium, never a browser build of Playwright's own."""
    executable = _chromium()
    async with async_playwright() as pw:
        started = await pw.chromium.launch(executable_path=executable)
        try:
            yield started
        finally:
            await started.close()
