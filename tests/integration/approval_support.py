"""Shared by the approval-path tests: an organisation with every approval feature switched
on, the bot on a frozen clock, and helpers to read what people see in Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings
from tests.conftest import EXAMPLE_CONFIG, RunningBot, serve
from tests.fakes.slack_api import FakeSlackApi, Posted
from tests.support import block_texts, buttons, eventually
from tests.support import say as say  # re-exported for the approval tests

ANNA, BEN, CARLA, DAVID, EVA, FELIX, GINA = (
    "U01ANNA",
    "U0BEN",
    "U0CARLA",
    "U0DAVID",
    "U0EVA",
    "U0FELIX",
    "U0GINA",
)
USERS = {
    ANNA: "anna@beispiel.de",
    BEN: "ben@beispiel.de",
    CARLA: "carla@beispiel.de",
    DAVID: "david@beispiel.de",
    EVA: "eva@beispiel.de",
    FELIX: "felix@beispiel.de",
    GINA: "gina@beispiel.de",
}
# Thursday 26 Nov 2026, 09:00 UTC = 10:00 in Berlin.
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def approvals_org() -> dict[str, Any]:
    """The example organisation plus: a second legal person (an `any` stage of two), a
    keyword rule to legal with escalation, a department rule whose stage approves on timeout,
    escalation on the standard path, and Carla reading English."""
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    raw["people"].append(
        {"handle": "gina", "name": "Gina Roth", "email": "gina@beispiel.de", "roles": ["legal"]}
    )
    for person in raw["people"]:
        if person["handle"] == "carla":
            person["locale"] = "en"
    paths = raw["approval_paths"]
    paths["standard"]["stages"][0]["escalate_to"] = "anna"
    paths["recht"] = {
        "when": {"keywords": ["Preis", "Heilversprechen"]},
        "stages": [
            {
                "name": "Recht",
                "approvers": ["role:legal"],
                "mode": "any",
                "sla": "4h",
                "escalate_to": "role:management",
            },
            {"name": "Social Media", "approvers": ["anna"], "sla": "2h"},
        ],
    }
    paths["schnell"] = {
        "when": {"departments": ["produkt"]},
        "stages": [
            {
                "name": "Social Media",
                "approvers": ["anna"],
                "sla": "2h",
                "remind_at": [50],
                "on_timeout": "approve",
            }
        ],
    }
    return raw


def write_approvals_org(tmp_path: Path) -> Path:
    path = tmp_path / "approvals.yaml"
    path.write_text(yaml.safe_dump(approvals_org(), allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """Overrides the example organisation for every test module that imports it."""
    return write_approvals_org(tmp_path)


ClockedBot = RunningBot  # frozen clock, rounds run by the test


@pytest.fixture
async def desk(settings: Settings, fake_slack: FakeSlackApi) -> AsyncIterator[ClockedBot]:
    """The real server on a frozen clock (scheduler rounds are driven by the test)."""
    for user, email in USERS.items():
        fake_slack.add_user(user, email)
    async with serve(settings, fake_slack, start=START) as running:
        yield running


def dms(fake: FakeSlackApi, user: str, containing: str = "") -> list[Posted]:
    return [m for m in fake.dms_to(user) if containing in block_texts(m.blocks) + m.text]


async def dm(fake: FakeSlackApi, user: str, containing: str = "", n: int = 1) -> Posted:
    """The n-th DM to the user that contains the text (waiting for the outbox)."""
    await eventually(lambda: len(dms(fake, user, containing)) >= n)
    return dms(fake, user, containing)[n - 1]


async def click(bot: RunningBot, fake: FakeSlackApi, user: str, card: Posted, action: str) -> None:
    resp = await bot.slack.click(user, action, buttons(card.blocks)[action])
    assert resp.status == 200


async def click_and_comment(
    bot: RunningBot, fake: FakeSlackApi, user: str, card: Posted, action: str, comment: str
) -> tuple[int, str]:
    """Click Reject / Request changes, then type the comment into the modal that opens."""
    before = len(fake.views)
    await click(bot, fake, user, card, action)
    await eventually(lambda: len(fake.views) > before)
    return await bot.slack.submit_view(user, fake.views[before], {"comment": comment})


def text_of(message: Posted) -> str:
    return message.text + "\n" + block_texts(message.blocks)
