"""The organisation file changes while the bot runs: it is taken up without a restart, or,
when broken, the running organisation stays and the social media managers are told once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings
from tests.conftest import EXAMPLE_CONFIG, RunningBot, make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.approval_support import ANNA, BEN, CARLA, click, dm, dms, text_of
from tests.support import buttons, eventually, people_on_slack, say

GINA = {"handle": "gina", "name": "Gina Roth", "email": "gina@beispiel.de", "roles": ["legal"]}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_bytes(EXAMPLE_CONFIG.read_bytes())
    return path


@pytest.fixture
def settings(
    database_url: str, fake_slack: FakeSlackApi, config_path: Path, tmp_path: Path
) -> Settings:
    return make_settings(
        database_url, fake_slack, tmp_path, config=config_path, SOCIALDESK_ORG_POLL=0.05
    )


def rewrite(path: Path, change: Any) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    bump(path)


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    bump(path)


def bump(path: Path) -> None:
    """A later mtime, as an editor's save gives (a fast test may write twice in one tick)."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


async def test_a_changed_file_applies_while_approvals_are_pending(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path
) -> None:
    people_on_slack(fake_slack)
    await say(bot, fake_slack, CARLA, "/submit", "Sommerfest-Fotos")
    card = await dm(fake_slack, BEN, "Sommerfest")
    assert "approval.approve" in buttons(card.blocks)
    before = bot.runtime.org

    rewrite(config_path, lambda raw: raw["people"].append(GINA))

    await eventually(lambda: bot.runtime.org.person("gina") is not None, within=5)
    runtime = bot.runtime
    assert runtime.engine.org is runtime.org  # every holder switched together
    assert runtime.dispatcher._org is runtime.org and runtime.scheduler.runner._org is runtime.org
    assert before.person("gina") is None
    # The pending approval goes on as before.
    await click(bot, fake_slack, BEN, card, "approval.approve")
    await eventually(lambda: card.updates)
    assert "Freigegeben von Ben Weber" in text_of(card)


async def test_a_broken_file_keeps_the_organisation_and_tells_the_managers_once(
    bot: RunningBot, fake_slack: FakeSlackApi, config_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    people_on_slack(fake_slack)
    before = bot.runtime.org
    good = EXAMPLE_CONFIG.read_bytes().decode("utf-8")
    write(config_path, good[: good.index("approval_paths:")])  # half written

    told = await dm(fake_slack, ANNA, "hat Fehler")
    assert f"Die Organisationsdatei {config_path} hat Fehler" in text_of(told)
    assert bot.runtime.org is before
    assert any(str(config_path) in r.getMessage() for r in caplog.records if r.levelname == "ERROR")

    # The same broken file seen again (another poll, another save): nobody is told twice.
    bump(config_path)
    await eventually(
        lambda: (
            bot.runtime.reloader._seen
            == (  # type: ignore[union-attr]
                config_path.stat().st_mtime_ns,
                config_path.stat().st_size,
            )
        ),
        within=5,
    )
    assert len(dms(fake_slack, ANNA, "hat Fehler")) == 1
    answer = await say(bot, fake_slack, CARLA, "/desk", "departments")  # still the old org
    assert "Marketing" in answer

    # The complete file applies.
    write(config_path, good.replace("Felix Wolf", "Felix Wolff"))
    await eventually(lambda: bot.runtime.org.person("felix").name == "Felix Wolff", within=5)  # type: ignore[union-attr]
    assert len(dms(fake_slack, ANNA, "hat Fehler")) == 1


def test_serve_reloads_on_sighup(tmp_path: Path) -> None:
    """The operator's way: `kill -HUP` the running server after editing the file."""
    config = tmp_path / "org.yaml"
    config.write_bytes(EXAMPLE_CONFIG.read_bytes())
    env = {
        **os.environ,
        "SOCIALDESK_CONFIG": str(config),
        "SOCIALDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'sd.db'}",
        "SOCIALDESK_ORG_POLL": "3600",  # only the signal can make it reload in time
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
    }
    root = Path(__file__).resolve().parents[2]
    cli = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*cli, "migrate"], env=env, cwd=root, check=True, capture_output=True)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*cli, "serve", "--port", str(_free_port())],
            env=env,
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(log, "socialdesk listening")
        rewrite(config, lambda raw: raw["people"].append(GINA))
        proc.send_signal(signal.SIGHUP)
        _wait_for(log, "organisation reloaded (1 added, 0 changed, 0 left, 2 departments)")
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(log: Path, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.1)
