"""Fixtures of the Agents Playground e2e tests: skipped where the Playground is not installed,
except under CI=true, where that is a failure."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings, get_settings
from tests import intake_files as f
from tests.conftest import RunningBot
from tests.e2e.playground import Playground, missing_tools, running_playground
from tests.integration.file_hosts import FileHost


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
